import MalphasSyntax

// Expressions: each compiles into a given target register, reading its operands from
// locals directly and from temporaries above `freeRegister`. The target is written last,
// so `x = f(x)` and `x = [x, 1]` may compile straight into `x`.

extension FunctionCompiler {
    /// Compiles `e` so its value ends up in `target`.
    func compile(_ e: Expr, into target: Int) {
        setLine(e.span)
        let mark = freeRegister
        defer { free(to: mark) }
        switch e.kind {
        case .int(let v):
            if v >= Int(Int32.min) && v <= Int(Int32.max) { emit(.loadInt, a: target, bx: v) }
            else { emit(.loadConst, a: target, bx: constant(.int(v))) }
        case .float(let v): emit(.loadConst, a: target, bx: constant(.float(v)))
        case .string(let v): emit(.loadConst, a: target, bx: constant(.string(v)))
        case .bool(let v): emit(.loadBool, a: target, b: v ? 1 : 0)
        case .nilLiteral: emit(.loadNil, a: target)
        case .unit: emit(.loadUnit, a: target)
        case .path(let path):
            compilePath(path, span: e.span, into: target)
        case .array(let items):
            let base = allocate(items.count)
            for (i, item) in items.enumerated() { compile(item, into: base + i) }
            emit(.newList, a: target, b: base, c: items.count)
        case .arrayRepeat(let value, let count):
            let v = compileAny(value)
            let n = compileAny(count)
            emit(.newListRepeat, a: target, b: v, c: n)
        case .tuple(let items):
            if items.isEmpty { emit(.loadUnit, a: target); return }
            let base = allocate(items.count)
            for (i, item) in items.enumerated() { compile(item, into: base + i) }
            emit(.newTuple, a: target, b: base, c: items.count)
        case .structLiteral(let path, let fields):
            compileStructLiteral(path, fields: fields, into: target)
        case .unary(let op, let operand):
            compileUnary(op, operand, span: e.span, into: target)
        case .binary(let op, let l, let r):
            if let folded = ConstantFolder.fold(e, lookup: foldLookup) {
                loadConstant(folded, into: target)
                return
            }
            if isLongChain(e) { compileLongChain(e, into: target); return }
            compileBinary(op, l, r, into: target)
        case .assign:
            compileStatementExpression(e)
            emit(.loadUnit, a: target)
        case .range(let lo, let hi, let inclusive):
            let base = allocate(2)
            if let lo { compile(lo, into: base) } else { emit(.loadNil, a: base) }
            if let hi { compile(hi, into: base + 1) } else { emit(.loadNil, a: base + 1) }
            let flags = (inclusive ? 1 : 0) | (lo == nil ? 2 : 0) | (hi == nil ? 4 : 0)
            emit(.newRange, a: target, b: base, c: base + 1, d: flags)
        case .cast(let inner, let type):
            if let folded = ConstantFolder.fold(e, lookup: foldLookup) { loadConstant(folded, into: target); return }
            if isLongChain(e) { compileLongChain(e, into: target); return }
            let v = compileAny(inner)
            guard case .named(let p) = type.kind, let t = CastTarget(typeName: p.last.name),
                  let index = CastTarget.allCases.firstIndex(of: t) else { return }
            emit(.cast, a: target, b: v, c: index)
        case .call, .methodCall, .field, .tupleField, .index:
            if isLongChain(e) { compileLongChain(e, into: target) } else { compilePostfix(e, into: target) }
        default:
            compileOther(e, into: target)
        }
    }

