// The Malphas instruction set: the single source of truth that the compiler, the VM and
// the disassembler all read (Lua's lopcodes.h is the model).
//
// An instruction is one 64-bit word:
//
//     bits  0..7    opcode
//     bits  8..23   A   (16 bits: a register, usually the destination)
//     bits 24..39   B   (16 bits)
//     bits 40..55   C   (16 bits)
//     bits 56..63   D   (8 bits: small flags, e.g. "write the receiver back")
//     bits 24..55   Bx  (32 bits, unsigned) or sBx (32 bits, signed), overlapping B and C
//
// R[n] is register n of the current frame, K[n] constant n of the current function,
// U[n] upvalue n of the current closure (a cell shared with the enclosing function),
// G[n] global slot n of the running legion (each has its own copy), F[n] function n of
// the program, S[n] member site n of the current function (a field or method name with
// its inline cache). Jumps are relative to the instruction after the jump.

/// How an instruction's operand bits are read.
public enum OperandFormat: Sendable {
    case none
    case a
    case ab
    case abc
    case abx
    case asbx
    case sbx
}

/// One opcode. The raw value is the low byte of the instruction word.
public enum Opcode: UInt8, CaseIterable, Sendable {
    // Moves, constants and variables.
    case move
    case take
    case loadConst
    case loadInt
    case loadNil
    case loadUnit
    case loadBool
    case loadFunction
    case closure
    case getGlobal
    case setGlobal
    case takeGlobal
    case newCell
    case getCell
    case setCell
    case takeCell
    case getUpvalue
    case setUpvalue
    case takeUpvalue
    case upvalueCell

    // Arithmetic, comparison, logic.
    case add
    case subtract
    case multiply
    case divide
    case remainder
    case addConst
    case subtractConst
    case multiplyConst
    case divideConst
    case remainderConst
    case addFloat
    case subtractFloat
    case multiplyFloat
    case divideFloat
    case negate
    case not
    case bitAnd
    case bitOr
    case bitXor
    case shiftLeft
    case shiftRight
    case equal
    case notEqual
    case less
    case lessEqual
    case equalConst
    case cast

    // Control flow.
    case jump
    case jumpIfFalse
    case jumpIfTrue
    case jumpIfNotLess
    case jumpIfNotLessEqual
    case jumpIfNotLessConst
    case jumpIfNotLessEqualConst
    case jumpIfNotGreaterConst
    case jumpIfNotGreaterEqualConst
    case loopIfLess
    case loopIfLessEqual
    case loopIfLessConst
    case loopIfLessEqualConst
    case loopIfGreaterConst
    case loopIfGreaterEqualConst
    case loopBack
    case safePoint

    // Calls.
    case call
    case callFunction
    case callMethod
    case callBuiltin
    case callConstructor
    case returnValue
    case returnUnit

    // Aggregates.
    case newList
    case newListRepeat
    case newTuple
    case newRecord
    case newVariant
    case newRange
    case getField
    case setField
    case takeField
    case getTupleField
    case setTupleField
    case takeTupleField
    case getIndex
    case setIndex
    case takeIndex

    // References.
    case makeReference
    case dereference
    case storeThroughReference

    // Iteration.
    case forRangePrep
    case forRangeNext
    case iterPrep
    case iterNext

    // Pattern matching.
    case testVariant
    case getPayload
    case testTuple
    case testRecord
    case noMatch

    // Legions and channels.
    case spawn
    case makeChannel
    case send
    case receive
    case select

    /// How the operand bits are read.
    public var format: OperandFormat { Opcode.table[Int(rawValue)].format }

    /// What the instruction does to registers, in one line (docs/BYTECODE.md repeats it).
    public var summary: String { Opcode.table[Int(rawValue)].summary }

    /// True for the compare-and-jump instructions whose offset is the signed C operand.
    public var hasShortJump: Bool {
        switch self {
        case .jumpIfNotLess, .jumpIfNotLessEqual, .jumpIfNotLessConst, .jumpIfNotLessEqualConst,
             .jumpIfNotGreaterConst, .jumpIfNotGreaterEqualConst,
             .loopIfLess, .loopIfLessEqual, .loopIfLessConst, .loopIfLessEqualConst,
             .loopIfGreaterConst, .loopIfGreaterEqualConst: return true
        default: return false
        }
    }

