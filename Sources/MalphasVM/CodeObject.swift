import MalphasCompiler

/// A function ready to run: its instructions, constants and inline caches in flat
/// buffers the dispatch loop reads through pointers. One per `FunctionProto`, created when
/// the program is loaded and kept for the program's life, so frames refer to it unretained.
public final class CodeObject {
    public let proto: FunctionProto
    let code: UnsafeMutablePointer<UInt64>
    let constants: UnsafeMutablePointer<Value>
    /// One inline cache per member site (`S[n]`): 0 when empty, else the receiver's type
    /// id in the high 32 bits and what the name meant for it in the low 32 bits (a field
    /// index, or a method's function index). One aligned word, so a cache read racing a
    /// write on another worker sees either the old or the new entry, never a mix (aligned
    /// 8-byte loads and stores are single-copy atomic on x86-64 and AArch64). Nothing in
    /// it is a reference, so no retain or release can race.
    let caches: UnsafeMutablePointer<UInt64>
    let registerCount: Int
    let arity: Int
    let hasReceiver: Bool
    /// Where a call starts: past the entry safe point (the call instruction checks the
    /// preempt flag itself), or 0 when safe points are compiled out.
    let entryPC: Int
    /// The function as a value (`let f = add;`): a closure without upvalues.
    private(set) var value: Value = .nil

    init(proto: FunctionProto) {
        self.proto = proto
        code = .allocate(capacity: max(proto.code.count, 1))
        code.initialize(from: proto.code, count: proto.code.count)
        constants = .allocate(capacity: max(proto.constants.count, 1))
        constants.initialize(repeating: .nil, count: max(proto.constants.count, 1))
        caches = .allocate(capacity: max(proto.sites.count, 1))
        caches.initialize(repeating: 0, count: max(proto.sites.count, 1))
        registerCount = proto.registerCount
        arity = proto.arity
        hasReceiver = proto.hasReceiver
        entryPC = proto.code.first.map { Instruction.opcode($0) == .safePoint } == true ? 1 : 0
    }

    func makeValue() {
        value = .function(ClosureBox(code: self, upvalues: []))
    }

    /// Breaks the reference cycles a loaded program has (code -> its function value ->
    /// code; code -> constant unit variant -> enum type -> method -> code).
    func tearDown() {
        value = .nil
        for i in 0..<max(proto.constants.count, 1) { constants[i] = .nil }
        for i in 0..<max(proto.sites.count, 1) { caches[i] = 0 }
    }

    deinit {
        code.deallocate()
        constants.deinitialize(count: max(proto.constants.count, 1))
        constants.deallocate()
        caches.deallocate()
    }

    /// The source line of the instruction at `pc`.
    func line(at pc: Int) -> Int {
        guard pc >= 0 && pc < proto.lines.count else { return proto.line }
        return Int(proto.lines[pc])
    }
}

/// A closure or a named function: code plus the cells it captured.
public final class ClosureBox {
    let code: CodeObject
    /// Captured variables, shared with the enclosing function (spawned blocks hold copies).
    var upvalues: [ReferenceBox]
    /// The name printed for the function (`<fn add>`) and in traces.
    public var name: String { code.proto.name }

    init(code: CodeObject, upvalues: [ReferenceBox]) {
        self.code = code
        self.upvalues = upvalues
    }

    // A closure capturing a closure capturing a closure... is released by a loop
    // (Library/Release.swift).
    deinit {
        if upvalues.contains(where: { $0.value.nestsIndirectly }) {
            var items = upvalues.map { Value.reference($0) }
            upvalues = []
            Value.releaseIteratively(&items)
        }
    }
}

/// A builtin function used as a value.
public final class NativeFunctionBox {
    public let function: BuiltinFunction
    public var name: String { function.name }
    public init(_ function: BuiltinFunction) { self.function = function }
}