    /// Calls, method calls, fields and indexing of a short chain.
    private func compilePostfix(_ e: Expr, into target: Int) {
        switch e.kind {
        case .call(let callee, let args):
            compileCall(callee, args: args, span: e.span, into: target)
        case .methodCall(let receiver, let name, _, let args):
            compileMethodCall(receiver, name: name.name, args: args, span: e.span, into: target)
        case .field(let base, let name):
            let b = compileAny(base)
            emit(.getField, a: target, b: b, c: site(name.name, builtin: nil))
        case .tupleField(let base, let index, _):
            let b = compileAny(base)
            emit(.getTupleField, a: target, b: b, c: index)
        case .index(let base, let index):
            let b = compileAny(base)
            let i = compileAny(index)
            emit(.getIndex, a: target, b: b, c: i)
        default:
            break
        }
    }

    /// The remaining expression forms.
    private func compileOther(_ e: Expr, into target: Int) {
        switch e.kind {
        case .closure(let params, _, let body):
            compileClosure(params: params, body: body, span: e.span, name: "closure", into: target)
        case .block(let b):
            compileBlock(b, into: target)
        case .ifElse(let c, let then, let otherwise):
            compileIf(condition: c, then: then, otherwise: otherwise, into: target)
        case .match(let subject, let arms):
            compileMatch(subject, arms: arms, span: e.span, into: target)
        case .whileLoop, .forLoop:
            compileStatementExpression(e)
            emit(.loadUnit, a: target)
        case .loop(let body):
            compileLoop(body, into: target)
        case .breakLoop, .continueLoop, .returnValue:
            compileStatementExpression(e)
        case .spawn, .send:
            compileStatementExpression(e)
            emit(.loadUnit, a: target)
        case .select(let cases):
            compileSelect(cases, into: target)
        case .make(_, let args):
            let n = allocate()
            if let first = args.first { compile(first, into: n) } else { emit(.loadInt, a: n, bx: 0) }
            for extra in args.dropFirst() { compileEffect(extra) }
            emit(.makeChannel, a: target, b: n)
        default:
            break
        }
    }

    /// Compiles `e` into some register: a plain local's own register when `e` names one,
    /// else a new temporary.
    func compileAny(_ e: Expr) -> Int {
        if case .path = e.kind, case .local(let b)? = resolver.resolutions[e.span], !b.needsCell, b.register >= 0 {
            return b.register
        }
        let r = allocate()
        compile(e, into: r)
        return r
    }

    func loadConstant(_ k: Constant, into target: Int) {
        switch k {
        case .int(let v) where v >= Int(Int32.min) && v <= Int(Int32.max): emit(.loadInt, a: target, bx: v)
        case .bool(let v): emit(.loadBool, a: target, b: v ? 1 : 0)
        case .nil: emit(.loadNil, a: target)
        case .unit: emit(.loadUnit, a: target)
        default: emit(.loadConst, a: target, bx: constant(k))
        }
    }

    /// Constants visible to the folder: folded `const`s.
    var foldLookup: (Expr) -> Constant? {
        { [resolver] e in
            if case .constant(let k)? = resolver.resolutions[e.span] { return k }
            return nil
        }
    }

    // MARK: Names

    func compilePath(_ path: Path, span: Span, into target: Int) {
        guard let r = resolver.resolutions[span] else { emit(.loadNil, a: target); return }
        switch r {
        case .local(let b):
            if b.needsCell { emit(.getCell, a: target, b: b.register) }
            else if b.register != target { emit(.move, a: target, b: b.register) }
        case .upvalue(let i, _):
            emit(.getUpvalue, a: target, b: i)
        case .global(let slot):
            emit(.getGlobal, a: target, bx: slot)
        case .constant(let k):
            loadConstant(k, into: target)
        case .function(let f):
            emit(.loadFunction, a: target, bx: f)
        case .variant(let v):
            let (e, tag) = global.program.variants[v]
            if global.program.enums[e].variantArity[tag] == 0 {
                emit(.loadConst, a: target, bx: constant(.unitVariant(v)))
            } else {
                error("the variant `\(path.text)` takes arguments", at: span,
                      help: "call it: `\(path.text)(...)`")
            }
        case .structType(let s):
            emit(.newRecord, a: target, b: target, c: s)
        case .builtin(let f):
            error("the builtin `\(f.name)` can only be called", at: span, help: "call it: `\(f.name)(...)`, or wrap it in a closure")
        case .constructor(let c):
            error("`\(c.rawValue)` can only be called", at: span)
        case .traitMethod(let name):
            error("the trait method `\(name)` can only be called", at: span)
        }
    }

