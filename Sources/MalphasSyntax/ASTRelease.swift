/// Freeing a syntax tree without native recursion.
///
/// The nesting limit bounds how deep most of a tree can be, but chains are read in loops
/// and are not nesting: `1 + 1 + ... + 1` with 100,000 terms is a tree 100,000 levels
/// deep (and so are long `else if` chains and long method chains). When Swift frees such
/// a tree on its own, each level's release recurses into the next, and the thread's
/// stack overflows. `ASTRelease` takes a tree apart with a work list instead: each node
/// is dropped only after its children have been moved to the list, so no release ever
/// reaches more than one level down.
///
/// Anything that keeps a parse result whose source it does not control (a compiler that
/// must survive any input) should hand the tree here when done with it, and walk it
/// iteratively where chains can be long.
public enum ASTRelease {
    /// Frees a parse result's tree. Pass the last reference, moved:
    /// `ASTRelease.release(consume result)`; a tree still referenced elsewhere is freed
    /// (recursively) when that reference goes.
    public static func release(_ result: consuming ParseResult) {
        let unit = result.unit
        result.unit.items = []
        release(consume unit)
    }

    /// Frees a unit's items (if this is the last reference to them).
    public static func release(_ unit: consuming SourceUnit) {
        var work = WorkList()
        for item in unit.items { work.nodes.append(.item(item)) }
        unit.items = []
        work.drain()
    }

    /// Frees items, statements and a tail expression (for REPL inputs). As above, pass
    /// the last references, moved.
    public static func release(items: consuming [Item], statements: consuming [Stmt], tail: consuming Expr?) {
        var work = WorkList()
        for item in items { work.nodes.append(.item(item)) }
        for stmt in statements { work.nodes.append(.stmt(stmt)) }
        if let tail { work.nodes.append(.expr(tail)) }
        items = []
        statements = []
        tail = nil
        work.drain()
    }

    /// Frees one expression.
    public static func release(_ expr: consuming Expr) {
        var work = WorkList()
        work.nodes.append(.expr(expr))
        expr = Expr(.unit, .synthetic)
        work.drain()
    }

    private enum Node {
        case expr(Expr)
        case block(Block)
        case stmt(Stmt)
        case item(Item)
        case function(FunctionDecl)
        case pattern(Pattern)
        case type(TypeRef)
    }

    private struct WorkList {
        var nodes: [Node] = []

        /// Pops nodes one at a time, moving their children onto the list before the node
        /// itself goes out of scope and is freed.
        mutating func drain() {
            while let node = nodes.popLast() {
                switch node {
                case .expr(let e): add(e)
                case .block(let b): add(b)
                case .stmt(let s): add(s)
                case .item(let i): add(i)
                case .function(let f): add(f)
                case .pattern(let p): add(p)
                case .type(let t): add(t)
                }
            }
        }

        mutating func push(_ e: Expr?) { if let e { nodes.append(.expr(e)) } }
        mutating func push(_ t: TypeRef?) { if let t { nodes.append(.type(t)) } }
        mutating func push(_ b: Block?) { if let b { nodes.append(.block(b)) } }
        mutating func push(_ p: Pattern?) { if let p { nodes.append(.pattern(p)) } }
        mutating func push(_ path: Path) {
            for segment in path.segments { for arg in segment.genericArgs { push(arg) } }
        }

        mutating func add(_ e: Expr) {
            switch e.kind {
            case .int, .float, .string, .bool, .nilLiteral, .unit, .continueLoop: break
            case .path(let p): push(p)
            case .array(let elements), .tuple(let elements): elements.forEach { push($0) }
            case .arrayRepeat(let value, let count): push(value); push(count)
            case .structLiteral(let p, let fields): push(p); fields.forEach { push($0.value) }
            case .unary(_, let operand): push(operand)
            case .binary(_, let lhs, let rhs): push(lhs); push(rhs)
            case .assign(let target, _, let value): push(target); push(value)
            case .range(let lower, let upper, _): push(lower); push(upper)
            case .cast(let operand, let type): push(operand); push(type)
            case .call(let callee, let args): push(callee); args.forEach { push($0) }
            case .methodCall(let receiver, _, let genericArgs, let args):
                push(receiver); genericArgs.forEach { push($0) }; args.forEach { push($0) }
            case .field(let base, _), .tupleField(let base, _, _): push(base)
            case .index(let base, let index): push(base); push(index)
            case .closure(let params, let result, let body):
                params.forEach { push($0.type) }; push(result); push(body)
            case .block(let b): push(b)
            case .ifElse(let condition, let then, let otherwise): push(condition); push(then); push(otherwise)
            case .match(let scrutinee, let arms):
                push(scrutinee)
                for arm in arms { push(arm.pattern); push(arm.guardExpr); push(arm.body) }
            case .whileLoop(let condition, let body): push(condition); push(body)
            case .loop(let body): push(body)
            case .forLoop(let pattern, let iterable, let body): push(pattern); push(iterable); push(body)
            case .breakLoop(let value), .returnValue(let value): push(value)
            case .spawn(let body): push(body)
            case .send(let channel, let value): push(channel); push(value)
            case .select(let cases):
                for c in cases {
                    switch c.kind {
                    case .receive(let binding, let channel): push(binding); push(channel)
                    case .send(let channel, let value): push(channel); push(value)
                    case .defaultCase: break
                    }
                    push(c.body)
                }
            case .make(let type, let args): push(type); args.forEach { push($0) }
            }
        }

        mutating func add(_ b: Block) {
            for s in b.statements { nodes.append(.stmt(s)) }
            push(b.tail)
        }

        mutating func add(_ s: Stmt) {
            switch s.kind {
            case .letBinding(let pattern, let type, let value): push(pattern); push(type); push(value)
            case .expression(let e, _): push(e)
            case .item(let item): nodes.append(.item(item))
            }
        }

        mutating func add(_ item: Item) {
            switch item.kind {
            case .function(let f): nodes.append(.function(f))
            case .structDecl(let s): s.fields.forEach { push($0.type) }
            case .enumDecl(let e): e.variants.forEach { $0.payload.forEach { push($0) } }
            case .implDecl(let impl):
                push(impl.target)
                impl.methods.forEach { nodes.append(.function($0)) }
                impl.constants.forEach { push($0.type); push($0.value) }
            case .traitDecl(let trait): trait.methods.forEach { nodes.append(.function($0)) }
            case .constDecl(let c): push(c.type); push(c.value)
            case .typeAlias(let alias): push(alias.type)
            case .module(let module): module.items?.forEach { nodes.append(.item($0)) }
            case .use: break
            }
        }

        mutating func add(_ f: FunctionDecl) {
            f.params.forEach { push($0.type) }
            push(f.result)
            push(f.body)
        }

        mutating func add(_ p: Pattern) {
            switch p.kind {
            case .wildcard, .binding: break
            case .literal(let e): push(e)
            case .range(let lower, let upper, _): push(lower); push(upper)
            case .tuple(let elements), .alternatives(let elements): elements.forEach { push($0) }
            case .variant(let path, let args): push(path); args?.forEach { push($0) }
            case .structPattern(let path, let fields, _): push(path); fields.forEach { push($0.pattern) }
            }
        }

        mutating func add(_ t: TypeRef) {
            switch t.kind {
            case .named(let path): push(path)
            case .slice(let element), .channel(let element), .optional(let element), .reference(let element, _):
                push(element)
            case .array(let element, let size): push(element); push(size)
            case .tuple(let elements): elements.forEach { push($0) }
            case .function(let params, let result): params.forEach { push($0) }; push(result)
            }
        }
    }
}
