import MalphasSyntax

// Control flow: conditions, if, loops, match, select, spawn, and the expressions that
// are statements at heart (assignment, break, continue, return, send).

extension FunctionCompiler {
    /// Emits the test of a condition; returns the jumps taken when it is false.
    /// Comparisons of two operands fuse into one compare-and-jump instruction.
    func compileCondition(_ e: Expr) -> [Int] {
        let mark = freeRegister
        defer { free(to: mark) }
        setLine(e.span)
        switch e.kind {
        case .bool(true):
            return []
        case .binary(.and, _, _):
            // `a && b && c ...` may be a long chain: collect its operands in a loop.
            var operands: [Expr] = []
            var current = e
            while case .binary(.and, let l, let r) = current.kind {
                operands.append(r)
                current = l
            }
            operands.append(current)
            var fails: [Int] = []
            for operand in operands.reversed() { fails += compileCondition(operand) }
            return fails
        case .binary(let op, let l, let r) where shortJumps && [.less, .lessEqual, .greater, .greaterEqual].contains(op)
                && ConstantFolder.fold(e, lookup: foldLookup) == nil:
            // A constant int on either side uses the K-form (`i < 10`, `0 < x`).
            if case .int? = ConstantFolder.fold(r, lookup: foldLookup), let k = ConstantFolder.fold(r, lookup: foldLookup) {
                let a = compileAny(l)
                let ki = constant(k)
                if ki <= Instruction.maxOperand {
                    let kop: Opcode = [.less: .jumpIfNotLessConst, .lessEqual: .jumpIfNotLessEqualConst,
                                       .greater: .jumpIfNotGreaterConst, .greaterEqual: .jumpIfNotGreaterEqualConst][op]!
                    return [emit(kop, a: a, b: ki)]
                }
            }
            if case .int? = ConstantFolder.fold(l, lookup: foldLookup), let k = ConstantFolder.fold(l, lookup: foldLookup) {
                let b = compileAny(r)
                let ki = constant(k)
                if ki <= Instruction.maxOperand {
                    let kop: Opcode = [.less: .jumpIfNotGreaterConst, .lessEqual: .jumpIfNotGreaterEqualConst,
                                       .greater: .jumpIfNotLessConst, .greaterEqual: .jumpIfNotLessEqualConst][op]!
                    return [emit(kop, a: b, b: ki)]
                }
            }
            let a = compileAny(l)
            let b = compileAny(r)
            switch op {
            case .less: return [emit(.jumpIfNotLess, a: a, b: b)]
            case .lessEqual: return [emit(.jumpIfNotLessEqual, a: a, b: b)]
            case .greater: return [emit(.jumpIfNotLess, a: b, b: a)]
            default: return [emit(.jumpIfNotLessEqual, a: b, b: a)]
            }
        default:
            let t = compileAny(e)
            return [emitJump(.jumpIfFalse, a: t)]
        }
    }

    /// `if`, with its `else if` chain compiled in a loop (chains may be thousands long).
    func compileIf(condition: Expr, then: Block, otherwise: Expr?, into target: Int?) {
        var ends: [Int] = []
        var condition = condition, then = then, otherwise = otherwise
        while true {
            let fails = compileCondition(condition)
            compileBlock(then, into: target)
            guard let next = otherwise else {
                if let target {
                    ends.append(emitJump())
                    patchAll(fails)
                    emit(.loadUnit, a: target)
                } else {
                    patchAll(fails)
                }
                break
            }
            ends.append(emitJump())
            patchAll(fails)
            if case .ifElse(let c, let t, let o) = next.kind {
                setLine(next.span)
                condition = c; then = t; otherwise = o
                continue
            }
            if let target { compile(next, into: target) } else { compileEffect(next) }
            break
        }
        patchAll(ends)
    }

    /// `loop { }`: its value is what `break v` gives it.
    func compileLoop(_ body: Block, into target: Int?) {
        let top = code.count
        loops.append(LoopContext(resultRegister: target))
        compileBlock(body, into: nil)
        let context = loops.removeLast()
        patchAll(context.continueJumps)
        emitLoopBack(to: top)
        patchAll(context.breakJumps)
    }

    func compileWhile(_ condition: Expr, body: Block) {
        if isCheapComparison(condition) {
            compileWhileTestedAtBottom(condition, body: body)
            return
        }
        let top = code.count
        let exits = compileCondition(condition)
        loops.append(LoopContext(resultRegister: nil))
        compileBlock(body, into: nil)
        let context = loops.removeLast()
        patchAll(context.continueJumps)
        emitLoopBack(to: top)
        patchAll(exits)
        patchAll(context.breakJumps)
    }

