import MalphasSyntax

// Places: what assignment and mutating method calls write to (`x`, `p.x`, `v[i]`, `t.0`,
// `a.b[i].c`, `*r`). Value semantics with copy-on-write make one rule essential: to
// mutate an aggregate in place its box must be uniquely referenced, so the code moves
// each container out of its parent ("take"), mutates, and moves it back. A plain local
// register needs no take: the register is the only holder.

/// A place expression, resolved.
struct Place {
    enum Root {
        /// A local in a register (also a register holding a reference: the VM's field and
        /// index instructions write through references).
        case register(Int)
        /// A local that lives in a cell.
        case cell(Int)
        case upvalue(Int)
        case global(Int)
    }
    enum Step {
        case field(site: Int)
        case tupleField(Int)
        /// The index expression, compiled into a register by `openContainer`.
        case index(Expr)
    }
    var root: Root
    var steps: [Step]
    /// Registers filled by `openContainer`: the container taken at each depth (index 0 is
    /// the root's value) and the evaluated index registers.
    var containers: [Int] = []
    var indexRegisters: [Int] = []
}

extension FunctionCompiler {
    /// The place `e` denotes when it can be written to (a mutable variable or a `&mut`
    /// holder at its root); nil otherwise.
    func mutablePlace(_ e: Expr) -> Place? {
        // Walk down to the root in a loop (field chains can be long), collecting steps.
        var steps: [Place.Step] = []
        var current = e
        while true {
            switch current.kind {
            case .field(let base, let name): steps.append(.field(site: site(name.name, builtin: nil))); current = base; continue
            case .tupleField(let base, let index, _): steps.append(.tupleField(index)); current = base; continue
            case .index(let base, let index): steps.append(.index(index)); current = base; continue
            default: break
            }
            break
        }
        steps.reverse()
        switch current.kind {
        case .path:
            guard let r = resolver.resolutions[current.span] else { return nil }
            switch r {
            case .local(let b):
                guard b.isMutable || resolver.holdsMutableReference.contains(ObjectIdentifier(b)) else { return nil }
                return Place(root: b.needsCell ? .cell(b.register) : .register(b.register), steps: steps)
            case .upvalue(let i, let b):
                guard b.isMutable || resolver.holdsMutableReference.contains(ObjectIdentifier(b)) else { return nil }
                return Place(root: .upvalue(i), steps: steps)
            case .global(let slot):
                guard global.variables.values.contains(where: { $0.slot == slot && $0.isMutable }) else { return nil }
                return Place(root: .global(slot), steps: steps)
            default:
                return nil
            }
        case .unary(.dereference, let inner):
            // `*r` as a place: the register holding the reference; the VM writes through it.
            guard case .path = inner.kind, case .local(let b)? = resolver.resolutions[inner.span], !b.needsCell else { return nil }
            return Place(root: .register(b.register), steps: steps)
        default:
            return nil
        }
    }

    /// Evaluates the place's index expressions, then takes the root and every container
    /// but the last step's, leaving in `containers.last` the register that holds the
    /// container of the last step (or the root's value when there are no steps).
    func openContainer(_ p: inout Place) {
        preparePlace(&p)
        takeContainers(p)
    }

    /// Evaluates the index expressions and allocates the registers the containers will be
    /// taken into, emitting no take yet.
    func preparePlace(_ p: inout Place) {
        for step in p.steps {
            if case .index(let e) = step { p.indexRegisters.append(compileAny(e)) }
            else { p.indexRegisters.append(-1) }
        }
        switch p.root {
        case .register(let r): p.containers = [r]
        case .cell, .upvalue, .global: p.containers = [allocate()]
        }
        if p.steps.count > 1 {
            for _ in 0..<(p.steps.count - 1) { p.containers.append(allocate()) }
        }
    }

    /// Takes the root (unless it is a plain register) and every container but the last
    /// step's into the registers `preparePlace` allocated.
    func takeContainers(_ p: Place) {
        switch p.root {
        case .register: break
        case .cell(let r): emit(.takeCell, a: p.containers[0], b: r)
        case .upvalue(let i): emit(.takeUpvalue, a: p.containers[0], b: i)
        case .global(let slot): emit(.takeGlobal, a: p.containers[0], bx: slot)
        }
        guard p.steps.count > 1 else { return }
        for depth in 0..<(p.steps.count - 1) {
            emitTake(p.steps[depth], index: p.indexRegisters[depth], from: p.containers[depth], into: p.containers[depth + 1])
        }
    }

    /// Moves every taken container back into its parent and the root into its variable.
    func closeContainer(_ p: Place) {
        if p.steps.count > 1 {
            for depth in stride(from: p.steps.count - 2, through: 0, by: -1) {
                emitSet(p.steps[depth], index: p.indexRegisters[depth], container: p.containers[depth],
                        value: p.containers[depth + 1], move: true)
            }
        }
        let rootRegister = p.containers[0]
        switch p.root {
        case .register: break
        case .cell(let r): emit(.setCell, a: r, b: rootRegister, d: 1)
        case .upvalue(let i): emit(.setUpvalue, a: i, b: rootRegister, d: 1)
        case .global(let slot): emit(.setGlobal, a: rootRegister, bx: slot, d: 1)
        }
    }

    private func emitTake(_ step: Place.Step, index: Int, from container: Int, into target: Int) {
        switch step {
        case .field(let s): emit(.takeField, a: target, b: container, c: s)
        case .tupleField(let i): emit(.takeTupleField, a: target, b: container, c: i)
        case .index: emit(.takeIndex, a: target, b: container, c: index)
        }
    }

