import MalphasSyntax

// The names a program declares, as the resolver finds them and the compiler uses them.
// `GlobalScope` outlives one compilation so a REPL session can keep its items and `let`
// bindings across inputs.

/// A local variable or parameter. The resolver creates it; the compiler gives it a register.
public final class Binding {
    public let name: String
    public let isMutable: Bool
    public let span: Span
    /// True when the variable must live in a heap cell: a closure captures it by
    /// reference, or `&x` / `&mut x` takes its address.
    public internal(set) var needsCell = false
    /// Set by the compiler when the binding comes into scope.
    public internal(set) var register = -1
    /// True once a closure captures it (spawned blocks copy instead).
    public internal(set) var isCaptured = false

    init(name: String, isMutable: Bool, span: Span) {
        self.name = name
        self.isMutable = isMutable
        self.span = span
    }
}

/// What a name in an expression or pattern refers to.
public enum Resolution {
    case local(Binding)
    /// Upvalue `index` of the current closure, which holds `binding` of an enclosing function.
    case upvalue(Int, Binding)
    /// A global slot: a constant that does not fold, or a REPL `let`.
    case global(Int)
    /// A constant folded at compile time.
    case constant(Constant)
    case function(Int)
    /// An enum variant: a constructor when it has a payload, a value when it has none.
    case variant(Int)
    case builtin(BuiltinFunction)
    case constructor(BuiltinConstructor)
    /// A struct type (a struct literal's path, or a unit struct used as a value).
    case structType(Int)
    /// `Trait::method`: called as a method on its first argument.
    case traitMethod(String)
}

/// How a closure gets one upvalue, in terms of the enclosing function's bindings; the
/// compiler turns it into an `UpvalueSource` once registers are known.
public enum Capture {
    case local(Binding, copy: Bool)
    case upvalue(Int, copy: Bool)
}

/// A global function's declaration and where its code goes.
public struct FunctionItem {
    public var decl: FunctionDecl
    public var index: Int
    /// The qualified name shown in traces (`Point::new`).
    public var displayName: String
    /// The type of `Self` inside it, if it is a method.
    public var selfType: TypeName?
    /// Generic parameters of the enclosing `impl[T]` or trait.
    public var outerGenerics: Set<String> = []
    /// The module it is declared in (names in its body are looked up there); nil for the root.
    public var module: Module? = nil
}

/// A named user type, for `Self` and method tables.
public enum TypeName: Equatable {
    case structType(Int)
    case enumType(Int)
    case builtin(BuiltinTypeKind)
}

public struct ConstItem {
    public var decl: ConstDecl
    public var slot: Int
    public var folded: Constant?
    /// Its key in `GlobalScope.consts`: the name, qualified by its module (`math::PI`).
    public var key: String = ""
}

/// Everything declared at the top level of a program (or a REPL session so far).
public final class GlobalScope {
    public internal(set) var functions: [String: FunctionItem] = [:]
    public internal(set) var structs: [String: (decl: StructDecl, index: Int, span: Span)] = [:]
    public internal(set) var enums: [String: (decl: EnumDecl, index: Int, span: Span)] = [:]
    public internal(set) var traits: [String: TraitDecl] = [:]
    public internal(set) var typeAliases: [String: TypeAliasDecl] = [:]
    public internal(set) var consts: [String: ConstItem] = [:]
    /// REPL bindings and other global variables: name -> (slot, mutable).
    public internal(set) var variables: [String: (slot: Int, isMutable: Bool)] = [:]
    /// Bare variant names: name -> variant indices (more than one means ambiguous).
    public internal(set) var variantsByName: [String: [Int]] = [:]
    /// Methods of each type: type -> name -> function index.
    public internal(set) var methods: [TypeKey: [String: Int]] = [:]
    /// Names of methods that take `&mut self` somewhere in the program.
    public internal(set) var mutatingMethodNames: Set<String> = []
    /// Every user method name (for "no method named" diagnostics).
    public internal(set) var methodNames: Set<String> = []
    /// Trait default methods: trait -> method name -> function index.
    public internal(set) var traitDefaults: [String: [String: Int]] = [:]
    public internal(set) var globalCount = 0
    /// The program being built (functions, types). A REPL session appends to it.
    public let program: CompiledProgram
    /// The program's modules (Modules.swift); every table above is keyed by qualified names.
    public let modules = ModuleTable()

    public init(sources: SourceMap) {
        program = CompiledProgram(sources: sources)
    }

