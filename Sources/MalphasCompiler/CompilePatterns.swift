import MalphasSyntax

// Patterns compile to a sequence of tests on a value register, each failing test a jump
// to patch to the next arm; bindings are moved into registers allocated before the test.

extension FunctionCompiler {
    /// Every binding a pattern introduces (alternatives share theirs), in order.
    func patternBindings(_ p: Pattern) -> [Binding] {
        var out: [Binding] = []
        func visit(_ p: Pattern) {
            switch p.kind {
            case .binding(let ident, _):
                if let b = resolver.declarations[ident.span], !out.contains(where: { $0 === b }) { out.append(b) }
            case .tuple(let items): items.forEach(visit)
            case .variant(_, let args): (args ?? []).forEach(visit)
            case .structPattern(_, let fields, _): fields.forEach { visit($0.pattern) }
            case .alternatives(let alts): alts.forEach(visit)
            case .wildcard, .literal, .range: break
            }
        }
        visit(p)
        return out
    }

    /// Tests `value` against a pattern that must match (a `let`, a `for` or a select
    /// binding): a value it does not match is the runtime error of `noMatch`.
    func requireMatch(_ pattern: Pattern, value: Int) {
        let fails = compilePatternTest(pattern, value: value)
        guard !fails.isEmpty else { return }
        let ok = emitJump()
        patchAll(fails)
        emit(.noMatch, a: value)
        patch(ok)
    }

    /// Gives each binding of the pattern a register.
    func allocateBindings(in p: Pattern) -> [Binding] {
        let bindings = patternBindings(p)
        for b in bindings { b.register = allocate() }
        return bindings
    }

    /// Wraps captured or referenced bindings in cells once the pattern has matched.
    func finishBindings(_ bindings: [Binding]) {
        for b in bindings where b.needsCell { emit(.newCell, a: b.register, b: b.register) }
    }

    /// Emits the tests of `p` against the value in `value`; returns the jumps taken when
    /// it does not match.
    func compilePatternTest(_ p: Pattern, value: Int) -> [Int] {
        setLine(p.span)
        switch p.kind {
        case .wildcard:
            return []
        case .binding(let ident, _):
            if let r = resolver.resolutions[p.span] { return compileNamedPatternTest(r, value: value) }
            if let b = resolver.declarations[ident.span], b.register != value {
                emit(.move, a: b.register, b: value)
            }
            return []
        case .literal(let e):
            let mark = freeRegister
            defer { free(to: mark) }
            let t = allocate()
            if let k = ConstantFolder.fold(e, lookup: foldLookup) {
                emit(.equalConst, a: t, b: value, c: constant(k))
            } else {
                let v = compileAny(e)
                emit(.equal, a: t, b: value, c: v)
            }
            return [emitJump(.jumpIfFalse, a: t)]
        case .range(let lo, let hi, let inclusive):
            let mark = freeRegister
            defer { free(to: mark) }
            let t = allocate()
            let l = compileAny(lo)
            emit(.lessEqual, a: t, b: l, c: value)
            let j1 = emitJump(.jumpIfFalse, a: t)
            let h = compileAny(hi)
            emit(inclusive ? .lessEqual : .less, a: t, b: value, c: h)
            return [j1, emitJump(.jumpIfFalse, a: t)]
        case .tuple(let items):
            let mark = freeRegister
            defer { free(to: mark) }
            let t = allocate()
            emit(.testTuple, a: t, b: value, c: items.count)
            var fails = [emitJump(.jumpIfFalse, a: t)]
            for (i, item) in items.enumerated() {
                if case .wildcard = item.kind { continue }
                let e = allocate()
                emit(.getTupleField, a: e, b: value, c: i)
                fails += compilePatternTest(item, value: e)
            }
            return fails
        case .variant(_, let args):
            guard case .variant(let v)? = resolver.resolutions[p.span] else { return [] }
            let mark = freeRegister
            defer { free(to: mark) }
            let t = allocate()
            emit(.testVariant, a: t, b: value, c: v)
            var fails = [emitJump(.jumpIfFalse, a: t)]
            for (i, arg) in (args ?? []).enumerated() {
                if case .wildcard = arg.kind { continue }
                let e = allocate()
                emit(.getPayload, a: e, b: value, c: i)
                fails += compilePatternTest(arg, value: e)
            }
            return fails
        case .structPattern(_, let fields, _):
            guard case .structType(let s)? = resolver.resolutions[p.span] else { return [] }
            let mark = freeRegister
            defer { free(to: mark) }
            let t = allocate()
            emit(.testRecord, a: t, b: value, c: s)
            var fails = [emitJump(.jumpIfFalse, a: t)]
            for f in fields {
                if case .wildcard = f.pattern.kind { continue }
                let e = allocate()
                emit(.getField, a: e, b: value, c: site(f.name.name, builtin: nil))
                fails += compilePatternTest(f.pattern, value: e)
            }
            return fails
        case .alternatives(let alts):
            var matched: [Int] = []
            for alt in alts.dropLast() {
                let fails = compilePatternTest(alt, value: value)
                matched.append(emitJump())
                patchAll(fails)
            }
            let fails = alts.last.map { compilePatternTest($0, value: value) } ?? []
            patchAll(matched)
            return fails
        }
    }

    /// A bare name in a pattern that names a unit variant or a constant.
    private func compileNamedPatternTest(_ r: Resolution, value: Int) -> [Int] {
        let mark = freeRegister
        defer { free(to: mark) }
        let t = allocate()
        switch r {
        case .variant(let v):
            emit(.testVariant, a: t, b: value, c: v)
        case .constant(let k):
            emit(.equalConst, a: t, b: value, c: constant(k))
        case .global(let slot):
            let g = allocate()
            emit(.getGlobal, a: g, bx: slot)
            emit(.equal, a: t, b: value, c: g)
        default:
            return []
        }
        return [emitJump(.jumpIfFalse, a: t)]
    }
}