    // MARK: Operators

    func compileUnary(_ op: UnaryOp, _ operand: Expr, span: Span, into target: Int) {
        switch op {
        case .negate, .not:
            if let folded = ConstantFolder.fold(Expr(.unary(op, operand), span), lookup: foldLookup) {
                loadConstant(folded, into: target); return
            }
            let v = compileAny(operand)
            emit(op == .negate ? .negate : .not, a: target, b: v)
        case .reference, .mutableReference:
            if case .path = operand.kind, let r = resolver.resolutions[operand.span] {
                switch r {
                case .local(let b) where b.needsCell:
                    emit(.move, a: target, b: b.register); return
                case .upvalue(let i, _):
                    emit(.upvalueCell, a: target, b: i); return
                default: break
                }
            }
            if op == .mutableReference, !isPlainValue(operand) {
                error("`&mut` can only take a reference to a variable", at: span,
                      help: "assign the value to a `let mut` variable and take `&mut` of that")
            }
            let v = compileAny(operand)
            emit(.makeReference, a: target, b: v)
        case .dereference:
            let v = compileAny(operand)
            emit(.dereference, a: target, b: v)
        case .receive:
            let ch = compileAny(operand)
            emit(.receive, a: target, b: ch)
        }
    }

    private func isPlainValue(_ e: Expr) -> Bool {
        switch e.kind {
        case .field, .tupleField, .index: return false
        default: return true
        }
    }

    func compileBinary(_ op: BinaryOp, _ l: Expr, _ r: Expr, into target: Int) {
        switch op {
        case .and, .or:
            // Short-circuit: evaluate the left into target; skip the right when decided.
            compile(l, into: target)
            let skip = emitJump(op == .and ? .jumpIfFalse : .jumpIfTrue, a: target)
            compile(r, into: target)
            patch(skip)
            return
        default:
            break
        }
        // Operands the type checker proves float use the float-first instructions.
        if let fop = floatForm(op), isStaticallyFloat(l), isStaticallyFloat(r) {
            let a = compileAny(l)
            let b = compileAny(r)
            emit(fop, a: target, b: a, c: b)
            return
        }
        // A constant int right operand uses the K-form of the arithmetic instruction.
        if let kop = constantForm(op), let k = ConstantFolder.fold(r, lookup: foldLookup), case .int = k {
            let a = compileAny(l)
            let ki = constant(k)
            if ki <= Instruction.maxOperand {
                emit(kop, a: target, b: a, c: ki)
                return
            }
        }
        if op == .equal || op == .notEqual, let k = ConstantFolder.fold(r, lookup: foldLookup) {
            let a = compileAny(l)
            let ki = constant(k)
            if ki <= Instruction.maxOperand {
                emit(.equalConst, a: target, b: a, c: ki)
                if op == .notEqual { emit(.not, a: target, b: target) }
                return
            }
        }
        let a = compileAny(l)
        let b = compileAny(r)
        emitBinary(op, target: target, left: a, right: b)
    }

    /// True when the type checker proves `e` a `float`. Such a value may still be nil (a
    /// `T` may hold nil) or reach the operator through a reference (`&T` reads as `T`), so
    /// the typed instructions test the kind first rather than skip the test.
    func isStaticallyFloat(_ e: Expr) -> Bool { program.types.isFloat(e) }

    /// The instruction for `op` on two statically float operands, if it has one.
    private func floatForm(_ op: BinaryOp) -> Opcode? {
        switch op {
        case .add: return .addFloat
        case .subtract: return .subtractFloat
        case .multiply: return .multiplyFloat
        case .divide: return .divideFloat
        default: return nil
        }
    }