    /// Everything a compilation may change, so a REPL input that fails to compile leaves
    /// the session as it was.
    struct Snapshot {
        var functions: [String: FunctionItem]
        var structs: [String: (decl: StructDecl, index: Int, span: Span)]
        var enums: [String: (decl: EnumDecl, index: Int, span: Span)]
        var traits: [String: TraitDecl]
        var typeAliases: [String: TypeAliasDecl]
        var consts: [String: ConstItem]
        var variables: [String: (slot: Int, isMutable: Bool)]
        var variantsByName: [String: [Int]]
        var methods: [TypeKey: [String: Int]]
        var mutatingMethodNames: Set<String>
        var methodNames: Set<String>
        var traitDefaults: [String: [String: Int]]
        var globalCount: Int
        /// The function table itself: a session redefinition replaces a function in place.
        var programFunctions: [FunctionProto]
        var programStructs: [StructInfo]
        var programEnums: [EnumInfo]
        var programVariants: Int
        var builtinTypeMethods: [BuiltinTypeKind: [String: Int]]
        var globalNames: Int
        var modules: ModuleTable.State
        var libraryFiles: Set<SourceFileID>
    }

    func snapshot() -> Snapshot {
        Snapshot(functions: functions, structs: structs, enums: enums, traits: traits, typeAliases: typeAliases,
                 consts: consts, variables: variables, variantsByName: variantsByName, methods: methods,
                 mutatingMethodNames: mutatingMethodNames, methodNames: methodNames, traitDefaults: traitDefaults,
                 globalCount: globalCount, programFunctions: program.functions, programStructs: program.structs,
                 programEnums: program.enums, programVariants: program.variants.count,
                 builtinTypeMethods: program.builtinTypeMethods, globalNames: program.globalNames.count,
                 modules: modules.save(), libraryFiles: program.libraryFiles)
    }

    /// Returns to `s`. With `keepingCode` (a REPL input that compiled and was loaded, then
    /// failed at run time), the functions, types and global slots it added stay, unnamed,
    /// because legions it spawned may still run their code: only what existed before is
    /// put back, and the names the input defined are forgotten.
    func restore(_ s: Snapshot, keepingCode: Bool = false) {
        functions = s.functions; structs = s.structs; enums = s.enums; traits = s.traits
        typeAliases = s.typeAliases; consts = s.consts; variables = s.variables; variantsByName = s.variantsByName
        methods = s.methods; mutatingMethodNames = s.mutatingMethodNames; methodNames = s.methodNames
        traitDefaults = s.traitDefaults; globalCount = s.globalCount
        if keepingCode {
            for i in s.programFunctions.indices { program.functions[i] = s.programFunctions[i] }
            for i in s.programStructs.indices { program.structs[i].methods = s.programStructs[i].methods }
            for i in s.programEnums.indices { program.enums[i].methods = s.programEnums[i].methods }
            program.builtinTypeMethods = s.builtinTypeMethods
            globalCount = program.globalNames.count
            return
        }
        program.functions = s.programFunctions
        program.structs = s.programStructs
        program.enums = s.programEnums
        program.variants.removeSubrange(s.programVariants...)
        program.builtinTypeMethods = s.builtinTypeMethods
        program.globalNames.removeSubrange(s.globalNames...)
        modules.restore(s.modules)
        program.libraryFiles = s.libraryFiles
    }

    /// Records the prelude's `map` and `filter` functions for the VM.
    func notePreludeFunctions() {
        for name in ["map", "filter"] {
            if let f = functions["__prelude_" + name] { program.preludeFunctions[name] = f.index }
        }
    }

    func newGlobalSlot(_ name: String) -> Int {
        program.globalNames.append(name)
        globalCount += 1
        return globalCount - 1
    }

    func newFunction(_ proto: FunctionProto) -> Int {
        program.functions.append(proto)
        return program.functions.count - 1
    }

    /// A session's redefinition: the function at `index` gets a new body.
    func replaceFunction(_ index: Int, with proto: FunctionProto) -> Int {
        program.functions[index] = proto
        return index
    }
}

/// A key for method tables: a user struct or enum, or a builtin value kind.
public enum TypeKey: Hashable {
    case structType(Int)
    case enumType(Int)
    case builtin(BuiltinTypeKind)
}

/// Levenshtein distance, for "a similar name exists" help lines.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}

/// The candidate closest to `name` within edit distance 2, if any.
func similarName(to name: String, among candidates: [String]) -> String? {
    var best: (String, Int)?
    for c in candidates where c != name {
        let d = editDistance(name, c)
        if d <= 2 && d < name.count, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) {
            best = (c, d)
        }
    }
    return best?.0
}