    /// The bottom test of a `while` loop for a condition whose exit test is `self`: the
    /// instruction that jumps back while the comparison holds (nil for other opcodes).
    public var loopForm: Opcode? {
        switch self {
        case .jumpIfNotLess: return .loopIfLess
        case .jumpIfNotLessEqual: return .loopIfLessEqual
        case .jumpIfNotLessConst: return .loopIfLessConst
        case .jumpIfNotLessEqualConst: return .loopIfLessEqualConst
        case .jumpIfNotGreaterConst: return .loopIfGreaterConst
        case .jumpIfNotGreaterEqualConst: return .loopIfGreaterEqualConst
        default: return nil
        }
    }

    /// The name the disassembler prints.
    public var mnemonic: String { String(describing: self) }

    private static let table: [(format: OperandFormat, summary: String)] = Opcode.allCases.map(describe)

    private static func describe(_ op: Opcode) -> (format: OperandFormat, summary: String) {
        switch op {
        case .move: return (.ab, "R[A] := R[B]")
        case .take: return (.ab, "R[A] := R[B]; R[B] := nil (a move, so R[A] holds the only reference)")
        case .loadConst: return (.abx, "R[A] := K[Bx]")
        case .loadInt: return (.asbx, "R[A] := sBx")
        case .loadNil: return (.a, "R[A] := nil")
        case .loadUnit: return (.a, "R[A] := ()")
        case .loadBool: return (.ab, "R[A] := (B != 0)")
        case .loadFunction: return (.abx, "R[A] := F[Bx] as a function value")
        case .closure: return (.abx, "R[A] := a closure of F[Bx] capturing the cells its upvalue list names")
        case .getGlobal: return (.abx, "R[A] := G[Bx]")
        case .setGlobal: return (.abx, "G[Bx] := R[A] (D=1: and R[A] := nil, a move)")
        case .takeGlobal: return (.abx, "R[A] := G[Bx]; G[Bx] := nil")
        case .newCell: return (.ab, "R[A] := a new cell holding R[B]")
        case .getCell: return (.ab, "R[A] := cell(R[B]).value")
        case .setCell: return (.ab, "cell(R[A]).value := R[B] (D=1: and R[B] := nil, a move)")
        case .takeCell: return (.ab, "R[A] := cell(R[B]).value; cell(R[B]).value := nil")
        case .getUpvalue: return (.ab, "R[A] := U[B].value")
        case .setUpvalue: return (.ab, "U[A].value := R[B] (D=1: and R[B] := nil, a move)")
        case .takeUpvalue: return (.ab, "R[A] := U[B].value; U[B].value := nil")
        case .upvalueCell: return (.ab, "R[A] := U[B] (the cell itself, as a reference)")
        case .add: return (.abc, "R[A] := R[B] + R[C]")
        case .subtract: return (.abc, "R[A] := R[B] - R[C]")
        case .multiply: return (.abc, "R[A] := R[B] * R[C]")
        case .divide: return (.abc, "R[A] := R[B] / R[C]")
        case .remainder: return (.abc, "R[A] := R[B] % R[C]")
        case .addConst: return (.abc, "R[A] := R[B] + K[C]")
        case .subtractConst: return (.abc, "R[A] := R[B] - K[C]")
        case .multiplyConst: return (.abc, "R[A] := R[B] * K[C]")
        case .divideConst: return (.abc, "R[A] := R[B] / K[C]")
        case .remainderConst: return (.abc, "R[A] := R[B] % K[C]")
        case .addFloat: return (.abc, "R[A] := R[B] + R[C], both statically float (float tested first)")
        case .subtractFloat: return (.abc, "R[A] := R[B] - R[C], both statically float (float tested first)")
        case .multiplyFloat: return (.abc, "R[A] := R[B] * R[C], both statically float (float tested first)")
        case .divideFloat: return (.abc, "R[A] := R[B] / R[C], both statically float (float tested first)")
        case .negate: return (.ab, "R[A] := -R[B]")
        case .not: return (.ab, "R[A] := !R[B]")
        case .bitAnd: return (.abc, "R[A] := R[B] & R[C]")
        case .bitOr: return (.abc, "R[A] := R[B] | R[C]")
        case .bitXor: return (.abc, "R[A] := R[B] ^ R[C]")
        case .shiftLeft: return (.abc, "R[A] := R[B] << R[C]")
        case .shiftRight: return (.abc, "R[A] := R[B] >> R[C]")
        case .equal: return (.abc, "R[A] := R[B] == R[C]")
        case .notEqual: return (.abc, "R[A] := R[B] != R[C]")
        case .less: return (.abc, "R[A] := R[B] < R[C]")
        case .lessEqual: return (.abc, "R[A] := R[B] <= R[C]")
        case .equalConst: return (.abc, "R[A] := R[B] == K[C]")
        case .cast: return (.abc, "R[A] := R[B] as type C (a CastTarget)")
        case .jump: return (.sbx, "pc += sBx")
        case .jumpIfFalse: return (.asbx, "if !R[A] then pc += sBx (R[A] must be a bool)")
        case .jumpIfTrue: return (.asbx, "if R[A] then pc += sBx (R[A] must be a bool)")
        case .jumpIfNotLess: return (.abc, "if !(R[A] < R[B]) then pc += sC (C read as signed)")
        case .jumpIfNotLessEqual: return (.abc, "if !(R[A] <= R[B]) then pc += sC (C read as signed)")
        case .jumpIfNotLessConst: return (.abc, "if !(R[A] < K[B]) then pc += sC")
        case .jumpIfNotLessEqualConst: return (.abc, "if !(R[A] <= K[B]) then pc += sC")
        case .jumpIfNotGreaterConst: return (.abc, "if !(R[A] > K[B]) then pc += sC")
        case .jumpIfNotGreaterEqualConst: return (.abc, "if !(R[A] >= K[B]) then pc += sC")
        case .loopIfLess: return (.abc, "if R[A] < R[B] then pc += sC and (D=1) a safe point (a loop's bottom test)")
        case .loopIfLessEqual: return (.abc, "if R[A] <= R[B] then pc += sC and (D=1) a safe point (a loop's bottom test)")
        case .loopIfLessConst: return (.abc, "if R[A] < K[B] then pc += sC and (D=1) a safe point (a loop's bottom test)")
        case .loopIfLessEqualConst: return (.abc, "if R[A] <= K[B] then pc += sC and (D=1) a safe point (a loop's bottom test)")
        case .loopIfGreaterConst: return (.abc, "if R[A] > K[B] then pc += sC and (D=1) a safe point (a loop's bottom test)")
        case .loopIfGreaterEqualConst: return (.abc, "if R[A] >= K[B] then pc += sC and (D=1) a safe point (a loop's bottom test)")
        case .loopBack: return (.sbx, "safe point, then pc += sBx (a loop's back edge)")
        case .safePoint: return (.none, "safe point: yield to the scheduler if the preempt flag is set")
        case .call: return (.ab, "R[A] := R[A](R[A+1], ..., R[A+B])")
        case .callFunction: return (.abc, "R[A] := F[C](R[A+1], ..., R[A+B])")
        case .callMethod: return (.abc, "R[A] := R[A+1].S[C](R[A+2], ..., R[A+1+B]); D=1 keeps the receiver in R[A+1] for write-back")
        case .callBuiltin: return (.abc, "R[A] := builtin function C(R[A+1], ..., R[A+B])")
        case .callConstructor: return (.abc, "R[A] := builtin constructor C(R[A+1], ..., R[A+B])")
        case .returnValue: return (.a, "return R[A] to the caller's R[base-1]")
        case .returnUnit: return (.none, "return ()")
        case .newList: return (.abc, "R[A] := [R[B], ..., R[B+C-1]]")
        case .newListRepeat: return (.abc, "R[A] := [R[B]; R[C]]")
        case .newTuple: return (.abc, "R[A] := (R[B], ..., R[B+C-1])")
        case .newRecord: return (.abc, "R[A] := struct type C with fields R[B], ... in declaration order")
        case .newVariant: return (.abc, "R[A] := variant C with payload R[B], ...")
        case .newRange: return (.abc, "R[A] := R[B]..R[C] (D bit 0: inclusive; bit 1: no lower; bit 2: no upper)")
        case .getField: return (.abc, "R[A] := R[B].S[C]")
        case .setField: return (.abc, "R[A].S[B] := R[C] (D=1: and R[C] := nil, a move)")
        case .takeField: return (.abc, "R[A] := R[B].S[C], moved out of the (made unique) struct in R[B]")
        case .getTupleField: return (.abc, "R[A] := R[B].C")
        case .setTupleField: return (.abc, "R[A].B := R[C] (D=1: and R[C] := nil, a move)")
        case .takeTupleField: return (.abc, "R[A] := R[B].C, moved out of the (made unique) tuple in R[B]")
        case .getIndex: return (.abc, "R[A] := R[B][R[C]] (a range index slices)")
        case .setIndex: return (.abc, "R[A][R[B]] := R[C] (D=1: and R[C] := nil, a move)")
        case .takeIndex: return (.abc, "R[A] := R[B][R[C]], moved out of the (made unique) list or map in R[B]")
        case .makeReference: return (.ab, "R[A] := a reference to a new cell holding R[B] (for & of a temporary)")
        case .dereference: return (.ab, "R[A] := *R[B]")
        case .storeThroughReference: return (.ab, "*R[A] := R[B]")
        case .forRangePrep: return (.ab, "check R[A], R[A+1] are ints; B=1: make the upper bound R[A+1] exclusive")
        case .forRangeNext: return (.asbx, "if R[A] < R[A+1] then R[A+2] := R[A]; R[A] += 1 else pc += sBx")
        case .iterPrep: return (.ab, "R[A] := the iterable R[B] (dereferenced); R[A+1] := 0")
        case .iterNext: return (.asbx, "R[A+2] := next item of R[A] at position R[A+1] (advancing it), else pc += sBx; may block on a channel")
        case .testVariant: return (.abc, "R[A] := R[B] is variant C")
        case .getPayload: return (.abc, "R[A] := payload C of the variant in R[B]")
        case .testTuple: return (.abc, "R[A] := R[B] is a tuple of C items")
        case .testRecord: return (.abc, "R[A] := R[B] is a struct of type C")
        case .noMatch: return (.a, "runtime error: no match arm matched value R[A]")
        case .spawn: return (.ab, "start a legion running R[A](R[A+1], ..., R[A+B]) on copies of the arguments")
        case .makeChannel: return (.ab, "R[A] := a new channel with buffer capacity R[B]")
        case .send: return (.ab, "send R[B] on channel R[A]; may block")
        case .receive: return (.ab, "R[A] := receive from channel R[B] (nil once closed and drained); may block")
        case .select: return (.abc, "wait for one of select table K[C]'s cases; R[A] := its index, R[A+1] := value received; B=1: has default")
        }
    }
}

