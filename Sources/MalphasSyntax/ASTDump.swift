/// A compact S-expression rendering of the AST, for tests and for debugging the
/// compiler: `1 + 2 * 3` dumps as `(+ 1 (* 2 3))`, `let mut x: int = 5;` as
/// `(let (mut x) : int = 5);`. Types and use trees are shown as written (`[]int`,
/// `fn(int) -> int`, `a::{b, c as d}`).
///
/// The walk keeps its own work stack instead of recursing, so it dumps a syntax tree of
/// any depth (a chain of 100,000 `+` is a tree 100,000 levels deep) on any thread.
public enum ASTDump {
    /// One item per line.
    public static func dump(_ unit: SourceUnit) -> String {
        unit.items.map { dump($0) }.joined(separator: "\n")
    }

    public static func dump(_ item: Item) -> String { render(.item(item)) }
    public static func dump(_ stmt: Stmt) -> String { render(.stmt(stmt)) }
    public static func dump(_ block: Block) -> String { render(.block(block)) }
    public static func dump(_ expr: Expr) -> String { render(.expr(expr)) }
    public static func dump(_ type: TypeRef) -> String { render(.type(type)) }
    public static func dump(_ pattern: Pattern) -> String { render(.pattern(pattern)) }

    // MARK: - The walk

    /// A piece of output still to be produced: literal text, or a node to expand.
    private enum Piece {
        case text(String)
        case expr(Expr)
        case type(TypeRef)
        case pattern(Pattern)
        case block(Block)
        case stmt(Stmt)
        case item(Item)
        case useTree(UseDecl.Tree)
        /// Several pieces standing as one.
        case sequence([Piece])
    }

    private static func render(_ root: Piece) -> String {
        var out = ""
        var work: [Piece] = [root]
        while let piece = work.popLast() {
            let pieces: [Piece]
            switch piece {
            case .text(let s): out += s; continue
            case .expr(let e): pieces = expand(e)
            case .type(let t): pieces = expand(t)
            case .pattern(let p): pieces = expand(p)
            case .block(let b): pieces = expand(b)
            case .stmt(let s): pieces = expand(s)
            case .item(let i): pieces = expand(i)
            case .useTree(let t): pieces = expand(t)
            case .sequence(let s): pieces = s
            }
            work.append(contentsOf: pieces.reversed())
        }
        return out
    }

    /// `(head a b c)`.
    private static func list(_ head: String, _ children: [Piece]) -> [Piece] {
        var pieces: [Piece] = [.text("(" + head)]
        for child in children {
            pieces.append(.text(" "))
            pieces.append(child)
        }
        pieces.append(.text(")"))
        return pieces
    }

    /// `a, b, c`.
    private static func joined(_ items: [Piece], separator: String = ", ") -> [Piece] {
        var pieces: [Piece] = []
        for (i, item) in items.enumerated() {
            if i > 0 { pieces.append(.text(separator)) }
            pieces.append(item)
        }
        return pieces
    }

    // MARK: - Expressions

