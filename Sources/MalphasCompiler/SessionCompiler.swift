import MalphasSyntax

// Incremental compilation for an interactive session (the REPL).
//
// A session keeps one `GlobalScope` and one `CompiledProgram` for its whole life, and
// the VM keeps the matching loaded program; both only grow. Each input is a list of
// items, statements and an optional tail expression:
// - its items are declared into the session's scope. A function or inherent method of a
//   name an earlier input defined is redefined in place: it keeps its function index, so
//   code compiled earlier calls the new body. A redefined struct or enum is a new type
//   (values made before keep the old one).
// - its statements and tail become one new function, `<input>`, run by the VM on a
//   legion of its own. Top-level `let`s in it are global slots, so later inputs (and
//   functions) see them. Its value is the tail's value, or `()`.
//
// A failed input changes nothing: `checkpoint()` before it and `restore` after it.

/// What one compiled input added to the session's program.
public struct SessionInput {
    /// The function that runs the input's statements and returns its tail's value.
    public var entry: Int
    /// True when the input ends in an expression whose value the REPL shows.
    public var hasValue: Bool
    /// Names the input's items defined (functions, types, traits, constants), in order.
    public var definedItems: [String]
}

/// The state of a session's compile side, to return to when an input fails.
public struct SessionCheckpoint {
    fileprivate var functions: [FunctionProto]
    fileprivate var structs: [StructInfo]
    fileprivate var enums: [EnumInfo]
    fileprivate var variants: [(enumIndex: Int, tag: Int)]
    fileprivate var builtinTypeMethods: [BuiltinTypeKind: [String: Int]]
    fileprivate var globalNames: [String]
    fileprivate var scope: GlobalScope.Tables
}

/// Compiles a session's inputs one after another into one growing program.
public final class SessionCompiler {
    public let sources: SourceMap
    public let options: CompileOptions
    let global: GlobalScope
    /// The program every input extends. The VM loads what each input adds.
    public var program: CompiledProgram { global.program }

    /// A session whose program starts with the `prelude`'s functions (the Malphas code the
    /// VM calls for list `map` and `filter`).
    public init(sources: SourceMap, prelude: SourceUnit?, options: CompileOptions = CompileOptions()) {
        self.sources = sources
        self.options = options
        global = GlobalScope(sources: sources)
        guard let prelude else { return }
        let resolver = Resolver(global: global)
        resolver.declare(prelude.items)
        resolver.resolveBodies()
        precondition(resolver.diagnostics.isEmpty, "the prelude must compile: \(resolver.diagnostics)")
        let compiler = ProgramCompiler(resolver: resolver, options: options)
        compiler.compileItems()
        for name in ["map", "filter"] {
            if let f = global.functions["__prelude_" + name] { global.program.preludeFunctions[name] = f.index }
        }
    }

    /// Compiles one input. On failure the session is as it was before the call.
    public func compile(items: [Item], statements: [Stmt], tail: Expr?, file: SourceFileID)
        -> Result<SessionInput, CompileFailure> {
        let saved = checkpoint()
        let resolver = Resolver(global: global, isSession: true)
        resolver.declare(items)
        resolver.resolveBodies()
        resolver.resolveSessionStatements(statements, tail: tail)
        if !resolver.diagnostics.isEmpty {
            restore(saved)
            return .failure(CompileFailure(diagnostics: resolver.diagnostics))
        }
        let compiler = ProgramCompiler(resolver: resolver, options: options)
        compiler.compileItems()
        let proto = FunctionProto(name: "<input>", file: file, arity: 0, hasReceiver: false, line: 1)
        let entry = global.newFunction(proto)
        compiler.compileWithFallback(proto) { fc in
            fc.compileConstantInitialisers(resolver.constItems)
            fc.compileSessionStatements(statements, tail: tail)
        }
        if !compiler.diagnostics.isEmpty {
            restore(saved)
            return .failure(CompileFailure(diagnostics: compiler.diagnostics))
        }
        return .success(SessionInput(entry: entry, hasValue: tail != nil, definedItems: items.compactMap(\.definedName)))
    }

    /// The compile side's state now.
    public func checkpoint() -> SessionCheckpoint {
        let p = global.program
        return SessionCheckpoint(functions: p.functions, structs: p.structs, enums: p.enums, variants: p.variants,
                                 builtinTypeMethods: p.builtinTypeMethods, globalNames: p.globalNames,
                                 scope: global.tables)
    }

