import MalphasSyntax

/// A local variable or parameter visible at some point of a function body.
struct LocalBinding {
    var name: String
    var span: Span
    var isMutable: Bool
    /// Its annotation, if written (`x: int`), as written.
    var annotation: TypeRef?
    /// What declared it: `let`, `parameter`, `for`, `match`.
    var origin: String
    /// The value a `let` binds the whole pattern to (`let p = Point { ... }`).
    var value: Expr? = nil
}

/// The local names visible at a byte offset, found on the syntax tree alone, so a
/// document that does not resolve (or even parse) still has them. Later names shadow
/// earlier ones of the same name; the list is in declaration order.
struct LocalScopes {
    let offset: Int
    private(set) var bindings: [LocalBinding] = []

    init(items: [Item], offset: Int) {
        self.offset = offset
        visit(items)
    }

    private func contains(_ span: Span) -> Bool { span.start <= offset && offset <= span.end }

    private mutating func visit(_ items: [Item]) {
        for item in items where contains(item.span) {
            switch item.kind {
            case .function(let f): visit(f)
            case .implDecl(let i): for m in i.methods where contains(m.span) { visit(m) }
            case .traitDecl(let t): for m in t.methods where contains(m.span) { visit(m) }
            case .module(let m): visit(m.items ?? [])
            default: break
            }
        }
    }

    private mutating func visit(_ f: FunctionDecl) {
        if let span = f.receiverSpan { bindings.append(LocalBinding(name: "self", span: span, isMutable: false, annotation: nil, origin: "receiver")) }
        for p in f.params { bindings.append(LocalBinding(name: p.name.name, span: p.name.span, isMutable: p.isMutable, annotation: p.type, origin: "parameter")) }
        if let body = f.body { visit(body) }
    }

    private mutating func visit(_ block: Block) {
        guard contains(block.span) else { return }
        for statement in block.statements {
            if statement.span.start > offset { break }
            switch statement.kind {
            case .letBinding(let pattern, let type, let value):
                if let value, contains(value.span) { visit(value); return }
                // Bound after its statement; on its own name (a hover there), bound too.
                if statement.span.end <= offset || contains(pattern.span) {
                    bind(pattern, annotation: type, origin: "let")
                    if case .binding = pattern.kind { bindings[bindings.count - 1].value = value }
                }
            case .expression(let e, _):
                if contains(e.span) { visit(e); return }
            case .item(let item):
                if contains(item.span) { visit([item]); return }
            }
        }
        if let tail = block.tail, contains(tail.span) { visit(tail) }
    }

    private mutating func bind(_ pattern: Pattern, annotation: TypeRef?, origin: String) {
        var work = [pattern]
        while let p = work.popLast() {
            switch p.kind {
            case .binding(let name, let isMutable):
                bindings.append(LocalBinding(name: name.name, span: name.span, isMutable: isMutable, annotation: annotation, origin: origin))
            case .tuple(let ps), .alternatives(let ps): work += ps.reversed()
            case .variant(_, let args): work += (args ?? []).reversed()
            case .structPattern(_, let fields, _): work += fields.map(\.pattern).reversed()
            default: break
            }
        }
    }

    /// Descends into the part of an expression that holds the offset.
    private mutating func visit(_ e: Expr) {
        switch e.kind {
        case .block(let b), .loop(let b): visit(b)
        case .ifElse(let c, let then, let otherwise):
            if contains(c.span) { visit(c) } else if contains(then.span) { visit(then) } else if let o = otherwise { visit(o) }
        case .whileLoop(let c, let body):
            if contains(c.span) { visit(c) } else { visit(body) }
        case .forLoop(let pattern, let iterable, let body):
            if contains(iterable.span) { visit(iterable) } else if contains(body.span) {
                bind(pattern, annotation: nil, origin: "for")
                visit(body)
            }
        case .match(let scrutinee, let arms):
            if contains(scrutinee.span) { visit(scrutinee); return }
            for arm in arms where contains(arm.span) {
                bind(arm.pattern, annotation: nil, origin: "match")
                if let g = arm.guardExpr, contains(g.span) { visit(g) } else { visit(arm.body) }
            }
        case .select(let cases):
            for c in cases where contains(c.span) {
                if case .receive(let binding?, _) = c.kind { bind(binding, annotation: nil, origin: "select") }
                visit(c.body)
            }
        case .closure(let params, _, let body):
            for p in params { bindings.append(LocalBinding(name: p.name.name, span: p.name.span, isMutable: p.isMutable, annotation: p.type, origin: "parameter")) }
            visit(body)
        default:
            for child in children(of: e) where contains(child.span) { visit(child) }
        }
    }
}

/// The direct subexpressions of an expression that are not blocks of their own.
func children(of e: Expr) -> [Expr] {
    switch e.kind {
    case .int, .float, .string, .bool, .nilLiteral, .unit, .path, .continueLoop: return []
    case .array(let xs), .tuple(let xs): return xs
    case .arrayRepeat(let v, let n): return [v, n]
    case .structLiteral(_, let fields): return fields.map(\.value)
    case .unary(_, let x), .cast(let x, _), .field(let x, _), .tupleField(let x, _, _), .spawn(let x): return [x]
    case .binary(_, let a, let b), .index(let a, let b), .send(let a, let b): return [a, b]
    case .assign(let t, _, let v): return [t, v]
    case .range(let lo, let hi, _): return [lo, hi].compactMap { $0 }
    case .call(let callee, let args): return [callee] + args
    case .methodCall(let receiver, _, _, let args): return [receiver] + args
    case .closure(_, _, let body): return [body]
    case .block(let b), .loop(let b): return b.statements.compactMap { s in
        switch s.kind {
        case .letBinding(_, _, let v): return v
        case .expression(let x, _): return x
        case .item: return nil
        }
    } + [b.tail].compactMap { $0 }
    case .ifElse(let c, let then, let o): return [c, Expr(.block(then), then.span)] + [o].compactMap { $0 }
    case .match(let s, let arms): return [s] + arms.flatMap { [$0.guardExpr, $0.body].compactMap { $0 } }
    case .whileLoop(let c, let body): return [c, Expr(.block(body), body.span)]
    case .forLoop(_, let it, let body): return [it, Expr(.block(body), body.span)]
    case .breakLoop(let v), .returnValue(let v): return [v].compactMap { $0 }
    case .select(let cases): return cases.map(\.body)
    case .make(_, let args): return args
    }
}