    /// `while i < n { body }` as `if i < n { do { body } while i < n }`: the bottom test
    /// is one compare-and-jump back that is also the safe point, so an iteration runs one
    /// dispatch fewer than a test at the top with a `loopBack`. Only for a comparison of
    /// locals and constants (`isCheapComparison`), since the condition is compiled twice.
    private func compileWhileTestedAtBottom(_ condition: Expr, body: Block) {
        let exits = compileCondition(condition)
        let top = code.count
        loops.append(LoopContext(resultRegister: nil))
        compileBlock(body, into: nil)
        let context = loops.removeLast()
        patchAll(context.continueJumps)
        let test = compileCondition(condition)
        // A cheap comparison compiles to one compare-and-jump on its exit path (after the
        // loads of non-int constants, if any): turn it into the jump back.
        if test.count == 1, let loop = Instruction.opcode(code[test[0]]).loopForm {
            let word = code[test[0]]
            code[test[0]] = Instruction.make(loop, a: Instruction.a(word), b: Instruction.b(word),
                                             d: program.options.safePoints ? 1 : 0)
            patch(test[0], to: top)
        } else {
            emitLoopBack(to: top)
            patchAll(test)
        }
        patchAll(exits)
        patchAll(context.breakJumps)
    }

    /// A comparison (`<`, `<=`, `>`, `>=`) of plain locals and constants, not folded: its
    /// test compiles to a compare-and-jump and compiling it twice emits no new functions
    /// and no diagnostics.
    private func isCheapComparison(_ e: Expr) -> Bool {
        guard shortJumps, case .binary(let op, let l, let r) = e.kind,
              [.less, .lessEqual, .greater, .greaterEqual].contains(op),
              ConstantFolder.fold(e, lookup: foldLookup) == nil else { return false }
        func isCheap(_ operand: Expr) -> Bool {
            if ConstantFolder.fold(operand, lookup: foldLookup) != nil { return true }
            if case .path = operand.kind, case .local(let b)? = resolver.resolutions[operand.span], !b.needsCell,
               b.register >= 0 { return true }
            return false
        }
        return isCheap(l) && isCheap(r)
    }

    /// `for pattern in iterable { }`. Ranges with both bounds count in registers; anything
    /// else (lists, maps, strings, range values, channels) goes through `iterNext`.
    func compileFor(_ pattern: Pattern, iterable: Expr, body: Block) {
        let mark = freeRegister
        defer { free(to: mark) }
        let base = allocate(3)
        let isCounting: Bool
        if case .range(let lo?, let hi?, let inclusive) = iterable.kind {
            isCounting = true
            compile(lo, into: base)
            compile(hi, into: base + 1)
            setLine(iterable.span)
            emit(.forRangePrep, a: base, b: inclusive ? 1 : 0)
        } else {
            isCounting = false
            compile(iterable, into: base)
            setLine(iterable.span)
            emit(.iterPrep, a: base, b: base)
        }
        let top = code.count
        let exit = emitJump(isCounting ? .forRangeNext : .iterNext, a: base)
        let bodyMark = freeRegister
        if case .binding(let ident, _) = pattern.kind, let b = resolver.declarations[ident.span] {
            b.register = base + 2
            if b.needsCell { emit(.newCell, a: b.register, b: b.register) }
        } else if case .wildcard = pattern.kind {
        } else {
            let bindings = allocateBindings(in: pattern)
            requireMatch(pattern, value: base + 2)
            finishBindings(bindings)
        }
        loops.append(LoopContext(resultRegister: nil))
        compileBlock(body, into: nil)
        let context = loops.removeLast()
        free(to: bodyMark)
        patchAll(context.continueJumps)
        emitLoopBack(to: top)
        patch(exit)
        patchAll(context.breakJumps)
    }

    func compileMatch(_ subject: Expr, arms: [MatchArm], span: Span, into target: Int?) {
        let mark = freeRegister
        defer { free(to: mark) }
        let value = compileAny(subject)
        var ends: [Int] = []
        for arm in arms {
            let armMark = freeRegister
            let bindings = allocateBindings(in: arm.pattern)
            var fails = compilePatternTest(arm.pattern, value: value)
            finishBindings(bindings)
            if let g = arm.guardExpr { fails += compileCondition(g) }
            if let target { compile(arm.body, into: target) } else { compileEffect(arm.body) }
            ends.append(emitJump())
            patchAll(fails)
            free(to: armMark)
        }
        setLine(span)
        emit(.noMatch, a: value)
        patchAll(ends)
    }