    private func emitGet(_ step: Place.Step, index: Int, from container: Int, into target: Int) {
        switch step {
        case .field(let s): emit(.getField, a: target, b: container, c: s)
        case .tupleField(let i): emit(.getTupleField, a: target, b: container, c: i)
        case .index: emit(.getIndex, a: target, b: container, c: index)
        }
    }

    private func emitSet(_ step: Place.Step, index: Int, container: Int, value: Int, move: Bool) {
        switch step {
        case .field(let s): emit(.setField, a: container, b: s, c: value, d: move ? 1 : 0)
        case .tupleField(let i): emit(.setTupleField, a: container, b: i, c: value, d: move ? 1 : 0)
        case .index: emit(.setIndex, a: container, b: index, c: value, d: move ? 1 : 0)
        }
    }

    /// Moves the place's value into `target` (for a mutating method call's receiver).
    /// The place must have been prepared (`preparePlace`) before `target` was allocated
    /// when it has steps, so its temporaries sit below the call's registers; its
    /// containers are taken here, after the call's arguments were evaluated (they may read
    /// the place: `m.insert(k, m.get(k) + 1)`).
    func takePlace(_ p: Place, into target: Int) {
        if !p.steps.isEmpty { takeContainers(p) }
        if p.steps.isEmpty {
            switch p.root {
            case .register(let r): emit(.take, a: target, b: r)
            case .cell(let r): emit(.takeCell, a: target, b: r)
            case .upvalue(let i): emit(.takeUpvalue, a: target, b: i)
            case .global(let slot): emit(.takeGlobal, a: target, bx: slot)
            }
        } else {
            let last = p.steps.count - 1
            emitTake(p.steps[last], index: p.indexRegisters[last], from: p.containers[last], into: target)
        }
        pendingPlaces.append(p)
    }

    /// Moves `source` back into the place taken by the matching `takePlace`.
    func storePlace(_ p: Place, from source: Int) {
        let p = pendingPlaces.removeLast()
        if p.steps.isEmpty {
            switch p.root {
            case .register(let r): emit(.take, a: r, b: source)
            case .cell(let r): emit(.setCell, a: r, b: source, d: 1)
            case .upvalue(let i): emit(.setUpvalue, a: i, b: source, d: 1)
            case .global(let slot): emit(.setGlobal, a: source, bx: slot, d: 1)
            }
            return
        }
        let last = p.steps.count - 1
        emitSet(p.steps[last], index: p.indexRegisters[last], container: p.containers[last], value: source, move: true)
        closeContainer(p)
    }

    // MARK: Assignment

    /// `target = value` and `target op= value`.
    func compileAssignment(target: Expr, op: BinaryOp?, value: Expr) {
        let mark = freeRegister
        defer { free(to: mark) }
        switch target.kind {
        case .path:
            guard let r = resolver.resolutions[target.span] else { return }
            switch r {
            case .local(let b) where !b.needsCell:
                if let op { compileBinary(op, target, value, into: b.register) }
                else { compile(value, into: b.register) }
            case .local(let b):
                let v = allocate()
                if let op { compileBinary(op, target, value, into: v) } else { compile(value, into: v) }
                emit(.setCell, a: b.register, b: v, d: 1)
            case .upvalue(let i, _):
                let v = allocate()
                if let op { compileBinary(op, target, value, into: v) } else { compile(value, into: v) }
                emit(.setUpvalue, a: i, b: v, d: 1)
            case .global(let slot):
                let v = allocate()
                if let op { compileBinary(op, target, value, into: v) } else { compile(value, into: v) }
                emit(.setGlobal, a: v, bx: slot, d: 1)
            default:
                return
            }
        case .unary(.dereference, let inner):
            let ref = compileAny(inner)
            let v = allocate()
            if let op {
                let old = allocate()
                emit(.dereference, a: old, b: ref)
                let rhs = compileAny(value)
                emitArithmetic(op, target: v, left: old, right: rhs)
            } else {
                compile(value, into: v)
            }
            emit(.storeThroughReference, a: ref, b: v)
        case .field, .tupleField, .index:
            guard var p = mutablePlace(target) else {
                // The resolver has reported why; still evaluate for further diagnostics.
                compileEffect(value)
                return
            }
            let v = allocate()
            compile(value, into: v)
            openContainer(&p)
            let last = p.steps.count - 1
            let container = p.containers[last]
            if let op {
                let old = allocate()
                emitGet(p.steps[last], index: p.indexRegisters[last], from: container, into: old)
                emitArithmetic(op, target: old, left: old, right: v)
                emitSet(p.steps[last], index: p.indexRegisters[last], container: container, value: old, move: true)
            } else {
                emitSet(p.steps[last], index: p.indexRegisters[last], container: container, value: v, move: true)
            }
            closeContainer(p)
        default:
            compileEffect(value)
        }
    }

    func emitArithmetic(_ op: BinaryOp, target: Int, left: Int, right: Int) {
        switch op {
        case .add: emit(.add, a: target, b: left, c: right)
        case .subtract: emit(.subtract, a: target, b: left, c: right)
        case .multiply: emit(.multiply, a: target, b: left, c: right)
        case .divide: emit(.divide, a: target, b: left, c: right)
        case .remainder: emit(.remainder, a: target, b: left, c: right)
        case .bitAnd: emit(.bitAnd, a: target, b: left, c: right)
        case .bitOr: emit(.bitOr, a: target, b: left, c: right)
        case .bitXor: emit(.bitXor, a: target, b: left, c: right)
        case .shiftLeft: emit(.shiftLeft, a: target, b: left, c: right)
        case .shiftRight: emit(.shiftRight, a: target, b: left, c: right)
        default: break
        }
    }
}
