import MalphasSyntax

// What the compiler hands the VM: functions as bytecode with their constants, line table
// and metadata, plus the tables of struct types, enum types, variants, member names and
// global slots the bytecode refers to by index.

/// A constant operand (`K[n]`). The VM turns each into a `Value` once, when it loads the
/// program.
public enum Constant: Hashable, Sendable {
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case `nil`
    case unit
    /// A unit variant such as `Shape::Empty`, by its index in `CompiledProgram.variants`.
    case unitVariant(Int)
    /// A `select` statement's case table, by its index in the function's `selectTables`.
    case selectTable(Int)

    public static func == (l: Constant, r: Constant) -> Bool {
        switch (l, r) {
        case (.int(let a), .int(let b)): return a == b
        // Bit equality, so 0.0 and -0.0 (and NaNs) stay distinct constants.
        case (.float(let a), .float(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.nil, .nil), (.unit, .unit): return true
        case (.unitVariant(let a), .unitVariant(let b)): return a == b
        case (.selectTable(let a), .selectTable(let b)): return a == b
        default: return false
        }
    }

    public func hash(into h: inout Hasher) {
        switch self {
        case .int(let v): h.combine(0); h.combine(v)
        case .float(let v): h.combine(1); h.combine(v.bitPattern)
        case .string(let v): h.combine(2); h.combine(v)
        case .bool(let v): h.combine(3); h.combine(v)
        case .nil: h.combine(4)
        case .unit: h.combine(5)
        case .unitVariant(let v): h.combine(6); h.combine(v)
        case .selectTable(let v): h.combine(7); h.combine(v)
        }
    }
}

/// Where a closure finds one of its upvalues when it is created.
public enum UpvalueSource: Sendable, Equatable {
    /// The cell held in register `n` of the enclosing function.
    case parentRegister(Int)
    /// Upvalue `n` of the enclosing closure.
    case parentUpvalue(Int)
    /// A fresh cell holding a copy of the value in register `n` of the enclosing function
    /// (spawned blocks copy what they capture: legions share nothing).
    case copyOfRegister(Int)
    /// A fresh cell holding a copy of the value in the enclosing function's cell in
    /// register `n`.
    case copyOfCell(Int)
    /// A fresh cell holding a copy of upvalue `n` of the enclosing closure.
    case copyOfUpvalue(Int)
}

/// A field or method name used at one instruction, with its inline cache slot (`S[n]`).
public struct MemberSite: Sendable {
    /// The field or method name.
    public var name: String
    /// For method sites: the builtin method of that name, if any (used when the receiver
    /// is not a user type, or its type has no method of that name).
    public var builtin: BuiltinMethod?
    public init(name: String, builtin: BuiltinMethod?) { self.name = name; self.builtin = builtin }
}

/// One case of a `select` statement, with the registers its operands were evaluated into.
public struct SelectCaseEntry: Sendable {
    public enum Kind: Sendable { case receive, send }
    public var kind: Kind
    public var channelRegister: Int
    /// The value to send (send cases only).
    public var valueRegister: Int
    public init(kind: Kind, channelRegister: Int, valueRegister: Int) {
        self.kind = kind; self.channelRegister = channelRegister; self.valueRegister = valueRegister
    }
}

/// A compiled function: a top-level function, a method, a closure, a spawned block or
/// the program's entry code.
public final class FunctionProto: @unchecked Sendable {
    /// The name printed in stack traces: `main`, `Point::new`, `closure`, ...
    public let name: String
    public let file: SourceFileID
    /// Parameters, the receiver included.
    public let arity: Int
    /// True for methods that take `self`; a dot-call binds the receiver to the first parameter.
    public let hasReceiver: Bool
    /// Registers the function needs (parameters first).
    public internal(set) var registerCount: Int = 0
    public internal(set) var code: [UInt64] = []
    /// The source line of each instruction, for stack traces.
    public internal(set) var lines: [Int32] = []
    public internal(set) var constants: [Constant] = []
    public internal(set) var upvalues: [UpvalueSource] = []
    public internal(set) var sites: [MemberSite] = []
    public internal(set) var selectTables: [[SelectCaseEntry]] = []
    /// The line of the function's declaration.
    public let line: Int

    public init(name: String, file: SourceFileID, arity: Int, hasReceiver: Bool, line: Int) {
        self.name = name
        self.file = file
        self.arity = arity
        self.hasReceiver = hasReceiver
        self.line = line
    }
}

/// A struct type as the compiler knows it.
public struct StructInfo: Sendable {
    public var name: String
    public var fieldNames: [String]
    /// Methods (trait defaults included) by name: indexes into `CompiledProgram.functions`.
    public var methods: [String: Int]
}

/// An enum type as the compiler knows it.
public struct EnumInfo: Sendable {
    public var name: String
    public var variantNames: [String]
    public var variantArity: [Int]
    /// Index of the first variant in `CompiledProgram.variants`.
    public var firstVariant: Int
    public var methods: [String: Int]
}

/// The value kinds a program may give methods with `impl Trait for int` and the like.
public enum BuiltinTypeKind: Int, CaseIterable, Sendable {
    case int, float, bool, string, list, map, tuple, function, channel, unit, `nil`
}

/// A program ready to run: everything the VM needs, nothing it has to look up by name on
/// a hot path.
public final class CompiledProgram: @unchecked Sendable {
    public let sources: SourceMap
    public internal(set) var functions: [FunctionProto] = []
    public internal(set) var structs: [StructInfo] = []
    public internal(set) var enums: [EnumInfo] = []
    /// Every variant of every enum: (enum index, tag).
    public internal(set) var variants: [(enumIndex: Int, tag: Int)] = []
    /// Methods given to builtin value kinds (`impl Show for int`), by kind and name.
    public internal(set) var builtinTypeMethods: [BuiltinTypeKind: [String: Int]] = [:]
    /// Names of the global slots (constants, REPL bindings), for diagnostics.
    public internal(set) var globalNames: [String] = []
    /// The function that initialises the globals and then calls `main`.
    public internal(set) var entry: Int = 0
    /// The names of the prelude functions the VM calls for `map` and `filter`.
    public internal(set) var preludeFunctions: [String: Int] = [:]
    /// The files of the standard library: a caller's location (`std::testing` failures)
    /// is the innermost frame outside them.
    public internal(set) var libraryFiles: Set<SourceFileID> = []
    /// Entries of their own for the functions `CompileOptions.entryPrefix` selects (the
    /// tests of a test file), in source order: name, entry function, line.
    public internal(set) var namedEntries: [(name: String, entry: Int, line: Int)] = []
    /// The type checker's warnings (a match on ints without a catch-all): reported, never fatal.
    public internal(set) var warnings: [Diagnostic] = []

    init(sources: SourceMap) { self.sources = sources }
}