/// Encoding and decoding of instruction words. Every field is masked, never trapped on.
public enum Instruction {
    public static func make(_ op: Opcode, a: Int = 0, b: Int = 0, c: Int = 0, d: Int = 0) -> UInt64 {
        UInt64(op.rawValue)
            | (UInt64(UInt16(truncatingIfNeeded: a)) << 8)
            | (UInt64(UInt16(truncatingIfNeeded: b)) << 24)
            | (UInt64(UInt16(truncatingIfNeeded: c)) << 40)
            | (UInt64(UInt8(truncatingIfNeeded: d)) << 56)
    }

    public static func make(_ op: Opcode, a: Int = 0, bx: Int, d: Int = 0) -> UInt64 {
        UInt64(op.rawValue)
            | (UInt64(UInt16(truncatingIfNeeded: a)) << 8)
            | (UInt64(UInt32(truncatingIfNeeded: bx)) << 24)
            | (UInt64(UInt8(truncatingIfNeeded: d)) << 56)
    }

    @inline(__always) public static func opcode(_ w: UInt64) -> Opcode {
        // Every word is produced by `make` from a real opcode, so the byte is always valid.
        unsafeBitCast(UInt8(truncatingIfNeeded: w), to: Opcode.self)
    }
    @inline(__always) public static func a(_ w: UInt64) -> Int { Int(truncatingIfNeeded: (w >> 8) & 0xFFFF) }
    @inline(__always) public static func b(_ w: UInt64) -> Int { Int(truncatingIfNeeded: (w >> 24) & 0xFFFF) }
    @inline(__always) public static func c(_ w: UInt64) -> Int { Int(truncatingIfNeeded: (w >> 40) & 0xFFFF) }
    @inline(__always) public static func sC(_ w: UInt64) -> Int { Int(Int16(truncatingIfNeeded: w >> 40)) }
    @inline(__always) public static func d(_ w: UInt64) -> Int { Int(truncatingIfNeeded: w >> 56) }
    @inline(__always) public static func bx(_ w: UInt64) -> Int { Int(truncatingIfNeeded: (w >> 24) & 0xFFFF_FFFF) }
    @inline(__always) public static func sBx(_ w: UInt64) -> Int { Int(Int32(truncatingIfNeeded: w >> 24)) }

    /// Registers, constants and sites are 16-bit operands.
    public static let maxOperand = 0xFFFF
    /// The range of a signed 16-bit jump offset (`jumpIfNotLess`).
    public static let shortJumpRange = Int(Int16.min)...Int(Int16.max)
}
