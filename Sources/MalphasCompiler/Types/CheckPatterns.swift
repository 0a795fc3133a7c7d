import MalphasSyntax

// Patterns: what type each binding of a `let`, `for`, `match` arm or select case gets, and
// whether a pattern can match the value it is matched against.

extension TypeChecker {
    /// Gives the bindings of `p` their types for a value of type `t`. `origin` is the
    /// expression the value comes from (the note of a mismatch).
    func bindPattern(_ p: Pattern, _ t: StaticType, origin: Span?, refutable: Bool = false) {
        func fits(_ found: StaticType, at span: Span) -> Bool {
            if unifier.unify(t, found, at: span) { return true }
            let note = origin.map { (message: "this expression has type `\(unifier.resolved(t))`", span: $0) }
            mismatch(Expectation(t, note: note), found: found, at: span)
            return false
        }
        switch p.kind {
        case .wildcard:
            break
        case .binding(let ident, _):
            if let b = resolver.declarations[ident.span] {
                bindingTypes[ObjectIdentifier(b)] = t
                if resolver.isSession, case .global? = resolver.resolutions[b.span] { env.variables[b.name] = t }
                else if resolver.sessionSlots[ObjectIdentifier(b)] != nil { env.variables[b.name] = t }
                return
            }
            guard let r = resolver.resolutions[p.span] else { return }
            switch r {
            case .variant(let v):
                _ = fits(freshInstance(enumIndex: program.variants[v].enumIndex), at: p.span)
            case .constant(let c):
                switch c {
                case .int: _ = fits(.int, at: p.span)
                case .float: _ = fits(.float, at: p.span)
                case .string: _ = fits(.string, at: p.span)
                case .bool: _ = fits(.bool, at: p.span)
                default: break
                }
            default:
                break
            }
        case .literal(let e):
            _ = fits(infer(e), at: p.span)
        case .range(let lo, let hi, _):
            if fits(infer(lo), at: lo.span) { _ = fits(infer(hi), at: hi.span) }
        case .tuple(let items):
            var s = unifier.shallow(t)
            if case .variable = s {
                let made = StaticType.tuple(items.map { _ in fresh() })
                _ = unifier.unify(s, made, at: p.span)
                s = made
            }
            if case .tuple(let ts) = s, ts.count == items.count {
                for (item, it) in zip(items, ts) { bindPattern(item, it, origin: origin, refutable: refutable) }
                return
            }
            if !s.isOpen {
                _ = fits(.tuple(items.map { _ in .unknown }), at: p.span)
            }
            for item in items { bindPattern(item, .unknown, origin: origin, refutable: refutable) }
        case .variant(_, let args):
            guard case .variant(let v)? = resolver.resolutions[p.span] else {
                for a in args ?? [] { bindPattern(a, .unknown, origin: origin, refutable: refutable) }
                return
            }
            let enumIndex = program.variants[v].enumIndex
            var instance = unifier.shallow(t)
            if case .enumType(enumIndex, _, _) = instance {} else {
                let made = freshInstance(enumIndex: enumIndex)
                if !fits(made, at: p.span) {
                    for a in args ?? [] { bindPattern(a, .unknown, origin: origin, refutable: refutable) }
                    return
                }
                instance = made
            }
            guard case .enumType(_, _, let enumArgs) = instance else { return }
            let payload = payloadTypes(ofVariant: v, args: enumArgs)
            for (i, a) in (args ?? []).enumerated() {
                bindPattern(a, i < payload.count ? payload[i] : .unknown, origin: origin, refutable: refutable)
            }
        case .structPattern(_, let fields, _):
            guard case .structType(let index)? = resolver.resolutions[p.span] else {
                for f in fields { bindPattern(f.pattern, .unknown, origin: origin, refutable: refutable) }
                return
            }
            var instance = unifier.shallow(t)
            if case .structType(index, _, _) = instance {} else {
                let made = freshInstance(structIndex: index)
                if !fits(made, at: p.span) {
                    for f in fields { bindPattern(f.pattern, .unknown, origin: origin, refutable: refutable) }
                    return
                }
                instance = made
            }
            guard case .structType(_, _, let structArgs) = instance else { return }
            for f in fields {
                bindPattern(f.pattern, fieldType(ofStruct: index, args: structArgs, field: f.name.name)?.type ?? .unknown,
                            origin: origin, refutable: refutable)
            }
        case .alternatives(let alts):
            for a in alts { bindPattern(a, t, origin: origin, refutable: refutable) }
        }
    }
}
