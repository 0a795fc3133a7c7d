import MalphasSyntax

// What a REPL session needs from its compiler beyond compiling an input
// (`CompilerSession.compile`, in Compiler.swift): going back to a checkpoint when an input
// that compiled then fails at run time, and the names the session defined (completion,
// `:disasm`).
//
// The model: one `GlobalScope` and one `CompiledProgram` for the session's life, which
// only grow. A function or inherent method of a name an earlier input defined is
// redefined in place: it keeps its function index, so code compiled earlier calls the
// new body. A redefined struct or enum is a new type (values made before keep the old).

/// The state of a session's compile side, to return to when an input fails.
public struct SessionCheckpoint {
    fileprivate var snapshot: GlobalScope.Snapshot
    /// What the type checker knew of the session's variables and functions then.
    fileprivate var types: TypeEnvironment
}

extension CompilerSession {
    /// The program every input extends. The VM loads what each input adds.
    public var program: CompiledProgram { global.program }

    /// The compile side's state now.
    public func checkpoint() -> SessionCheckpoint {
        SessionCheckpoint(snapshot: global.snapshot(), types: typeEnvironment)
    }

    /// Returns to `checkpoint`. With `keepingCode` (after an input compiled, was loaded
    /// and then failed at run time), what the input added stays in the program's tables,
    /// unnamed, because legions it spawned may still run its code; the names it defined
    /// are forgotten and functions it redefined get their old bodies back.
    public func restore(_ checkpoint: SessionCheckpoint, keepingCode: Bool = false) {
        global.restore(checkpoint.snapshot, keepingCode: keepingCode)
        typeEnvironment = checkpoint.types
    }

    /// Functions of the session by name (the prelude's excluded).
    public var functionNames: [String] {
        global.functions.keys.filter { !$0.hasPrefix("__") }.sorted()
    }

    /// The function index of a session function or method (`name` or `Type::name`).
    public func functionIndex(named name: String) -> Int? {
        guard !name.hasPrefix("__"), !name.hasPrefix("<") else { return nil }
        if let f = global.functions[name] { return f.index }
        let parts = name.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 2 else { return nil }
        let key: TypeKey?
        if let s = global.structs[parts[0]] { key = .structType(s.index) }
        else if let e = global.enums[parts[0]] { key = .enumType(e.index) }
        else { key = nil }
        return key.flatMap { global.methods[$0]?[parts[1]] }
    }

    /// Every name an input may use that the session defined: variables, functions,
    /// constants, types, traits and variants.
    public var definedNames: [String] {
        let names = Set(global.variables.keys).union(global.functions.keys).union(global.consts.keys)
            .union(global.structs.keys).union(global.enums.keys).union(global.traits.keys)
            .union(global.typeAliases.keys).union(global.variantsByName.keys)
        return names.filter { !$0.hasPrefix("__") }.sorted()
    }

    /// Method names defined on the session's types (completion after a `.`).
    public var methodNames: [String] { global.methodNames.sorted() }
}

extension CompilerSession {
    /// The static type of `expression` in the session as it is, without running it or
    /// changing the session (the REPL's `:type`). Fails with the diagnostics of an
    /// expression that does not resolve or type-check.
    public func typeOf(_ expression: Expr, modules: LoadedModules? = nil) -> Result<StaticType, CompileFailure> {
        let snapshot = global.snapshot()
        defer { global.restore(snapshot) }
        let resolver = Resolver(global: global, isSession: true)
        resolver.declareProgram([], library: modules?.library ?? [], libraryModuleNames: modules?.libraryModuleNames ?? [])
        resolver.resolveBodies()
        resolver.resolveSessionStatements([], tail: expression)
        if !resolver.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: resolver.diagnostics)) }
        let checker = TypeChecker(resolver: resolver, environment: typeEnvironment)
        checker.checkItems()
        let t = checker.checkSessionStatements([], tail: expression)
        if !checker.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: checker.diagnostics)) }
        return .success(checker.unifier.final(t))
    }
}
