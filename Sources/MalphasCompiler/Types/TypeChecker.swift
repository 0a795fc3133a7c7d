import MalphasSyntax

// The static type checker (LANGUAGE 10): a stage between name resolution and bytecode.
// It reads the resolver's tables by span (what each name means, which binding each
// pattern declares) and never re-resolves a name. Each function body is checked once,
// with inference variables for what annotations leave open (Unifier.swift); calls to
// generic functions instantiate their signature with fresh variables at each use.
//
// The checker is deliberately conservative: where no rule decides a type, the type is
// unknown and every use of it is accepted (the run-time checks stay). A program is
// rejected only where two known types conflict. docs/TYPES.md lists the rules.

/// What the checker keeps from one REPL input to the next (a program is checked with a
/// fresh one): the declarations of the functions, impls and variables earlier inputs made.
public struct TypeEnvironment {
    /// Every function of the program by index, with the impl it belongs to.
    var functions: [Int: FunctionItem] = [:]
    var implOf: [Span: (impl: ImplDecl, module: Module)] = [:]
    /// `impl Trait for Type` pairs, for bounds.
    var traitImpls: Set<TraitImpl> = []
    /// REPL variables by name.
    var variables: [String: StaticType] = [:]

    public init() {}
}

struct TraitImpl: Hashable {
    var trait: String
    var type: TypeKey
}

/// A function's declared types. Generic parameters appear as `.parameter(name)`.
struct Signature {
    var generics: [GenericParam]
    /// The first `ownGenerics` of `generics` are the function's own (`id[int](5)` names them).
    var ownGenerics: Int
    var selfType: StaticType
    var receiver: StaticType?
    var params: [StaticType]
    var paramSpans: [Span]
    var result: StaticType
    /// False when the result is not annotated: the body's value is not checked against `()`.
    var resultDeclared: Bool
    var resultSpan: Span?
    var module: Module
}

/// One function body being checked (a function, a closure, a spawned block).
struct BodyContext {
    var result: StaticType?
    var resultNote: (message: String, span: Span)?
    var selfType: StaticType
    var generics: [String: [Path]]
    var loops: [LoopFrame] = []
}

struct LoopFrame {
    /// The value of a `loop` whose value is used (`break v`); nil for `while`/`for`.
    var result: StaticType?
    var broke = false
}

/// Checks the bodies a resolver resolved; fills `types` with every expression's type.
final class TypeChecker {
    let resolver: Resolver
    var env: TypeEnvironment
    var unifier = Unifier()
    var diagnostics: [Diagnostic] = []
    var warnings: [Diagnostic] = []
    /// Types recorded during the run, made final (variables resolved) at the end.
    var recorded: [Span: StaticType] = [:]
    var bindingTypes: [ObjectIdentifier: StaticType] = [:]
    var signatures: [Int: Signature] = [:]
    var contexts: [BodyContext] = []
    /// The types of chain links already inferred, for their parent link (`inferChain`).
    var chainTypes: [Span: StaticType] = [:]
    /// The constructors of each type a match was checked on (Exhaustiveness.swift).
    var constructorCache: [StaticType: [Constructor]?] = [:]
    /// This run's `impl Trait for Type` blocks, checked against their trait.
    var traitImplDecls: [(impl: ImplDecl, module: Module)] = []
    var global: GlobalScope { resolver.global }
    var program: CompiledProgram { global.program }

    init(resolver: Resolver, environment: TypeEnvironment) {
        self.resolver = resolver
        self.env = environment
        recorded.reserveCapacity(1_024)
        for item in resolver.functionItems { env.functions[item.index] = item }
        collectImpls()
    }

    // MARK: Running

    /// Checks every function, method and constant the resolver declared.
    func checkItems() {
        for item in resolver.functionItems { checkFunction(item) }
        for c in resolver.constItems { checkConstant(c) }
        checkTraitImpls()
    }

    /// The types of every expression, variables resolved.
    func expressionTypes() -> ExpressionTypes {
        var table = ExpressionTypes()
        table.storage = recorded.mapValues { unifier.final($0) }
        return table
    }

    /// What tools show: each expression's type and each binding's (by the span of the
    /// name that declares it), written as in source; unknown types are left out.
    func describedTypes() -> [Span: String] {
        var described: [Span: String] = [:]
        for (span, t) in recorded {
            let f = unifier.final(t)
            if f != .unknown && f != .never { described[span] = f.description }
        }
        for (span, binding) in resolver.declarations {
            guard let t = bindingTypes[ObjectIdentifier(binding)] else { continue }
            let f = unifier.final(t)
            if f != .unknown && f != .never { described[span] = f.description }
        }
        return described
    }