    private static func expand(_ e: Expr) -> [Piece] {
        switch e.kind {
        case .int(let v): return [.text(String(v))]
        case .float(let v): return [.text(String(v))]
        case .string(let s): return [.text(quoted(s))]
        case .bool(let b): return [.text(b ? "true" : "false")]
        case .nilLiteral: return [.text("nil")]
        case .unit: return [.text("()")]
        case .path(let p): return path(p)
        case .array(let elements): return list("array", elements.map { .expr($0) })
        case .arrayRepeat(let value, let count): return list("array-repeat", [.expr(value), .expr(count)])
        case .tuple(let elements): return list("tuple", elements.map { .expr($0) })
        case .structLiteral(let p, let fields):
            var pieces: [Piece] = [.text("(struct-literal ")]
            pieces += path(p)
            for field in fields {
                pieces += [.text(" (\(field.name.name) "), .expr(field.value), .text(")")]
            }
            return pieces + [.text(")")]
        case .unary(let op, let operand): return list(op.rawValue, [.expr(operand)])
        case .binary(let op, let lhs, let rhs): return list(op.rawValue, [.expr(lhs), .expr(rhs)])
        case .assign(let target, let op, let value):
            return list((op?.rawValue ?? "") + "=", [.expr(target), .expr(value)])
        case .range(let lower, let upper, let inclusive):
            return list(inclusive ? "..=" : "..", [lower.map { .expr($0) } ?? .text("_"), upper.map { .expr($0) } ?? .text("_")])
        case .cast(let operand, let type): return list("as", [.expr(operand), .type(type)])
        case .call(let callee, let args): return list("call", [.expr(callee)] + args.map { .expr($0) })
        case .methodCall(let receiver, let name, let genericArgs, let args):
            var pieces: [Piece] = [.text("(method "), .expr(receiver), .text(" " + name.name)]
            pieces += genericArguments(genericArgs)
            for arg in args { pieces += [.text(" "), .expr(arg)] }
            pieces.append(.text(")"))
            return pieces
        case .field(let base, let name): return list("field", [.expr(base), .text(name.name)])
        case .tupleField(let base, let index, _): return list("field", [.expr(base), .text(String(index))])
        case .index(let base, let index): return list("index", [.expr(base), .expr(index)])
        case .closure(let params, let result, let body):
            var pieces: [Piece] = [.text("(closure |")]
            pieces += joined(params.map(param))
            pieces.append(.text("|"))
            if let result { pieces += [.text(" -> "), .type(result)] }
            pieces += [.text(" "), .expr(body), .text(")")]
            return pieces
        case .block(let b): return [.block(b)]
        case .ifElse(let condition, let then, let otherwise):
            return list("if", [.expr(condition), .block(then)] + (otherwise.map { [.expr($0)] } ?? []))
        case .match(let scrutinee, let arms):
            var children: [Piece] = [.expr(scrutinee)]
            for arm in arms {
                var pieces: [Piece] = [.text("(arm "), .pattern(arm.pattern)]
                if let guardExpr = arm.guardExpr { pieces += [.text(" if "), .expr(guardExpr)] }
                pieces += [.text(" "), .expr(arm.body), .text(")")]
                children.append(.sequence(pieces))
            }
            return list("match", children)
        case .whileLoop(let condition, let body): return list("while", [.expr(condition), .block(body)])
        case .loop(let body): return list("loop", [.block(body)])
        case .forLoop(let pattern, let iterable, let body):
            return list("for", [.pattern(pattern), .expr(iterable), .block(body)])
        case .breakLoop(let value): return list("break", value.map { [.expr($0)] } ?? [])
        case .continueLoop: return [.text("(continue)")]
        case .returnValue(let value): return list("return", value.map { [.expr($0)] } ?? [])
        case .spawn(let body): return list("spawn", [.expr(body)])
        case .send(let channel, let value): return list("send", [.expr(channel), .expr(value)])
        case .select(let cases):
            var children: [Piece] = []
            for c in cases {
                var pieces: [Piece] = [.text("(case ")]
                switch c.kind {
                case .receive(let binding, let channel):
                    pieces.append(.text("(recv "))
                    if let binding { pieces += [.pattern(binding), .text(" ")] }
                    pieces += [.expr(channel), .text(")")]
                case .send(let channel, let value):
                    pieces += [.text("(send "), .expr(channel), .text(" "), .expr(value), .text(")")]
                case .defaultCase:
                    pieces.append(.text("default"))
                }
                pieces += [.text(" "), .expr(c.body), .text(")")]
                children.append(.sequence(pieces))
            }
            return list("select", children)
        case .make(let type, let args): return list("make", [.type(type)] + args.map { .expr($0) })
        }
    }

    private static func param(_ p: Param) -> Piece {
        let head = (p.isMutable ? "mut " : "") + p.name.name
        guard let type = p.type else { return .text(head) }
        return typed(head, type)
    }