    /// `target := left op right` for every operator but `&&` and `||`.
    func emitBinary(_ op: BinaryOp, target: Int, left a: Int, right b: Int) {
        switch op {
        case .add: emit(.add, a: target, b: a, c: b)
        case .subtract: emit(.subtract, a: target, b: a, c: b)
        case .multiply: emit(.multiply, a: target, b: a, c: b)
        case .divide: emit(.divide, a: target, b: a, c: b)
        case .remainder: emit(.remainder, a: target, b: a, c: b)
        case .bitAnd: emit(.bitAnd, a: target, b: a, c: b)
        case .bitOr: emit(.bitOr, a: target, b: a, c: b)
        case .bitXor: emit(.bitXor, a: target, b: a, c: b)
        case .shiftLeft: emit(.shiftLeft, a: target, b: a, c: b)
        case .shiftRight: emit(.shiftRight, a: target, b: a, c: b)
        case .equal: emit(.equal, a: target, b: a, c: b)
        case .notEqual: emit(.notEqual, a: target, b: a, c: b)
        case .less: emit(.less, a: target, b: a, c: b)
        case .lessEqual: emit(.lessEqual, a: target, b: a, c: b)
        case .greater: emit(.less, a: target, b: b, c: a)
        case .greaterEqual: emit(.lessEqual, a: target, b: b, c: a)
        case .and, .or: break
        }
    }

    /// Chains longer than this (`1 + 1 + ...`, `a.f().g()...`, `x as T as U ...`) compile
    /// in a loop rather than by recursion: the parser reads chains iteratively, so they
    /// are not bounded by its nesting limit, and one native frame per link could exhaust
    /// the stack.
    static let recursiveChainLimit = 32

    func isLongChain(_ e: Expr) -> Bool {
        var length = 0
        var current = e
        while let child = Resolver.chainChild(current) {
            length += 1
            if length > FunctionCompiler.recursiveChainLimit { return true }
            current = child
        }
        return false
    }

    /// Compiles a long chain link by link into an accumulator register. The innermost
    /// link compiles as usual (it may be a call of a named function or a mutating method
    /// on a place); every later link works on the accumulated temporary. Left-to-right
    /// evaluation order is the same as the recursive path's.
    func compileLongChain(_ e: Expr, into target: Int) {
        var links: [Expr] = []
        var current = e
        while let child = Resolver.chainChild(current) {
            links.append(current)
            current = child
        }
        let acc = allocate()
        let innermost = links.removeLast()
        compile(innermost, into: acc)
        for link in links.reversed() {
            setLine(link.span)
            let mark = freeRegister
            switch link.kind {
            case .binary(.and, _, let r), .binary(.or, _, let r):
                let isAnd: Bool
                if case .binary(.and, _, _) = link.kind { isAnd = true } else { isAnd = false }
                let skip = emitJump(isAnd ? .jumpIfFalse : .jumpIfTrue, a: acc)
                compile(r, into: acc)
                patch(skip)
            case .binary(let op, _, let r):
                if let kop = constantForm(op), let k = ConstantFolder.fold(r, lookup: foldLookup), case .int = k,
                   constant(k) <= Instruction.maxOperand {
                    emit(kop, a: acc, b: acc, c: constant(k))
                } else {
                    emitBinary(op, target: acc, left: acc, right: compileAny(r))
                }
            case .cast(_, let type):
                if case .named(let p) = type.kind, let t = CastTarget(typeName: p.last.name),
                   let index = CastTarget.allCases.firstIndex(of: t) {
                    emit(.cast, a: acc, b: acc, c: index)
                }
            case .field(_, let name):
                emit(.getField, a: acc, b: acc, c: site(name.name, builtin: nil))
            case .tupleField(_, let index, _):
                emit(.getTupleField, a: acc, b: acc, c: index)
            case .index(_, let index):
                emit(.getIndex, a: acc, b: acc, c: compileAny(index))
            case .call(_, let args):
                let base = allocate(1 + args.count)
                emit(.take, a: base, b: acc)
                for (i, a) in args.enumerated() { compile(a, into: base + 1 + i) }
                setLine(link.span)
                emit(.call, a: base, b: args.count)
                emit(.take, a: acc, b: base)
            case .methodCall(_, let name, _, let args):
                let base = allocate(2 + args.count)
                emit(.take, a: base + 1, b: acc)
                for (i, a) in args.enumerated() { compile(a, into: base + 2 + i) }
                setLine(link.span)
                emit(.callMethod, a: base, b: args.count, c: site(name.name, builtin: BuiltinMethod(name: name.name), method: true))
                emit(.take, a: acc, b: base)
            default:
                break
            }
            free(to: mark)
        }
        emit(.take, a: target, b: acc)
    }