    /// Records `t` as the type of the expression at `span` and returns it. Two expressions
    /// sharing a span (a desugaring) with different types record unknown.
    @discardableResult
    func record(_ span: Span, _ t: StaticType) -> StaticType {
        if let earlier = recorded.updateValue(t, forKey: span), earlier != t, span.file.raw >= 0 {
            recorded[span] = .unknown
        }
        return t
    }

    func fresh() -> StaticType { unifier.fresh() }

    var context: BodyContext {
        get { contexts[contexts.count - 1] }
        set { contexts[contexts.count - 1] = newValue }
    }

    private func checkFunction(_ item: FunctionItem) {
        // The prelude's `map` and `filter` are the VM's own (their `Vec` is the builtin one
        // even where a program defines a `Vec` of its own): nothing to check in them.
        guard let body = item.decl.body, !item.decl.name.name.hasPrefix("__prelude_"),
              let sig = signature(of: item.index) else { return }
        let savedModule = resolver.module
        resolver.module = sig.module
        defer { resolver.module = savedModule }
        var generics: [String: [Path]] = [:]
        for g in sig.generics { generics[g.name.name, default: []].append(contentsOf: g.bounds) }
        let note = sig.resultSpan.map { (message: "expected `\(sig.result)` because of the return type", span: $0) }
        contexts.append(BodyContext(result: sig.resultDeclared ? sig.result : nil, resultNote: note,
                                    selfType: sig.selfType, generics: generics))
        defer { contexts.removeLast() }
        if let receiver = sig.receiver, let b = resolver.declarations[item.decl.receiverSpan ?? item.decl.name.span] {
            bindingTypes[ObjectIdentifier(b)] = receiver
        }
        for (p, t) in zip(item.decl.params, sig.params) {
            if let b = resolver.declarations[p.name.span] { bindingTypes[ObjectIdentifier(b)] = t }
        }
        let expectation = sig.resultDeclared ? Expectation(sig.result, note: note) : nil
        let t = inferBlock(body, expectation, used: sig.resultDeclared)
        record(body.span, t)
    }

    private func checkConstant(_ c: ConstItem) {
        let savedModule = resolver.module
        resolver.module = resolver.modules.itemModules[c.key] ?? resolver.modules.root
        defer { resolver.module = savedModule }
        contexts.append(BodyContext(result: nil, selfType: .unknown, generics: [:]))
        defer { contexts.removeLast() }
        if let annotation = c.decl.type {
            _ = check(c.decl.value, Expectation(convert(annotation), note: ("expected due to this type", annotation.span)))
        } else {
            _ = infer(c.decl.value)
        }
    }

    /// Checks REPL top-level statements; their `let` bindings are session variables.
    func checkSessionStatements(_ statements: [Stmt], tail: Expr?) -> StaticType {
        contexts.append(BodyContext(result: nil, selfType: .unknown, generics: [:]))
        defer { contexts.removeLast() }
        for s in statements { checkStatement(s) }
        let t = tail.map { infer($0) } ?? .unit
        for (name, v) in env.variables { env.variables[name] = unifier.final(v) }
        return t
    }

    // MARK: Signatures

    /// The declared types of function `index`, or nil when the checker does not know it.
    func signature(of index: Int) -> Signature? {
        if let s = signatures[index] { return s }
        guard let item = env.functions[index] else { return nil }
        let module = item.module ?? resolver.modules.root
        let impl = env.implOf[item.decl.span]
        var generics = item.decl.generics
        let own = generics.count
        if let impl { generics += impl.impl.generics }
        let names = Set(generics.map(\.name.name)).union(item.outerGenerics)
        let savedModule = resolver.module
        resolver.module = impl?.module ?? module
        let selfType = impl.map { convert($0.impl.target, generics: names, selfType: .unknown) } ?? .unknown
        resolver.module = module
        defer { resolver.module = savedModule }
        func type(_ t: TypeRef?) -> StaticType { t.map { convert($0, generics: names, selfType: selfType) } ?? .unknown }
        var result: StaticType = .unit
        if let r = item.decl.result {
            result = type(r)
        } else if item.decl.body?.tail != nil {
            // No annotation but a tail value: the value is returned at run time, so callers
            // may use it; the checker leaves it open.
            result = .unknown
        }
        let sig = Signature(generics: generics, ownGenerics: own, selfType: selfType,
                            receiver: item.decl.receiver != nil ? selfType : nil,
                            params: item.decl.params.map { type($0.type) }, paramSpans: item.decl.params.map(\.span),
                            result: result, resultDeclared: item.decl.result != nil, resultSpan: item.decl.result?.span,
                            module: module)
        signatures[index] = sig
        return sig
    }