/// A program loaded for running: code objects, type objects and constants as values.
final class LoadedProgram {
    let compiled: CompiledProgram
    var codes: [CodeObject] = []
    /// `codes` as unretained references, for the dispatch loop.
    var codePointers: UnsafeMutablePointer<Unmanaged<CodeObject>>
    var structTypes: [StructType] = []
    var enumTypes: [EnumType] = []
    /// Methods by type id (builtin kinds first, then structs, then enums): name -> function.
    var methodTables: [[String: Int]] = []
    /// Each function's canonical closure (no upvalues), unretained: `codes` keeps them.
    var functionClosures: UnsafeMutablePointer<Unmanaged<ClosureBox>>
    /// Unit variants, built once: `Shape::Empty` is one shared box.
    var unitVariants: [Int: Value] = [:]
    /// The global slots a root legion starts with (`LegionState.globals`): nil for a
    /// program (its entry sets the constants); in a REPL session, the session variables as
    /// the last successful input left them, read and written by the REPL's thread only.
    var globals: [Value]
    /// The slots' names (the compiled program's, copied when loading: the compiler of a
    /// session appends to those while legions run).
    var globalNames: [String] = []
    /// For each variant index: its enum's type id and its tag (for `testVariant`).
    var variantTypes: [(typeID: Int, tag: Int)] = []
    /// Prelude functions the VM calls for list `map` and `filter`.
    var preludeMap: Int?
    var preludeFilter: Int?

    init(_ program: CompiledProgram) {
        compiled = program
        codePointers = .allocate(capacity: 1)
        functionClosures = .allocate(capacity: 1)
        globals = []
        load(from: 0, typesFrom: (0, 0))
    }

    /// Loads (or, for a REPL session, extends) the runtime tables from the compiled program.
    func load(from firstFunction: Int, typesFrom: (structs: Int, enums: Int)) {
        for s in compiled.structs[typesFrom.structs...] {
            structTypes.append(StructType(name: s.name, fieldNames: s.fieldNames))
        }
        for e in compiled.enums[typesFrom.enums...] {
            enumTypes.append(EnumType(name: e.name, variantNames: e.variantNames, variantArity: e.variantArity))
        }
        for proto in compiled.functions[firstFunction...] {
            let code = CodeObject(proto: proto)
            code.makeValue()
            codes.append(code)
        }
        codePointers.deallocate()
        codePointers = .allocate(capacity: max(codes.count, 1))
        functionClosures.deallocate()
        functionClosures = .allocate(capacity: max(codes.count, 1))
        for (i, c) in codes.enumerated() {
            (codePointers + i).initialize(to: Unmanaged.passUnretained(c))
            (functionClosures + i).initialize(to: Unmanaged.passUnretained(closure(forFunction: i)))
        }
        // Method tables (all of them: a REPL input may add methods to an existing type).
        methodTables = BuiltinTypeKind.allCases.map { compiled.builtinTypeMethods[$0] ?? [:] }
        for (i, s) in compiled.structs.enumerated() {
            structTypes[i].methods = s.methods.mapValues { closure(forFunction: $0) }
            structTypes[i].typeID = methodTables.count + 1
            methodTables.append(s.methods)
        }
        for (i, e) in compiled.enums.enumerated() {
            enumTypes[i].methods = e.methods.mapValues { closure(forFunction: $0) }
            enumTypes[i].typeID = methodTables.count + 1
            methodTables.append(e.methods)
        }
        for code in codes[firstFunction...] {
            for (i, k) in code.proto.constants.enumerated() { code.constants[i] = value(of: k) }
        }
        variantTypes = compiled.variants.map { (enumTypes[$0.enumIndex].typeID, $0.tag) }
        while globals.count < compiled.globalNames.count { globals.append(.nil) }
        globalNames = compiled.globalNames
        preludeMap = compiled.preludeFunctions["map"]
        preludeFilter = compiled.preludeFunctions["filter"]
    }

    func closure(forFunction index: Int) -> ClosureBox {
        if case .function(let c) = codes[index].value { return c }
        return ClosureBox(code: codes[index], upvalues: [])
    }

    func value(of k: Constant) -> Value {
        switch k {
        case .int(let v): return .int(v)
        case .float(let v): return .float(v)
        case .string(let v): return .string(StringBox(v))
        case .bool(let v): return .bool(v)
        case .nil: return .nil
        case .unit: return .unit
        case .unitVariant(let v): return unitVariant(v)
        case .selectTable(let i): return .int(i)
        }
    }

    func unitVariant(_ v: Int) -> Value {
        if let value = unitVariants[v] { return value }
        let (e, tag) = compiled.variants[v]
        let value = Value.variant(VariantBox(type: enumTypes[e], tag: tag, payload: []))
        unitVariants[v] = value
        return value
    }

    /// Releases the program's cyclic references; the program cannot run afterwards.
    func tearDown() {
        for c in codes { c.tearDown() }
        for t in structTypes { t.methods = [:] }
        for t in enumTypes { t.methods = [:] }
        unitVariants = [:]
        globals = []
    }

    deinit { codePointers.deallocate(); functionClosures.deallocate() }
}