    private func constantForm(_ op: BinaryOp) -> Opcode? {
        switch op {
        case .add: return .addConst
        case .subtract: return .subtractConst
        case .multiply: return .multiplyConst
        case .divide: return .divideConst
        case .remainder: return .remainderConst
        default: return nil
        }
    }

    // MARK: Aggregates

    func compileStructLiteral(_ path: Path, fields: [(name: Ident, value: Expr)], into target: Int) {
        guard case .structType(let s)? = resolver.resolutions[path.span] else {
            for f in fields { compileEffect(f.value) }
            return
        }
        let info = global.program.structs[s]
        let base = allocate(info.fieldNames.count)
        // Fields are evaluated in the order written, stored in declaration order.
        for f in fields {
            if let i = info.fieldNames.firstIndex(of: f.name.name) { compile(f.value, into: base + i) }
            else { compileEffect(f.value) }
        }
        emit(.newRecord, a: target, b: base, c: s)
    }

    // MARK: Calls

    /// The base register of a call (callee slot; arguments follow): the target itself when
    /// it is the topmost allocated register, so the result needs no move.
    func callBase(target: Int, arguments: Int) -> Int {
        if target + 1 == freeRegister {
            _ = allocate(arguments)
            return target
        }
        return allocate(1 + arguments)
    }

    func compileCall(_ callee: Expr, args: [Expr], span: Span, into target: Int) {
        let resolution: Resolution? = {
            if case .path = callee.kind { return resolver.resolutions[callee.span] }
            return nil
        }()
        switch resolution {
        case .function(let f)?:
            let base = callBase(target: target, arguments: args.count)
            for (i, a) in args.enumerated() { compile(a, into: base + 1 + i) }
            setLine(span)
            emit(.callFunction, a: base, b: args.count, c: f)
            if base != target { emit(.move, a: target, b: base) }
        case .variant(let v)?:
            let base = allocate(Swift.max(args.count, 1))
            for (i, a) in args.enumerated() { compile(a, into: base + i) }
            emit(.newVariant, a: target, b: base, c: v)
        case .builtin(let f)?:
            let base = callBase(target: target, arguments: args.count)
            for (i, a) in args.enumerated() { compile(a, into: base + 1 + i) }
            setLine(span)
            emit(.callBuiltin, a: base, b: args.count, c: BuiltinFunction.allCases.firstIndex(of: f)!)
            if base != target { emit(.move, a: target, b: base) }
        case .constructor(let c)?:
            if c == .channelNew {
                let n = allocate()
                if let first = args.first { compile(first, into: n) } else { emit(.loadInt, a: n, bx: 0) }
                emit(.makeChannel, a: target, b: n)
                return
            }
            let base = allocate(1 + args.count)
            for (i, a) in args.enumerated() { compile(a, into: base + 1 + i) }
            setLine(span)
            emit(.callConstructor, a: base, b: args.count, c: BuiltinConstructor.allCases.firstIndex(of: c)!)
            if base != target { emit(.move, a: target, b: base) }
        case .traitMethod(let name)?:
            guard let first = args.first else { return }
            compileMethodCall(first, name: name, args: Array(args.dropFirst()), span: span, into: target)
        case .structType?:
            error("a struct is not a function", at: callee.span, help: "build it with a struct literal: `Name { field: value }`")
        default:
            // Not `callBase`: the callee is stored before the arguments are evaluated, and
            // the target may be a variable they read (`x = f(x)`).
            let base = allocate(1 + args.count)
            compile(callee, into: base)
            for (i, a) in args.enumerated() { compile(a, into: base + 1 + i) }
            setLine(span)
            emit(.call, a: base, b: args.count)
            if base != target { emit(.move, a: target, b: base) }
        }
    }