    /// A signature with its generic parameters replaced by fresh variables (or by the
    /// written arguments `explicit`), and the variables made.
    func instantiate(_ sig: Signature, explicit: [TypeRef] = [], receiver: StaticType? = nil) -> (sig: Signature, vars: [(GenericParam, StaticType)]) {
        guard !sig.generics.isEmpty else { return (sig, []) }
        var map: [String: StaticType] = [:]
        var vars: [(GenericParam, StaticType)] = []
        for (i, g) in sig.generics.enumerated() {
            let t = i < sig.ownGenerics && i < explicit.count ? convert(explicit[i]) : fresh()
            map[g.name.name] = t
            vars.append((g, t))
        }
        func subst(_ t: StaticType) -> StaticType {
            t.mapped { part in
                if case .parameter(let name) = part { return map[name] }
                return nil
            }
        }
        var s = sig
        s.selfType = subst(s.selfType)
        s.receiver = s.receiver.map(subst)
        s.params = s.params.map(subst)
        s.result = subst(s.result)
        return (s, vars)
    }

    // MARK: Types in annotations

    /// The type an annotation in the current body names.
    func convert(_ t: TypeRef) -> StaticType {
        let ctx = contexts.last
        return convert(t, generics: Set(ctx?.generics.keys ?? [:].keys), selfType: ctx?.selfType ?? .unknown)
    }

    func convert(_ t: TypeRef, generics: Set<String>, selfType: StaticType) -> StaticType {
        func c(_ t: TypeRef) -> StaticType { convert(t, generics: generics, selfType: selfType) }
        switch t.kind {
        case .slice(let e), .array(let e, _): return .list(c(e))
        case .tuple(let items): return items.isEmpty ? .unit : .tuple(items.map(c))
        case .function(let params, let result): return .function(params.map(c), result.map(c) ?? .unit)
        case .channel(let e): return .channel(c(e))
        case .optional(let e), .reference(let e, _): return c(e)
        case .named(let path):
            let name = path.last.name
            let args = path.segments[path.segments.count - 1].genericArgs.map(c)
            if path.segments.count == 1 {
                if generics.contains(name) { return .parameter(name) }
                if name == "Self" { return selfType }
            }
            if let key = resolver.userTypeKey(path.segments[...]) {
                if let s = global.structs[key] { return .structType(s.index, name: s.decl.name.name, fitted(args, s.decl.generics.count)) }
                if let e = global.enums[key] { return .enumType(e.index, name: e.decl.name.name, fitted(args, e.decl.generics.count)) }
                if let alias = global.typeAliases[key] { return aliasType(alias, key: key, args: args) }
                if global.traits[key] != nil { return .unknown }
            }
            func arg(_ i: Int) -> StaticType { i < args.count ? args[i] : .unknown }
            switch name {
            case "int", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize": return .int
            case "float", "f32", "f64": return .float
            case "bool": return .bool
            case "string", "String", "str": return .string
            case "void": return .unit
            case "Vec": return .list(arg(0))
            case "HashMap": return .map(arg(0), arg(1))
            case "Channel": return .channel(arg(0))
            case "Option": return arg(0)
            default: return .unknown
            }
        }
    }

    private func fitted(_ args: [StaticType], _ count: Int) -> [StaticType] {
        if args.count == count { return args }
        return (0..<count).map { $0 < args.count ? args[$0] : .unknown }
    }

    private var expandingAliases: Set<String> = []

    private func aliasType(_ alias: TypeAliasDecl, key: String, args: [StaticType]) -> StaticType {
        // A cyclic alias names nothing the checker can use.
        guard expandingAliases.insert(key).inserted else { return .unknown }
        defer { expandingAliases.remove(key) }
        let names = alias.generics.map(\.name.name)
        let body = resolver.inModule(resolver.modules.itemModules[key] ?? resolver.module) {
            convert(alias.type, generics: Set(names), selfType: .unknown)
        }
        return body.mapped { part in
            if case .parameter(let n) = part, let i = names.firstIndex(of: n) { return i < args.count ? args[i] : .unknown }
            return nil
        }
    }

    /// The method-table key of a type, for method lookup and trait bounds.
    func typeKey(of t: StaticType) -> TypeKey? {
        switch t {
        case .structType(let i, _, _): return .structType(i)
        case .enumType(let i, _, _): return .enumType(i)
        case .int: return .builtin(.int)
        case .float: return .builtin(.float)
        case .bool: return .builtin(.bool)
        case .string: return .builtin(.string)
        case .list: return .builtin(.list)
        case .map: return .builtin(.map)
        case .channel: return .builtin(.channel)
        case .tuple: return .builtin(.tuple)
        case .function: return .builtin(.function)
        case .unit: return .builtin(.unit)
        default: return nil
        }
    }

