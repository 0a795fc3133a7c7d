// The dispatch loop.
//
// `run(legion)` executes the legion's top frame until the legion finishes, fails, blocks
// or reaches a safe point with the preempt flag set; then it returns, with the whole state
// saved in the legion (frames, pcs, registers). Calling it again resumes exactly there.
// It never recurses natively: a Malphas call pushes a frame on the legion's frame buffer
// and switches the loop's locals (code, constants, registers, instruction pointer) to the callee.
//
// Hot-path rules (DESIGN 5): instructions are 64-bit words read through a pointer; the
// registers are read and written through a pointer into the legion's VM stack; int
// arithmetic is checked inline with `addingReportingOverflow` and friends; anything not
// int/int goes to the value library's slow paths; field and method names are resolved
// through per-site inline caches keyed by the receiver's type id. Nothing in the loop
// allocates unless the Malphas operation itself creates a value.
//
// Invariants: no stack slot above the top frame's registers holds a reference: a return
// releases the references its registers hold (keeping dead values alive would defeat
// copy-on-write), and builtin calls release their argument copies.

import CMalphasSync
import Glibc
import MalphasCompiler
import MalphasSyntax

extension UnsafeMutablePointer where Pointee == Value {
    /// Stores a scalar; when the old value is a scalar too, nothing needs releasing, so
    /// the store skips Swift's out-of-line destroy of the old value.
    @inline(__always)
    func storeScalar(_ v: Value) {
        switch pointee {
        case .int, .float, .bool, .nil, .unit: initialize(to: v)
        default: pointee = v
        }
    }

    /// Stores any value, skipping the release when the old value is a scalar.
    @inline(__always)
    func store(_ v: Value) {
        switch pointee {
        case .int, .float, .bool, .nil, .unit: initialize(to: v)
        default: pointee = v
        }
    }
}

/// Where a `Value` keeps its case tag, probed once: Swift lays a multi-payload enum out as
/// the payload followed by a tag byte, and gives the payload cases consecutive tags. The
/// return path reads the tag bytes directly to find the registers that hold references
/// (the only ones that need releasing). If the probe finds a layout it does not expect,
/// `isKnown` is false and the VM releases every register the generic way.
enum ValueLayout {
    static let tagOffset = 8
    /// The tags of the reference-holding cases form `referenceTagLow ... referenceTagLow + referenceTagSpan`:
    /// the payload cases in declaration order, `string` (3) to `range` (13). Constants, so
    /// the return path compares each tag with immediates; `isKnown` says the probe agreed.
    static let referenceTagLow: UInt8 = 3
    static let referenceTagSpan: UInt8 = 10
    static let isKnown: Bool = {
        let (known, low, span) = probe()
        return known && low == referenceTagLow && span == referenceTagSpan
    }()

    static func tag(_ v: Value) -> UInt8 {
        var copy = v
        return withUnsafeBytes(of: &copy) { $0[tagOffset] }
    }

    private static func probe() -> (Bool, UInt8, UInt8) {
        guard MemoryLayout<Value>.size == tagOffset + 1, MemoryLayout<Value>.stride == 16 else { return (false, 0, 0) }
        let proto = FunctionProto(name: "", file: SourceFileID(raw: -1), arity: 0, hasReceiver: false, line: 0)
        let references: [Value] = [
            .string(StringBox("")), .list(ListBox([])), .map(MapBox()), .tuple(TupleBox([])),
            .record(RecordBox(type: StructType(name: "", fieldNames: []), fields: [])),
            .variant(VariantBox(type: EnumType(name: "", variantNames: [""], variantArity: [0]), tag: 0, payload: [])),
            .function(ClosureBox(code: CodeObject(proto: proto), upvalues: [])),
            .native(NativeFunctionBox(.println)), .channel(ChannelBox(capacity: 0)),
            .reference(ReferenceBox(.nil)), .range(RangeBox(lower: nil, upper: nil, inclusive: false)),
        ]
        let scalars: [Value] = [.unit, .nil, .bool(true), .int(-1), .float(-1.5)]
        let tags = references.map(tag)
        guard let low = tags.min(), let high = tags.max(), Int(high - low) + 1 == Set(tags).count,
              Set(tags).count == references.count,
              scalars.allSatisfy({ tag($0) &- low > high - low }) else { return (false, 0, 0) }
        return (true, low, high - low)
    }
}

public final class VM {
    let program: LoadedProgram
    let context: BuiltinContext
    let runtime: LegionRuntime
    let sources: SourceMap
    /// In the suspend-every-safe-point debug mode, a byte that is always 1, polled at
    /// safe points in place of the worker's preempt flag; nil otherwise. (The flag a
    /// step polls is `LegionState.safePointFlag`, set by the runtime bridge per step.)
    let alwaysSetFlag: UnsafeMutablePointer<UInt8>?
    let maxDepth: Int
    /// Builtins by their index in the catalog (the `callBuiltin` operand).
    private let builtinFunctions = BuiltinFunction.allCases
    private let builtinConstructors = BuiltinConstructor.allCases
    private let castTargets = CastTarget.allCases

    init(program: LoadedProgram, context: BuiltinContext, runtime: LegionRuntime, maxDepth: Int,
         suspendEverySafePoint: Bool) {
        self.program = program
        self.context = context
        self.runtime = runtime
        self.sources = program.compiled.sources
        // A legion counts its frames in 32 bits (LegionState.frameCount).
        self.maxDepth = min(maxDepth, Int(Int32.max))
        if suspendEverySafePoint {
            let flag = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
            flag.initialize(to: 1)
            alwaysSetFlag = flag
        } else {
            alwaysSetFlag = nil
        }
    }

    deinit { alwaysSetFlag?.deallocate() }

    // MARK: - The loop