    func compileSelect(_ cases: [SelectCase], into target: Int?) {
        let mark = freeRegister
        defer { free(to: mark) }
        var entries: [SelectCaseEntry] = []
        var hasDefault = false
        for c in cases {
            switch c.kind {
            case .receive(_, let ch):
                let r = allocate()
                compile(ch, into: r)
                entries.append(SelectCaseEntry(kind: .receive, channelRegister: r, valueRegister: r))
            case .send(let ch, let value):
                let r = allocate(2)
                compile(ch, into: r)
                compile(value, into: r + 1)
                entries.append(SelectCaseEntry(kind: .send, channelRegister: r, valueRegister: r + 1))
            case .defaultCase:
                hasDefault = true
            }
        }
        if cases.isEmpty { if let target { emit(.loadUnit, a: target) }; return }
        selectTables.append(entries)
        let result = allocate(2)
        emit(.select, a: result, b: hasDefault ? 1 : 0, c: constant(.selectTable(selectTables.count - 1)))
        var ends: [Int] = []
        var index = 0
        let t = allocate()
        for c in cases {
            let caseMark = freeRegister
            let myIndex: Int
            if case .defaultCase = c.kind { myIndex = -1 } else { myIndex = index; index += 1 }
            emit(.equalConst, a: t, b: result, c: constant(.int(myIndex)))
            let next = emitJump(.jumpIfFalse, a: t)
            if case .receive(let binding?, _) = c.kind {
                let bindings = allocateBindings(in: binding)
                requireMatch(binding, value: result + 1)
                finishBindings(bindings)
            }
            if let target { compile(c.body, into: target) } else { compileEffect(c.body) }
            ends.append(emitJump())
            patch(next)
            free(to: caseMark)
        }
        if let target { emit(.loadUnit, a: target) }
        patchAll(ends)
    }

    /// Expressions that are statements at heart; compiled for their effect.
    func compileStatementExpression(_ e: Expr) {
        setLine(e.span)
        let mark = freeRegister
        defer { free(to: mark) }
        switch e.kind {
        case .assign(let target, let op, let value):
            compileAssignment(target: target, op: op, value: value)
        case .whileLoop(let c, let body):
            compileWhile(c, body: body)
        case .forLoop(let pattern, let iterable, let body):
            compileFor(pattern, iterable: iterable, body: body)
        case .breakLoop(let value):
            guard !loops.isEmpty else { return }
            if let r = loops[loops.count - 1].resultRegister {
                if let value { compile(value, into: r) } else { emit(.loadUnit, a: r) }
            } else if let value {
                compileEffect(value)
            }
            loops[loops.count - 1].breakJumps.append(emitJump())
        case .continueLoop:
            guard !loops.isEmpty else { return }
            loops[loops.count - 1].continueJumps.append(emitJump())
        case .returnValue(let value):
            if let value {
                emitReturn(compileAny(value))
            } else {
                emitReturn(nil)
            }
        case .send(let ch, let value):
            let c = compileAny(ch)
            let v = compileAny(value)
            setLine(e.span)
            emit(.send, a: c, b: v)
        case .spawn(let body):
            compileSpawn(body)
        default:
            compileEffect(e)
        }
    }

    /// `spawn f(a)`, `spawn { ... }`, `spawn |x| { ... }(42)`, `spawn obj.m(x)`.
    func compileSpawn(_ body: Expr) {
        switch body.kind {
        case .block, .methodCall:
            let f = allocate()
            compileClosure(params: [], body: body, span: body.span, name: "spawned block", into: f)
            setLine(body.span)
            emit(.spawn, a: f, b: 0)
        case .call(let callee, let args):
            let base = allocate(1 + args.count)
            if case .closure(let params, _, let closureBody) = callee.kind {
                compileClosure(params: params, body: closureBody, span: callee.span, name: "spawned closure", into: base)
            } else {
                compile(callee, into: base)
            }
            for (i, a) in args.enumerated() { compile(a, into: base + 1 + i) }
            setLine(body.span)
            emit(.spawn, a: base, b: args.count)
        default:
            compileEffect(body)
        }
    }
}