    /// A name with its type: `x: int`.
    private static func typed(_ head: String, _ type: TypeRef) -> Piece {
        .sequence([.text(head + ": "), .type(type)])
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: - Paths and types

    private static func path(_ p: Path) -> [Piece] {
        var pieces: [Piece] = []
        for (i, segment) in p.segments.enumerated() {
            if i > 0 { pieces.append(.text("::")) }
            pieces.append(.text(segment.name.name))
            pieces += genericArguments(segment.genericArgs)
        }
        return pieces
    }

    private static func genericArguments(_ args: [TypeRef]) -> [Piece] {
        guard !args.isEmpty else { return [] }
        return [.text("[")] + joined(args.map { .type($0) }) + [.text("]")]
    }

    private static func expand(_ t: TypeRef) -> [Piece] {
        switch t.kind {
        case .named(let p):
            return path(p)
        case .slice(let element): return [.text("[]"), .type(element)]
        case .array(let element, let size): return [.text("["), .type(element), .text("; "), .expr(size), .text("]")]
        case .tuple(let elements):
            if elements.count == 1 { return [.text("("), .type(elements[0]), .text(",)")] }
            return [.text("(")] + joined(elements.map { .type($0) }) + [.text(")")]
        case .function(let params, let result):
            var pieces: [Piece] = [.text("fn(")] + joined(params.map { .type($0) }) + [.text(")")]
            if let result { pieces += [.text(" -> "), .type(result)] }
            return pieces
        case .channel(let element): return [.text("chan "), .type(element)]
        case .optional(let wrapped): return [.type(wrapped), .text("?")]
        case .reference(let referent, let mutable): return [.text(mutable ? "&mut " : "&"), .type(referent)]
        }
    }

    // MARK: - Patterns

    private static func expand(_ p: Pattern) -> [Piece] {
        switch p.kind {
        case .wildcard: return [.text("_")]
        case .binding(let name, let isMutable): return [.text(isMutable ? "(mut \(name.name))" : name.name)]
        case .literal(let e): return [.expr(e)]
        case .range(let lower, let upper, let inclusive):
            return list(inclusive ? "..=" : "..", [.expr(lower), .expr(upper)])
        case .tuple(let elements): return list("tuple", elements.map { .pattern($0) })
        case .variant(let p, let args):
            var pieces: [Piece] = [.text("(variant ")] + path(p)
            if let args {
                if args.isEmpty { pieces.append(.text(" ()")) }
                for arg in args { pieces += [.text(" "), .pattern(arg)] }
            }
            return pieces + [.text(")")]
        case .structPattern(let p, let fields, let hasRest):
            var pieces: [Piece] = [.text("(struct ")] + path(p)
            for field in fields {
                pieces += [.text(" (\(field.name.name) "), .pattern(field.pattern), .text(")")]
            }
            if hasRest { pieces.append(.text(" ..")) }
            return pieces + [.text(")")]
        case .alternatives(let alternatives): return list("|", alternatives.map { .pattern($0) })
        }
    }

    // MARK: - Blocks and statements

    private static func expand(_ b: Block) -> [Piece] {
        var children: [Piece] = b.statements.map { .stmt($0) }
        if let tail = b.tail {
            children.append(.sequence([.text("(tail "), .expr(tail), .text(")")]))
        }
        return list("block", children)
    }

    private static func expand(_ s: Stmt) -> [Piece] {
        switch s.kind {
        case .letBinding(let pattern, let type, let value):
            var pieces: [Piece] = [.text("(let "), .pattern(pattern)]
            if let type { pieces += [.text(" : "), .type(type)] }
            if let value { pieces += [.text(" = "), .expr(value)] }
            return pieces + [.text(");")]
        case .expression(let e, let hasSemicolon):
            return hasSemicolon ? [.expr(e), .text(";")] : [.expr(e)]
        case .item(let item):
            return [.item(item)]
        }
    }

    // MARK: - Items

    private static func expand(_ item: Item) -> [Piece] {
        let pub = item.isPublic ? "pub " : ""
        switch item.kind {
        case .function(let f):
            return function(f, prefix: pub)
        case .structDecl(let s):
            var pieces: [Piece] = [.text("(\(pub)struct \(s.name.name)")] + generics(s.generics)
            for field in s.fields {
                pieces += [.text(" ("), typed((field.isPublic ? "pub " : "") + field.name.name, field.type), .text(")")]
            }
            return pieces + [.text(")")]
        case .enumDecl(let e):
            var pieces: [Piece] = [.text("(\(pub)enum \(e.name.name)")] + generics(e.generics)
            for variant in e.variants {
                if variant.payload.isEmpty {
                    pieces.append(.text(" " + variant.name.name))
                } else {
                    pieces.append(.text(" (" + variant.name.name))
                    for type in variant.payload { pieces += [.text(" "), .type(type)] }
                    pieces.append(.text(")"))
                }
            }
            return pieces + [.text(")")]
        case .implDecl(let impl):
            var pieces: [Piece] = [.text("(\(pub)impl")] + generics(impl.generics) + [.text(" ")]
            if let trait = impl.trait { pieces += path(trait) + [.text(" for ")] }
            pieces.append(.type(impl.target))
            for constant in impl.constants { pieces += [.text(" ")] + const(constant, prefix: "") }
            for method in impl.methods { pieces += [.text(" ")] + function(method, prefix: "") }
            return pieces + [.text(")")]
        case .traitDecl(let trait):
            var pieces: [Piece] = [.text("(\(pub)trait \(trait.name.name)")] + generics(trait.generics)
            for method in trait.methods { pieces += [.text(" ")] + function(method, prefix: "") }
            return pieces + [.text(")")]
        case .constDecl(let c):
            return const(c, prefix: pub)
        case .typeAlias(let alias):
            return [.text("(\(pub)type \(alias.name.name)")] + generics(alias.generics)
                + [.text(" = "), .type(alias.type), .text(")")]
        case .module(let module):
            guard let items = module.items else { return [.text("(\(pub)mod \(module.name.name);)")] }
            var pieces: [Piece] = [.text("(\(pub)mod \(module.name.name)")]
            for item in items { pieces += [.text(" "), .item(item)] }
            return pieces + [.text(")")]
        case .use(let use):
            return [.text("(\(pub)use "), .useTree(use.tree), .text(")")]
        }
    }

    private static func const(_ c: ConstDecl, prefix: String) -> [Piece] {
        var pieces: [Piece] = [.text("(\(prefix)const ")]
        if let type = c.type { pieces.append(typed(c.name.name, type)) } else { pieces.append(.text(c.name.name)) }
        return pieces + [.text(" = "), .expr(c.value), .text(")")]
    }

    private static func function(_ f: FunctionDecl, prefix: String) -> [Piece] {
        var pieces: [Piece] = [.text("(\(prefix)fn \(f.name.name)")] + generics(f.generics) + [.text(" (")]
        var params: [Piece] = []
        if let receiver = f.receiver {
            switch receiver {
            case .value: params.append(.text("self"))
            case .mutableValue: params.append(.text("mut self"))
            case .reference: params.append(.text("&self"))
            case .mutableReference: params.append(.text("&mut self"))
            }
        }
        params += f.params.map(param)
        pieces += joined(params) + [.text(")")]
        if let result = f.result { pieces += [.text(" -> "), .type(result)] }
        if let body = f.body { pieces += [.text(" "), .block(body)] } else { pieces.append(.text(";")) }
        return pieces + [.text(")")]
    }

    private static func generics(_ params: [GenericParam]) -> [Piece] {
        guard !params.isEmpty else { return [] }
        let rendered = params.map { param -> Piece in
            guard !param.bounds.isEmpty else { return .text(param.name.name) }
            let bounds = param.bounds.map { TypeRef(.named($0), .synthetic) }
            var pieces: [Piece] = [.text(param.name.name + ": ")]
            pieces += joined(bounds.map { .type($0) }, separator: " + ")
            return .sequence(pieces)
        }
        return [.text("[")] + joined(rendered) + [.text("]")]
    }

    // MARK: - Use trees

    private static func expand(_ tree: UseDecl.Tree) -> [Piece] {
        switch tree {
        case .path(let p, let alias):
            return path(p) + (alias.map { [.text(" as " + $0.name)] } ?? [])
        case .group(let prefix, let trees):
            let head: [Piece] = prefix.segments.isEmpty ? [] : path(prefix) + [.text("::")]
            return head + [.text("{")] + joined(trees.map { .useTree($0) }) + [.text("}")]
        case .glob(let prefix):
            return (prefix.segments.isEmpty ? [] : path(prefix) + [.text("::")]) + [.text("*")]
        }
    }
}