    /// The type of field `name` of struct `index` with generic arguments `args`.
    func fieldType(ofStruct index: Int, args: [StaticType], field name: String) -> (type: StaticType, span: Span)? {
        guard let (key, s) = structEntry(index), let f = s.decl.fields.first(where: { $0.name.name == name }) else { return nil }
        let params = s.decl.generics.map(\.name.name)
        let raw = resolver.inModule(resolver.modules.itemModules[key] ?? resolver.modules.root) {
            convert(f.type, generics: Set(params), selfType: .unknown)
        }
        return (substitute(raw, params, args), f.type.span)
    }

    /// The payload types of variant `variant` with its enum's generic arguments `args`.
    func payloadTypes(ofVariant variant: Int, args: [StaticType]) -> [StaticType] {
        let (enumIndex, tag) = program.variants[variant]
        guard let (key, e) = enumEntry(enumIndex), tag < e.decl.variants.count else { return [] }
        let params = e.decl.generics.map(\.name.name)
        return resolver.inModule(resolver.modules.itemModules[key] ?? resolver.modules.root) {
            e.decl.variants[tag].payload.map { substitute(convert($0, generics: Set(params), selfType: .unknown), params, args) }
        }
    }

    func substitute(_ t: StaticType, _ params: [String], _ args: [StaticType]) -> StaticType {
        guard !params.isEmpty else { return t }
        return t.mapped { part in
            if case .parameter(let n) = part, let i = params.firstIndex(of: n) { return i < args.count ? args[i] : .unknown }
            return nil
        }
    }

    private var structEntries: [Int: (String, (decl: StructDecl, index: Int, span: Span))] = [:]
    private var enumEntries: [Int: (String, (decl: EnumDecl, index: Int, span: Span))] = [:]

    func structEntry(_ index: Int) -> (String, (decl: StructDecl, index: Int, span: Span))? {
        if structEntries.isEmpty { for (k, v) in global.structs { structEntries[v.index] = (k, v) } }
        return structEntries[index]
    }

    func enumEntry(_ index: Int) -> (String, (decl: EnumDecl, index: Int, span: Span))? {
        if enumEntries.isEmpty { for (k, v) in global.enums { enumEntries[v.index] = (k, v) } }
        return enumEntries[index]
    }

    /// A fresh instance of the user type `index` (struct or enum): one variable per generic.
    func freshInstance(structIndex index: Int) -> StaticType {
        guard let (_, s) = structEntry(index) else { return .unknown }
        return .structType(index, name: s.decl.name.name, s.decl.generics.map { _ in fresh() })
    }

    func freshInstance(enumIndex index: Int) -> StaticType {
        guard let (_, e) = enumEntry(index) else { return .unknown }
        return .enumType(index, name: e.decl.name.name, e.decl.generics.map { _ in fresh() })
    }

    // MARK: Impls

    /// Records which impl each method belongs to and which traits each type implements.
    private func collectImpls() {
        func walk(_ items: [Item], in module: Module) {
            for item in items {
                switch item.kind {
                case .implDecl(let impl):
                    for m in impl.methods { env.implOf[m.span] = (impl, module) }
                    if let trait = impl.trait {
                        traitImplDecls.append((impl, module))
                        resolver.inModule(module) {
                            if let traitKey = resolver.userTypeKey(trait.segments[...]), let key = resolver.typeKey(of: impl.target) {
                                env.traitImpls.insert(TraitImpl(trait: traitKey, type: key))
                            }
                        }
                    }
                case .module(let decl):
                    if case .module(let child)? = module.types[decl.name.name]?.target { walk(decl.items ?? [], in: child) }
                default:
                    break
                }
            }
        }
        for (items, module) in resolver.declaredUnits { walk(items, in: module) }
    }
}

extension BytecodeCompiler {
    /// Resolves and type-checks `unit` without compiling it: the type of every expression
    /// and the diagnostics (the resolver's, then the checker's errors and warnings). For
    /// tools and tests.
    public static func typeCheck(_ unit: SourceUnit, modules: LoadedModules? = nil,
                                 sources: SourceMap) -> (types: ExpressionTypes, diagnostics: [Diagnostic]) {
        let resolver = Resolver(global: GlobalScope(sources: sources))
        resolver.declareProgram(unit.items, library: modules?.library ?? [], libraryModuleNames: modules?.libraryModuleNames ?? [])
        resolver.resolveBodies()
        guard resolver.diagnostics.isEmpty else { return (ExpressionTypes(), resolver.diagnostics) }
        let checker = TypeChecker(resolver: resolver, environment: TypeEnvironment())
        checker.checkItems()
        return (checker.expressionTypes(), checker.diagnostics + checker.warnings)
    }
}