    /// `receiver.name(args)`: dispatched at run time on the receiver's type (user methods
    /// first, then builtin methods). When the method may mutate its receiver and the
    /// receiver is a place, the receiver is moved out of the place for the call (so no
    /// copy is made) and stored back after it.
    func compileMethodCall(_ receiver: Expr, name: String, args: [Expr], span: Span, into target: Int) {
        let builtin = BuiltinMethod(name: name)
        let mayMutate = global.mutatingMethodNames.contains(name) || (builtin?.mutatesReceiver ?? false)
        let s = site(name, builtin: builtin, method: true)
        var place = mayMutate ? mutablePlace(receiver) : nil
        // The place's temporaries (index values, taken containers) go below the call's
        // registers: the callee's frame starts at the receiver.
        let base: Int
        if place != nil && !place!.steps.isEmpty {
            preparePlace(&place!)
            base = allocate(2 + args.count)
        } else {
            base = callBase(target: target, arguments: 1 + args.count)
        }
        if let place {
            // Arguments first: they may read the place the receiver is moved out of.
            for (i, a) in args.enumerated() { compile(a, into: base + 2 + i) }
            takePlace(place, into: base + 1)
        } else {
            compile(receiver, into: base + 1)
            for (i, a) in args.enumerated() { compile(a, into: base + 2 + i) }
        }
        setLine(span)
        emit(.callMethod, a: base, b: args.count, c: s, d: place != nil ? 1 : 0)
        if let place { storePlace(place, from: base + 1) }
        if base != target { emit(.move, a: target, b: base) }
    }

    // MARK: Closures

    /// Compiles a closure's body as a new function and emits the instruction that creates it.
    func compileClosure(params: [Param], body: Expr, span: Span, name: String, into target: Int) {
        let proto = FunctionProto(name: name, file: span.file, arity: params.count, hasReceiver: false,
                                  line: Int(program.line(of: span)))
        let index = global.newFunction(proto)
        let captures = resolver.captures[span] ?? []
        // A block spawned in a REPL session copies the session variables it reads: load
        // them into registers it captures by copy.
        let mark = freeRegister
        for read in resolver.spawnedSessionReads[span] ?? [] {
            read.binding.register = allocate()
            emit(.getGlobal, a: read.binding.register, bx: read.slot)
        }
        program.compileWithFallback(proto, parent: self) { fc in
            fc.upvalues = captures.map { self.upvalueSource($0) }
            let bindings = params.compactMap { self.resolver.declarations[$0.name.span] }
            fc.compileBody(params: bindings, body: body, entryLine: self.program.line(of: span))
        }
        emit(.closure, a: target, bx: index)
        free(to: mark)
    }

    /// How a capture of this function's binding or upvalue reaches the new closure.
    func upvalueSource(_ c: Capture) -> UpvalueSource {
        switch c {
        case .local(let b, let copy):
            if copy { return b.needsCell ? .copyOfCell(b.register) : .copyOfRegister(b.register) }
            return .parentRegister(b.register)
        case .upvalue(let i, let copy):
            return copy ? .copyOfUpvalue(i) : .parentUpvalue(i)
        }
    }
}