    /// Runs `legion` until it finishes, fails, blocks or yields at a safe point.
    public func run(_ legion: LegionState) -> StepOutcome {
        guard legion.frameCount > 0 else { return .finished(.unit) }
        let flag = legion.safePointFlag
        let codes = program.codePointers
        var fi = legion.frameCount - 1
        var current = legion.frames[fi].code
        var base = legion.frames[fi].base
        // The next instruction, as a pointer into `current`'s code: the dispatch reads it
        // with one load. Its index (`VM.pc`) is computed only when a frame is saved.
        var ip = current._withUnsafeGuaranteedRef { $0.code } + legion.frames[fi].pc
        var regs = legion.stack + base
        var k = current._withUnsafeGuaranteedRef { $0.constants }
        let layoutKnown = ValueLayout.isKnown

        while true {
            do {
                while true {
                    let word = ip.pointee
                    ip += 1
                    let a = Instruction.a(word)
                    switch Instruction.opcode(word) {
                    // MARK: Hot: moves, int arithmetic, compare-and-jump, calls
                    case .move:
                        regs[a] = regs[Instruction.b(word)]
                    case .loadInt:
                        (regs + a).storeScalar(.int(Instruction.sBx(word)))
                    case .loadConst:
                        regs[a] = k[Instruction.bx(word)]
                    // The int fast paths below are spelled out for each operator and for
                    // register and constant operands, as Lua's arithmetic macros expand: a
                    // shared helper taking `Value`s would copy (retain) its operands and do a
                    // general store, where these match in place and store a scalar.
                    // Everything but int/int goes to `Operators`, the one slow path.
                    case .add:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            let (r, o) = x.addingReportingOverflow(y)
                            if _slowPath(o) { throw Operators.overflowError("+") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.add(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .subtract:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            let (r, o) = x.subtractingReportingOverflow(y)
                            if _slowPath(o) { throw Operators.overflowError("-") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.subtract(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .multiply:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            let (r, o) = x.multipliedReportingOverflow(by: y)
                            if _slowPath(o) { throw Operators.overflowError("*") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.multiply(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .divide:
                        (regs + a).store(try VM.divide(regs[Instruction.b(word)], regs[Instruction.c(word)]))
                    case .remainder:
                        (regs + a).store(try VM.remainder(regs[Instruction.b(word)], regs[Instruction.c(word)]))
                    case .addConst:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = k[Instruction.c(word)] {
                            let (r, o) = x.addingReportingOverflow(y)
                            if _slowPath(o) { throw Operators.overflowError("+") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.add(regs[Instruction.b(word)], k[Instruction.c(word)])
                        }
                    case .subtractConst:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = k[Instruction.c(word)] {
                            let (r, o) = x.subtractingReportingOverflow(y)
                            if _slowPath(o) { throw Operators.overflowError("-") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.subtract(regs[Instruction.b(word)], k[Instruction.c(word)])
                        }
                    case .multiplyConst:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = k[Instruction.c(word)] {
                            let (r, o) = x.multipliedReportingOverflow(by: y)
                            if _slowPath(o) { throw Operators.overflowError("*") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.multiply(regs[Instruction.b(word)], k[Instruction.c(word)])
                        }
                    case .divideConst:
                        (regs + a).store(try VM.divide(regs[Instruction.b(word)], k[Instruction.c(word)]))
                    case .remainderConst:
                        (regs + a).store(try VM.remainder(regs[Instruction.b(word)], k[Instruction.c(word)]))
                    // Statically float operands: float first; nil, a reference or anything
                    // the checker left unknown goes to `Operators` (the same errors).
                    case .addFloat:
                        if case .float(let x) = regs[Instruction.b(word)], case .float(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.float(x + y))
                        } else {
                            regs[a] = try Operators.add(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .subtractFloat:
                        if case .float(let x) = regs[Instruction.b(word)], case .float(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.float(x - y))
                        } else {
                            regs[a] = try Operators.subtract(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .multiplyFloat:
                        if case .float(let x) = regs[Instruction.b(word)], case .float(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.float(x * y))
                        } else {
                            regs[a] = try Operators.multiply(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .divideFloat:
                        if case .float(let x) = regs[Instruction.b(word)], case .float(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.float(x / y))
                        } else {
                            regs[a] = try Operators.divide(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .jumpIfNotLess:
                        if case .int(let x) = regs[a], case .int(let y) = regs[Instruction.b(word)] {
                            if !(x < y) { ip += Instruction.sC(word) }
                        } else if try !Operators.lessThan(regs[a], regs[Instruction.b(word)]) {
                            ip += Instruction.sC(word)
                        }
                    case .jumpIfNotLessEqual:
                        if case .int(let x) = regs[a], case .int(let y) = regs[Instruction.b(word)] {
                            if !(x <= y) { ip += Instruction.sC(word) }
                        } else if try !Operators.lessOrEqual(regs[a], regs[Instruction.b(word)]) {
                            ip += Instruction.sC(word)
                        }
                    case .jumpIfNotLessConst:
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            if !(x < y) { ip += Instruction.sC(word) }
                        } else if try !Operators.lessThan(regs[a], k[Instruction.b(word)]) {
                            ip += Instruction.sC(word)
                        }
                    case .jumpIfNotLessEqualConst:
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            if !(x <= y) { ip += Instruction.sC(word) }
                        } else if try !Operators.lessOrEqual(regs[a], k[Instruction.b(word)]) {
                            ip += Instruction.sC(word)
                        }
                    case .jumpIfNotGreaterConst:
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            if !(x > y) { ip += Instruction.sC(word) }
                        } else if try !Operators.lessThan(k[Instruction.b(word)], regs[a]) {
                            ip += Instruction.sC(word)
                        }
                    case .jumpIfNotGreaterEqualConst:
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            if !(x >= y) { ip += Instruction.sC(word) }
                        } else if try !Operators.lessOrEqual(k[Instruction.b(word)], regs[a]) {
                            ip += Instruction.sC(word)
                        }
                    // A `while` loop's bottom test: the compare-and-jump back is also the
                    // loop's safe point (D=1; D=0 when safe points are compiled out). Spelled
                    // out per opcode like the arithmetic above: one shared case with a helper
                    // switching on the opcode again cost 13 instructions per iteration of the
                    // loop benchmark (callgrind).
                    case .loopIfLess:
                        let holds: Bool
                        if case .int(let x) = regs[a], case .int(let y) = regs[Instruction.b(word)] {
                            holds = x < y
                        } else {
                            holds = try Operators.lessThan(regs[a], regs[Instruction.b(word)])
                        }
                        if holds {
                            ip += Instruction.sC(word)
                            if _slowPath(Instruction.d(word) != 0 && mal_load_relaxed_u8(flag) != 0) {
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .loopIfLessEqual:
                        let holds: Bool
                        if case .int(let x) = regs[a], case .int(let y) = regs[Instruction.b(word)] {
                            holds = x <= y
                        } else {
                            holds = try Operators.lessOrEqual(regs[a], regs[Instruction.b(word)])
                        }
                        if holds {
                            ip += Instruction.sC(word)
                            if _slowPath(Instruction.d(word) != 0 && mal_load_relaxed_u8(flag) != 0) {
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .loopIfLessConst:
                        let holds: Bool
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            holds = x < y
                        } else {
                            holds = try Operators.lessThan(regs[a], k[Instruction.b(word)])
                        }
                        if holds {
                            ip += Instruction.sC(word)
                            if _slowPath(Instruction.d(word) != 0 && mal_load_relaxed_u8(flag) != 0) {
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .loopIfLessEqualConst:
                        let holds: Bool
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            holds = x <= y
                        } else {
                            holds = try Operators.lessOrEqual(regs[a], k[Instruction.b(word)])
                        }
                        if holds {
                            ip += Instruction.sC(word)
                            if _slowPath(Instruction.d(word) != 0 && mal_load_relaxed_u8(flag) != 0) {
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .loopIfGreaterConst:
                        let holds: Bool
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            holds = x > y
                        } else {
                            holds = try Operators.lessThan(k[Instruction.b(word)], regs[a])
                        }
                        if holds {
                            ip += Instruction.sC(word)
                            if _slowPath(Instruction.d(word) != 0 && mal_load_relaxed_u8(flag) != 0) {
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .loopIfGreaterEqualConst:
                        let holds: Bool
                        if case .int(let x) = regs[a], case .int(let y) = k[Instruction.b(word)] {
                            holds = x >= y
                        } else {
                            holds = try Operators.lessOrEqual(k[Instruction.b(word)], regs[a])
                        }
                        if holds {
                            ip += Instruction.sC(word)
                            if _slowPath(Instruction.d(word) != 0 && mal_load_relaxed_u8(flag) != 0) {
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .jumpIfFalse:
                        if case .bool(let c) = regs[a] {
                            if !c { ip += Instruction.sBx(word) }
                        } else {
                            throw VM.notABool(regs[a])
                        }
                    case .jumpIfTrue:
                        if case .bool(let c) = regs[a] {
                            if c { ip += Instruction.sBx(word) }
                        } else {
                            throw VM.notABool(regs[a])
                        }
                    case .jump:
                        ip += Instruction.sBx(word)
                    case .loopBack:
                        ip += Instruction.sBx(word)
                        if _slowPath(mal_load_relaxed_u8(flag) != 0) {
                            legion.frames[fi].pc = VM.pc(ip, in: current)
                            legion.suspendAtSafePoint()
                            return .yielded
                        }
                    case .safePoint:
                        if _slowPath(mal_load_relaxed_u8(flag) != 0) {
                            legion.frames[fi].pc = VM.pc(ip, in: current)
                            legion.suspendAtSafePoint()
                            return .yielded
                        }
                    case .less:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.bool(x < y))
                        } else {
                            regs[a] = .bool(try Operators.lessThan(regs[Instruction.b(word)], regs[Instruction.c(word)]))
                        }
                    case .lessEqual:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.bool(x <= y))
                        } else {
                            regs[a] = .bool(try Operators.lessOrEqual(regs[Instruction.b(word)], regs[Instruction.c(word)]))
                        }
                    case .equal:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.bool(x == y))
                        } else {
                            regs[a] = .bool(try Equality.equal(regs[Instruction.b(word)], regs[Instruction.c(word)]))
                        }
                    case .notEqual:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = regs[Instruction.c(word)] {
                            (regs + a).storeScalar(.bool(x != y))
                        } else {
                            regs[a] = .bool(try !Equality.equal(regs[Instruction.b(word)], regs[Instruction.c(word)]))
                        }
                    case .equalConst:
                        if case .int(let x) = regs[Instruction.b(word)], case .int(let y) = k[Instruction.c(word)] {
                            (regs + a).storeScalar(.bool(x == y))
                        } else {
                            regs[a] = .bool(try Equality.equal(regs[Instruction.b(word)], k[Instruction.c(word)]))
                        }

                    case .callFunction:
                        // The resolver checked the arity of this direct call at compile time.
                        let callee = codes[Instruction.c(word)]
                        let newBase = base &+ a &+ 1
                        try pushFrame(legion, &fi, callerPC: VM.pc(ip, in: current), callee: callee, closure: nil, base: newBase,
                                         resultSlot: newBase &- 1, flags: .plain)
                        current = callee
                        base = newBase
                        regs = legion.stack + base
                        k = callee._withUnsafeGuaranteedRef { $0.constants }
                        // The callee's entry safe point is checked here, saving its dispatch.
                        let entryPC = current._withUnsafeGuaranteedRef { $0.entryPC }
                        ip = current._withUnsafeGuaranteedRef { $0.code } + entryPC
                        if _slowPath(mal_load_relaxed_u8(flag) != 0 && entryPC != 0) {
                            legion.frames[fi].pc = entryPC
                            legion.suspendAtSafePoint()
                            return .yielded
                        }
                    case .call:
                        let nargs = Instruction.b(word)
                        guard case .function(let closure) = regs[a] else {
                            if case .native(let native) = regs[a] {
                                regs[a] = try callNative(native.function, args: regs + a + 1, count: nargs, legion: legion)
                                VM.clear(regs + a + 1, count: nargs)
                                continue
                            }
                            throw RuntimeError("cannot call a value of type \(regs[a].typeName)")
                        }
                        let callee = Unmanaged.passUnretained(closure.code)
                        if _slowPath(nargs != closure.code.arity) { throw VM.arityError(closure.code, nargs) }
                        let newBase = base &+ a &+ 1
                        try pushFrame(legion, &fi, callerPC: VM.pc(ip, in: current), callee: callee, closure: Unmanaged.passUnretained(closure),
                                         base: newBase, resultSlot: newBase &- 1, flags: .plain)
                        current = callee
                        base = newBase
                        regs = legion.stack + base
                        k = closure.code.constants
                        // The callee's entry safe point is checked here, saving its dispatch.
                        let entryPC = current._withUnsafeGuaranteedRef { $0.entryPC }
                        ip = current._withUnsafeGuaranteedRef { $0.code } + entryPC
                        if _slowPath(mal_load_relaxed_u8(flag) != 0 && entryPC != 0) {
                            legion.frames[fi].pc = entryPC
                            legion.suspendAtSafePoint()
                            return .yielded
                        }
                    case .callMethod:
                        let nargs = Instruction.b(word)
                        let receiver = regs + a + 1
                        let target = try resolveMethod(receiver, site: Instruction.c(word), in: current)
                        switch target {
                        case .user(let fn, let cell):
                            let callee = codes[fn]
                            let calleeCode = callee.takeUnretainedValue()
                            var newBase = base &+ a &+ 1
                            var argCount = nargs + 1
                            var flags: FrameFlags = Instruction.d(word) != 0 ? .keepReceiver : .plain
                            if !calleeCode.hasReceiver {
                                // A function without receiver called with dot syntax binds the arguments only.
                                newBase += 1
                                argCount = nargs
                                flags = .plain
                            } else if let cell {
                                // Through a reference: the method works on the referent, written back on return.
                                receiver.pointee = cell.value
                                cell.value = .nil
                                legion.pushWriteBackCell(cell)
                                flags.insert(.writeBackToCell)
                                flags.insert(.keepReceiver)
                            }
                            if _slowPath(argCount != calleeCode.arity) {
                                throw VM.arityError(calleeCode, argCount, dotCall: calleeCode.hasReceiver)
                            }
                            try pushFrame(legion, &fi, callerPC: VM.pc(ip, in: current), callee: callee, closure: program.functionClosures[fn],
                                             base: newBase, resultSlot: base &+ a, flags: flags)
                            current = callee
                            base = newBase
                            regs = legion.stack + base
                            k = calleeCode.constants
                            // The callee's entry safe point is checked here, saving its dispatch.
                            let entryPC = current._withUnsafeGuaranteedRef { $0.entryPC }
                            ip = current._withUnsafeGuaranteedRef { $0.code } + entryPC
                            if _slowPath(mal_load_relaxed_u8(flag) != 0 && entryPC != 0) {
                                legion.frames[fi].pc = entryPC
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        case .builtin(let method):
                            if method == .close, case .channel(let ch) = receiver.pointee.dereferenced {
                                try ch.close(runtime: runtime)
                                regs[a] = .unit
                            } else {
                                regs[a] = try Methods.call(method, receiver: &receiver.pointee,
                                                           args: UnsafeBufferPointer(start: regs + a + 2, count: nargs),
                                                           context: context, call: { _, _ in
                                    throw RuntimeError("internal error: `\(method.name)` called back into Malphas")
                                })
                            }
                            // Drop the argument copies (and the receiver's, unless it is written
                            // back): left in their registers they would make the next mutation of
                            // the same values copy them (`m.insert(k, m.get(k) + 1)` in a loop).
                            VM.clear(regs + a + (Instruction.d(word) != 0 ? 2 : 1), count: nargs + (Instruction.d(word) != 0 ? 0 : 1))
                        case .prelude(let fn):
                            // List `map`/`filter` run as Malphas functions (list, f) on a new frame.
                            let callee = codes[fn]
                            let calleeCode = callee.takeUnretainedValue()
                            if nargs != 1 { throw RuntimeError("method `\(calleeCode.proto.name)` takes 1 argument but \(nargs) were supplied") }
                            if case .reference = receiver.pointee { receiver.pointee = receiver.pointee.dereferenced }
                            let newBase = base &+ a &+ 1
                            let flags: FrameFlags = Instruction.d(word) != 0 ? .keepReceiver : .plain
                            try pushFrame(legion, &fi, callerPC: VM.pc(ip, in: current), callee: callee, closure: nil, base: newBase,
                                             resultSlot: base &+ a, flags: flags)
                            current = callee
                            base = newBase
                            regs = legion.stack + base
                            k = calleeCode.constants
                            // The callee's entry safe point is checked here, saving its dispatch.
                            let entryPC = current._withUnsafeGuaranteedRef { $0.entryPC }
                            ip = current._withUnsafeGuaranteedRef { $0.code } + entryPC
                            if _slowPath(mal_load_relaxed_u8(flag) != 0 && entryPC != 0) {
                                legion.frames[fi].pc = entryPC
                                legion.suspendAtSafePoint()
                                return .yielded
                            }
                        }
                    case .returnValue, .returnUnit:
                        let frame = legion.frames[fi]
                        let registerCount = current._withUnsafeGuaranteedRef { $0.registerCount }
                        let keepsReceiver = frame.flags.contains(.keepReceiver)
                        // Move the result out before clearing the callee's registers; a kept
                        // receiver returned as the result (`returnValue 0`) is copied instead,
                        // since the caller writes register 0 back to its place.
                        var result = Value.unit
                        if Instruction.opcode(word) == .returnValue {
                            if _slowPath(a == 0 && keepsReceiver) { result = regs[0] } else { swap(&result, &regs[a]) }
                        }
                        var i = keepsReceiver ? 1 : 0
                        if layoutKnown {
                            // Release only the registers that hold references; scalars can stay.
                            // Two registers a step: the loop's own work is half the cost of
                            // a register's test.
                            let raw = UnsafeRawPointer(regs) + ValueLayout.tagOffset
                            @inline(__always) func release(_ r: Int) {
                                if raw.load(fromByteOffset: r &* 16, as: UInt8.self) &- ValueLayout.referenceTagLow
                                    <= ValueLayout.referenceTagSpan {
                                    regs[r] = .nil
                                }
                            }
                            while i &+ 1 < registerCount {
                                release(i)
                                release(i &+ 1)
                                i &+= 2
                            }
                            if i < registerCount { release(i) }
                        } else {
                            while i < registerCount { (regs + i).store(.nil); i &+= 1 }
                        }
                        if _slowPath(frame.flags.contains(.writeBackToCell)) {
                            let cell = legion.popWriteBackCell()
                            cell.value = regs[0]
                            regs[0] = .reference(cell)
                        }
                        if _slowPath(fi == 0) {
                            legion.frameCount = 0
                            return .finished(result)
                        }
                        fi &-= 1
                        legion.frameCount = fi &+ 1
                        // The result slot holds a scalar, nil, or the closure called (kept
                        // alive there until now); only the last needs releasing.
                        (legion.stack + frame.resultSlot).store(consume result)
                        current = legion.frames[fi].code
                        base = legion.frames[fi].base
                        ip = current._withUnsafeGuaranteedRef { $0.code } + legion.frames[fi].pc
                        regs = legion.stack + base
                        k = current._withUnsafeGuaranteedRef { $0.constants }

                    // MARK: Variables
                    case .take:
                        let b = Instruction.b(word)
                        let v = (regs + b).move()
                        (regs + b).initialize(to: .nil)
                        regs[a] = v
                    case .loadNil:
                        regs[a] = .nil
                    case .loadUnit:
                        regs[a] = .unit
                    case .loadBool:
                        regs[a] = .bool(Instruction.b(word) != 0)
                    case .loadFunction:
                        regs[a] = codes[Instruction.bx(word)]._withUnsafeGuaranteedRef { $0.value }
                    case .closure:
                        regs[a] = makeClosure(Instruction.bx(word), regs: regs, frame: legion.frames[fi])
                    case .getGlobal:
                        let slot = Instruction.bx(word)
                        if _slowPath(slot >= legion.globals.count) { throw missingGlobal(slot) }
                        regs[a] = legion.globals[slot]
                    case .setGlobal:
                        let slot = Instruction.bx(word)
                        if _slowPath(slot >= legion.globals.count) { throw missingGlobal(slot) }
                        legion.globals[slot] = regs[a]
                        if Instruction.d(word) != 0 { regs[a] = .nil }
                    case .takeGlobal:
                        let slot = Instruction.bx(word)
                        if _slowPath(slot >= legion.globals.count) { throw missingGlobal(slot) }
                        regs[a] = legion.globals[slot]
                        legion.globals[slot] = .nil
                    case .newCell:
                        regs[a] = .reference(ReferenceBox(regs[Instruction.b(word)]))
                    case .getCell:
                        guard case .reference(let cell) = regs[Instruction.b(word)] else { throw VM.internalError("getCell") }
                        regs[a] = cell.value
                    case .setCell:
                        guard case .reference(let cell) = regs[a] else { throw VM.internalError("setCell") }
                        let b = Instruction.b(word)
                        cell.value = regs[b]
                        if Instruction.d(word) != 0 { regs[b] = .nil }
                    case .takeCell:
                        guard case .reference(let cell) = regs[Instruction.b(word)] else { throw VM.internalError("takeCell") }
                        let v = cell.value
                        cell.value = .nil
                        regs[a] = v
                    case .getUpvalue:
                        regs[a] = upvalue(legion.frames[fi], Instruction.b(word)).value
                    case .setUpvalue:
                        let b = Instruction.b(word)
                        upvalue(legion.frames[fi], a).value = regs[b]
                        if Instruction.d(word) != 0 { regs[b] = .nil }
                    case .takeUpvalue:
                        let cell = upvalue(legion.frames[fi], Instruction.b(word))
                        let v = cell.value
                        cell.value = .nil
                        regs[a] = v
                    case .upvalueCell:
                        regs[a] = .reference(upvalue(legion.frames[fi], Instruction.b(word)))

                    // MARK: Other operators
                    case .negate:
                        if case .int(let x) = regs[Instruction.b(word)] {
                            let (r, o) = Int(0).subtractingReportingOverflow(x)
                            if _slowPath(o) { throw Operators.overflowError("-") }
                            (regs + a).storeScalar(.int(r))
                        } else {
                            regs[a] = try Operators.negate(regs[Instruction.b(word)])
                        }
                    case .not:
                        if case .bool(let x) = regs[Instruction.b(word)] { regs[a] = .bool(!x) }
                        else { regs[a] = try Operators.not(regs[Instruction.b(word)]) }
                    case .bitAnd:
                        regs[a] = try Operators.bitAnd(regs[Instruction.b(word)], regs[Instruction.c(word)])
                    case .bitOr:
                        regs[a] = try Operators.bitOr(regs[Instruction.b(word)], regs[Instruction.c(word)])
                    case .bitXor:
                        regs[a] = try Operators.bitXor(regs[Instruction.b(word)], regs[Instruction.c(word)])
                    case .shiftLeft:
                        regs[a] = try Operators.shiftLeft(regs[Instruction.b(word)], regs[Instruction.c(word)])
                    case .shiftRight:
                        regs[a] = try Operators.shiftRight(regs[Instruction.b(word)], regs[Instruction.c(word)])
                    case .cast:
                        regs[a] = try Conversions.cast(regs[Instruction.b(word)], to: castTargets[Instruction.c(word)])

                    // MARK: Builtins
                    case .callBuiltin:
                        let f = builtinFunctions[Instruction.c(word)]
                        let nargs = Instruction.b(word)
                        if f.isHandledByVM {
                            switch try schedulingBuiltin(f, args: regs + a + 1, count: nargs, legion: legion) {
                            case .value(let v):
                                regs[a] = v
                            case .yield:
                                regs[a] = .unit
                                legion.frames[fi].pc = VM.pc(ip, in: current)
                                return .yielded
                            case .block(let reason):
                                legion.blockedAtPC = VM.pc(ip, in: current) - 1
                                legion.frames[fi].pc = legion.blockedAtPC
                                return .blocked(reason)
                            }
                        } else {
                            regs[a] = try Builtins.call(f, UnsafeBufferPointer(start: regs + a + 1, count: nargs), context)
                        }
                        VM.clear(regs + a + 1, count: nargs)
                    case .callConstructor:
                        let c = builtinConstructors[Instruction.c(word)]
                        regs[a] = try Constructors.call(c, UnsafeBufferPointer(start: regs + a + 1, count: Instruction.b(word)))
                        VM.clear(regs + a + 1, count: Instruction.b(word))

                    // MARK: Aggregates
                    case .newList:
                        let b = Instruction.b(word), n = Instruction.c(word)
                        regs[a] = .list(ListBox(Array(UnsafeBufferPointer(start: regs + b, count: n))))
                    case .newListRepeat:
                        guard case .int(let n) = regs[Instruction.c(word)].dereferenced, n >= 0 else {
                            throw RuntimeError("the count of `[value; count]` must be a non-negative int, got \(Printer.excerpt(regs[Instruction.c(word)]))")
                        }
                        guard n <= VM.maxListLength else {
                            throw RuntimeError("the count of `[value; count]` is too large: \(n) (at most \(VM.maxListLength))")
                        }
                        regs[a] = .list(ListBox(Array(repeating: regs[Instruction.b(word)], count: n)))
                    case .newTuple:
                        let b = Instruction.b(word), n = Instruction.c(word)
                        regs[a] = .tuple(TupleBox(Array(UnsafeBufferPointer(start: regs + b, count: n))))
                    case .newRecord:
                        let type = program.structTypes[Instruction.c(word)]
                        let b = Instruction.b(word)
                        regs[a] = .record(RecordBox(type: type, fields: Array(UnsafeBufferPointer(start: regs + b, count: type.fieldNames.count))))
                    case .newVariant:
                        let (e, tag) = program.compiled.variants[Instruction.c(word)]
                        let type = program.enumTypes[e]
                        let b = Instruction.b(word)
                        regs[a] = .variant(VariantBox(type: type, tag: tag,
                                                      payload: Array(UnsafeBufferPointer(start: regs + b, count: type.variantArity[tag]))))
                    case .newRange:
                        regs[a] = try VM.makeRange(regs[Instruction.b(word)], regs[Instruction.c(word)], flags: Instruction.d(word))
                    case .getField:
                        // Inline cache hit: the struct's type id matches the site's entry.
                        if case .record(let box) = regs[Instruction.b(word)] {
                            let entry = mal_load_relaxed_u64(current._withUnsafeGuaranteedRef { $0.caches + Instruction.c(word) })
                            if entry >> 32 == UInt64(truncatingIfNeeded: box.type.typeID) {
                                regs[a] = box.fields[Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)]
                                continue
                            }
                        }
                        regs[a] = try getField(regs[Instruction.b(word)], site: Instruction.c(word), in: current)
                    case .setField:
                        let c = Instruction.c(word)
                        try setField(regs + a, site: Instruction.b(word), value: regs[c], in: current)
                        if Instruction.d(word) != 0 { regs[c] = .nil }
                    case .takeField:
                        regs[a] = try takeField(regs + Instruction.b(word), site: Instruction.c(word), in: current)
                    case .getTupleField:
                        regs[a] = try VM.tupleField(regs[Instruction.b(word)], Instruction.c(word))
                    case .setTupleField:
                        let c = Instruction.c(word)
                        try VM.setTupleField(regs + a, Instruction.b(word), value: regs[c])
                        if Instruction.d(word) != 0 { regs[c] = .nil }
                    case .takeTupleField:
                        regs[a] = try VM.takeTupleField(regs + Instruction.b(word), Instruction.c(word))
                    case .getIndex:
                        if case .list(let box) = regs[Instruction.b(word)], case .int(let i) = regs[Instruction.c(word)],
                           i >= 0 && i < box.items.count {
                            regs[a] = box.items[i]
                        } else {
                            regs[a] = try Operators.index(regs[Instruction.b(word)], regs[Instruction.c(word)])
                        }
                    case .setIndex:
                        let c = Instruction.c(word)
                        try Operators.setIndex(&regs[a], regs[Instruction.b(word)], regs[c])
                        if Instruction.d(word) != 0 { regs[c] = .nil }
                    case .takeIndex:
                        regs[a] = try VM.takeIndex(regs + Instruction.b(word), regs[Instruction.c(word)])

                    // MARK: References
                    case .makeReference:
                        regs[a] = .reference(ReferenceBox(regs[Instruction.b(word)]))
                    case .dereference:
                        // A method's `self` is the value itself, not a reference to it, so `*self`
                        // (and `*x` of any plain value) reads the value.
                        if case .reference(let cell) = regs[Instruction.b(word)] {
                            regs[a] = cell.value
                        } else {
                            regs[a] = regs[Instruction.b(word)]
                        }
                    case .storeThroughReference:
                        // `*self = v` in a `&mut self` method: `self` holds the value itself.
                        if case .reference(let cell) = regs[a] {
                            cell.value = regs[Instruction.b(word)]
                        } else {
                            regs[a] = regs[Instruction.b(word)]
                        }

                    // MARK: Iteration
                    case .forRangePrep:
                        try VM.prepareRange(regs + a, inclusive: Instruction.b(word) != 0)
                    case .forRangeNext:
                        if case .int(let i) = regs[a], case .int(let limit) = regs[a + 1], i < limit {
                            (regs + a + 2).storeScalar(.int(i))
                            (regs + a).storeScalar(.int(i &+ 1))
                        } else {
                            ip += Instruction.sBx(word)
                        }
                    case .iterPrep:
                        regs[a] = regs[Instruction.b(word)].dereferenced
                        regs[a + 1] = .int(0)
                    case .iterNext:
                        switch try iterate(regs + a, legion: legion) {
                        case .item: break
                        case .done: ip += Instruction.sBx(word)
                        case .block(let reason):
                            legion.blockedAtPC = VM.pc(ip, in: current) - 1
                            legion.frames[fi].pc = legion.blockedAtPC
                            return .blocked(reason)
                        }

                    // MARK: Patterns
                    case .testVariant:
                        let (typeID, tag) = program.variantTypes[Instruction.c(word)]
                        if case .variant(let box) = regs[Instruction.b(word)].dereferenced {
                            regs[a] = .bool(box.type.typeID == typeID && box.tag == tag)
                        } else {
                            regs[a] = .bool(false)
                        }
                    case .getPayload:
                        guard case .variant(let box) = regs[Instruction.b(word)].dereferenced,
                              Instruction.c(word) < box.payload.count else { throw VM.internalError("getPayload") }
                        regs[a] = box.payload[Instruction.c(word)]
                    case .testTuple:
                        if case .tuple(let box) = regs[Instruction.b(word)].dereferenced {
                            regs[a] = .bool(box.items.count == Instruction.c(word))
                        } else {
                            regs[a] = .bool(false)
                        }
                    case .testRecord:
                        if case .record(let box) = regs[Instruction.b(word)].dereferenced {
                            regs[a] = .bool(box.type === program.structTypes[Instruction.c(word)])
                        } else {
                            regs[a] = .bool(false)
                        }
                    case .noMatch:
                        let line = current._withUnsafeGuaranteedRef { $0.line(at: VM.pc(ip, in: current) - 1) }
                        let file = current._withUnsafeGuaranteedRef { sources.file($0.proto.file)?.name ?? "<unknown>" }
                        throw RuntimeError("no match arm matched value \(Printer.excerpt(regs[a])) at \(file):\(line)")

                    // MARK: Legions and channels
                    case .spawn:
                        try spawn(regs + a, count: Instruction.b(word), parent: legion)
                        VM.clear(regs + a, count: Instruction.b(word) + 1)
                    case .makeChannel:
                        guard case .int(let n) = regs[Instruction.b(word)].dereferenced, n >= 0 else {
                            throw RuntimeError("a channel's buffer size must be a non-negative int, got \(Printer.excerpt(regs[Instruction.b(word)]))")
                        }
                        regs[a] = .channel(ChannelBox(capacity: n))
                    case .send:
                        if let reason = try send(regs + a, regs + Instruction.b(word), legion: legion) {
                            legion.blockedAtPC = VM.pc(ip, in: current) - 1
                            legion.frames[fi].pc = legion.blockedAtPC
                            return .blocked(reason)
                        }
                    case .receive:
                        if let reason = try receive(regs + Instruction.b(word), into: regs + a, legion: legion) {
                            legion.blockedAtPC = VM.pc(ip, in: current) - 1
                            legion.frames[fi].pc = legion.blockedAtPC
                            return .blocked(reason)
                        }
                    case .select:
                        let table = current._withUnsafeGuaranteedRef { $0.proto.selectTables[Int(truncatingIfNeeded: { () -> Int in
                            if case .int(let i) = k[Instruction.c(word)] { return i }
                            return 0
                        }())] }
                        if let reason = try select(table, hasDefault: Instruction.b(word) != 0, result: regs + a, regs: regs, legion: legion) {
                            legion.blockedAtPC = VM.pc(ip, in: current) - 1
                            legion.frames[fi].pc = legion.blockedAtPC
                            return .blocked(reason)
                        }
                    }
                }
            } catch let error as RuntimeError {
                legion.frames[fi].pc = VM.pc(ip, in: current)
                return .failed(failure(error, legion: legion))
            } catch let overflow as StackOverflow {
                legion.frames[fi - 1].pc = VM.pc(ip, in: current)
                legion.frameCount = fi
                var f = failure(RuntimeError("stack overflow: more than \(overflow.depth) nested calls"), legion: legion)
                f.isStackOverflow = true
                return .failed(f)
            } catch {
                legion.frames[fi].pc = VM.pc(ip, in: current)
                return .failed(failure(RuntimeError("\(error)"), legion: legion))
            }
        }
    }

    // MARK: - Frames

    struct StackOverflow: Error { let depth: Int }

    /// The index in `code`'s instructions of the one `ip` points at: what a saved frame
    /// records, so a legion can resume on any thread.
    @inline(__always)
    static func pc(_ ip: UnsafeMutablePointer<UInt64>, in code: Unmanaged<CodeObject>) -> Int {
        // `ip` never precedes the code's start, so an unsigned shift divides by the word
        // size (`distance(to:)` would emit a signed division's fix-up on every call).
        let start = code._withUnsafeGuaranteedRef { $0.code }
        return Int(bitPattern: (UInt(bitPattern: ip) &- UInt(bitPattern: start)) &>> 3)
    }

    /// The longest list `[value; count]` may build (larger requests are runtime errors,
    /// not allocation failures).
    static let maxListLength = 1 << 28

    /// Grows the frame buffer, or fails with a stack overflow past the depth limit.
    /// Sets `count` registers to nil (the argument registers of a finished builtin call).
    @inline(__always)
    static func clear(_ registers: UnsafeMutablePointer<Value>, count: Int) {
        var i = 0
        while i < count { (registers + i).store(.nil); i &+= 1 }
    }

    /// Pushes a frame for `callee` (saving the caller's pc first), growing the VM stack
    /// and the frame buffer as needed. The caller re-derives its register pointer from
    /// `legion.stack` afterwards (the stack may have moved).
    @inline(__always)
    private func pushFrame(_ legion: LegionState, _ fi: inout Int, callerPC: Int, callee: Unmanaged<CodeObject>,
                           closure: Unmanaged<ClosureBox>?, base: Int, resultSlot: Int, flags: FrameFlags) throws {
        legion.frames[fi].pc = callerPC
        let registerCount = callee._withUnsafeGuaranteedRef { $0.registerCount }
        if _slowPath(base &+ registerCount > legion.stackCapacity) {
            // A frame records stack indices in 32 bits: a stack that deep is an overflow.
            if base + registerCount > Frame.maxStackIndex { throw StackOverflow(depth: fi + 1) }
            legion.growStack(toHold: base + registerCount)
        }
        fi &+= 1
        if _slowPath(fi >= legion.frameCapacity) { try growFrames(legion, depth: fi) }
        (legion.frames + fi).initialize(to: Frame(code: callee, closure: closure, pc: 0, base: base,
                                                  resultSlot: resultSlot, flags: flags))
        legion.frameCount = fi &+ 1
    }

    /// The frame buffer never grows past `maxDepth` frames, so reaching its end at the
    /// limit is what detects the overflow: the call path tests one bound, not two.
    private func growFrames(_ legion: LegionState, depth: Int) throws {
        if depth >= maxDepth { throw StackOverflow(depth: maxDepth) }
        if depth >= legion.frameCapacity { legion.growFrames(limit: maxDepth) }
    }

    @inline(__always)
    private func upvalue(_ frame: Frame, _ index: Int) -> ReferenceBox {
        frame.closure!._withUnsafeGuaranteedRef { $0.upvalues[index] }
    }

    private func makeClosure(_ index: Int, regs: UnsafeMutablePointer<Value>, frame: Frame) -> Value {
        let code = program.codes[index]
        var cells: [ReferenceBox] = []
        cells.reserveCapacity(code.proto.upvalues.count)
        for source in code.proto.upvalues {
            switch source {
            case .parentRegister(let r):
                if case .reference(let cell) = regs[r] { cells.append(cell) } else { cells.append(ReferenceBox(regs[r])) }
            case .parentUpvalue(let i):
                cells.append(upvalue(frame, i))
            case .copyOfRegister(let r):
                cells.append(ReferenceBox(regs[r]))
            case .copyOfCell(let r):
                if case .reference(let cell) = regs[r] { cells.append(ReferenceBox(cell.value)) } else { cells.append(ReferenceBox(regs[r])) }
            case .copyOfUpvalue(let i):
                cells.append(ReferenceBox(upvalue(frame, i).value))
            }
        }
        return .function(ClosureBox(code: code, upvalues: cells))
    }

    // MARK: - Errors

    static func arityError(_ code: CodeObject, _ supplied: Int, dotCall: Bool = false) -> RuntimeError {
        var expected = code.arity
        var given = supplied
        if dotCall { expected -= 1; given -= 1 }
        return RuntimeError("function `\(code.proto.name)` takes \(expected) argument\(expected == 1 ? "" : "s") but \(given) \(given == 1 ? "was" : "were") supplied")
    }

    static func notABool(_ v: Value) -> RuntimeError {
        RuntimeError("expected a bool in a condition, got \(v.typeName) \(Printer.excerpt(v))")
    }

    static func internalError(_ what: String) -> RuntimeError {
        RuntimeError("internal error: malformed bytecode at `\(what)`")
    }

    /// Adds the legion id and the trace to an error.
    func failure(_ error: RuntimeError, legion: LegionState) -> RuntimeFailure {
        var trace: [(String, String, Int)] = []
        var i = legion.frameCount - 1
        while i >= 0 {
            let f = legion.frames[i]
            let code = f.code.takeUnretainedValue()
            // The top frame stopped at the failing instruction (pc past it); frames below
            // are suspended past their call instruction.
            let pc = max(f.pc - 1, 0)
            trace.append((code.proto.name, sources.file(code.proto.file)?.name ?? "<unknown>", code.line(at: pc)))
            i -= 1
        }
        return RuntimeFailure(error: error, legionID: legion.id, trace: trace)
    }

    /// Where a blocked legion waits, for deadlock reports: `file:line`.
    func blockedLocation(_ legion: LegionState) -> String {
        guard legion.frameCount > 0 else { return "<finished>" }
        let f = legion.frames[legion.frameCount - 1]
        let code = f.code.takeUnretainedValue()
        return "\(sources.file(code.proto.file)?.name ?? "<unknown>"):\(code.line(at: legion.blockedAtPC))"
    }
}