    /// Returns to `checkpoint`. With `keepingCode` (after an input compiled, was loaded
    /// and then failed at run time), functions, types and global slots the input added
    /// stay in the tables, unnamed, because legions it spawned may still run their code;
    /// only what existed before is put back and the names the input defined are forgotten.
    public func restore(_ checkpoint: SessionCheckpoint, keepingCode: Bool = false) {
        let p = global.program
        global.tables = checkpoint.scope
        p.builtinTypeMethods = checkpoint.builtinTypeMethods
        if keepingCode {
            for i in checkpoint.functions.indices { p.functions[i] = checkpoint.functions[i] }
            for i in checkpoint.structs.indices { p.structs[i].methods = checkpoint.structs[i].methods }
            for i in checkpoint.enums.indices { p.enums[i].methods = checkpoint.enums[i].methods }
            global.globalCount = p.globalNames.count
        } else {
            p.functions = checkpoint.functions
            p.structs = checkpoint.structs
            p.enums = checkpoint.enums
            p.variants = checkpoint.variants
            p.globalNames = checkpoint.globalNames
        }
    }

    // MARK: What the session knows, for completion and commands

    /// Functions of the session by name (prelude functions excluded).
    public var functionNames: [String] {
        global.functions.keys.filter { !$0.hasPrefix("__") }.sorted()
    }

    /// The function index of a session function or method (`name` or `Type::name`).
    public func functionIndex(named name: String) -> Int? {
        if let f = global.functions[name], !name.hasPrefix("__") { return f.index }
        return program.functions.indices.last { program.functions[$0].name == name && name != "<input>" }
    }

    /// Every name an input may use that the session defined: variables, functions,
    /// constants, types, traits and variants.
    public var definedNames: [String] {
        var names = Set(global.variables.keys).union(global.functions.keys).union(global.consts.keys)
            .union(global.structs.keys).union(global.enums.keys).union(global.traits.keys)
            .union(global.typeAliases.keys).union(global.variantsByName.keys)
        names = names.filter { !$0.hasPrefix("__") }
        return names.sorted()
    }

    /// Method names defined on the session's types (for completion after a `.`).
    public var methodNames: [String] { global.methodNames.sorted() }

    /// Session variables: name, global slot and whether it is `mut`, by name.
    public var variables: [(name: String, slot: Int, isMutable: Bool)] {
        global.variables.map { ($0.key, $0.value.slot, $0.value.isMutable) }.sorted { $0.name < $1.name }
    }
}

extension FunctionCompiler {
    /// Stores the value of each constant that did not fold in its global slot.
    func compileConstantInitialisers(_ constants: [ConstItem]) {
        for c in constants where c.folded == nil {
            let mark = freeRegister
            let r = allocate()
            setLine(c.decl.value.span)
            compile(c.decl.value, into: r)
            emit(.setGlobal, a: r, bx: c.slot)
            free(to: mark)
        }
    }
}

extension GlobalScope {
    /// Every name table of the scope, as one value (all are value types).
    struct Tables {
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
    }

    var tables: Tables {
        get {
            Tables(functions: functions, structs: structs, enums: enums, traits: traits, typeAliases: typeAliases,
                   consts: consts, variables: variables, variantsByName: variantsByName, methods: methods,
                   mutatingMethodNames: mutatingMethodNames, methodNames: methodNames, traitDefaults: traitDefaults,
                   globalCount: globalCount)
        }
        set {
            functions = newValue.functions; structs = newValue.structs; enums = newValue.enums
            traits = newValue.traits; typeAliases = newValue.typeAliases; consts = newValue.consts
            variables = newValue.variables; variantsByName = newValue.variantsByName; methods = newValue.methods
            mutatingMethodNames = newValue.mutatingMethodNames; methodNames = newValue.methodNames
            traitDefaults = newValue.traitDefaults; globalCount = newValue.globalCount
        }
    }
}

extension Item {
    /// The name the item defines, if it defines one.
    var definedName: String? {
        switch kind {
        case .function(let f): return f.name.name
        case .structDecl(let s): return s.name.name
        case .enumDecl(let e): return e.name.name
        case .traitDecl(let t): return t.name.name
        case .constDecl(let c): return c.name.name
        case .typeAlias(let a): return a.name.name
        default: return nil
        }
    }
}
