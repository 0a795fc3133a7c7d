import MalphasSyntax

// The resolver: two passes over a source unit.
//
// Pass 1 (`declare`) records every item (functions, structs, enums, traits, impls,
// constants, type aliases), so items may be used before their definition, and checks
// what items alone can show: duplicates, trait impls against their trait.
//
// Pass 2 (`resolveBodies`) walks every body with a stack of scopes. It decides what each
// name refers to (a local, an upvalue, a global, a function, a variant, a builtin), which
// locals closures capture (those live in cells, Lua-upvalue style, so a closure and its
// enclosing function see one variable), and reports the compile errors of DESIGN 4 and
// LANGUAGE 2, 4 and 9. The compiler reads its results by span and never re-resolves a name.

public final class Resolver {
    public let global: GlobalScope
    var sources: SourceMap { global.program.sources }
    public internal(set) var diagnostics: [Diagnostic] = []

    /// Path expressions, struct literal paths and variant/constant patterns -> what they name.
    public internal(set) var resolutions: [Span: Resolution] = [:]
    /// Binding declarations (let patterns, parameters, `self`) by the declaring name's span.
    public internal(set) var declarations: [Span: Binding] = [:]
    /// Closures and spawned blocks by their expression's span -> their captures, in upvalue order.
    public internal(set) var captures: [Span: [Capture]] = [:]
    /// Nested `fn` items by their declaration span -> function index.
    public internal(set) var nestedFunctions: [Span: Int] = [:]
    /// The items this unit added, for the compiler.
    public internal(set) var functionItems: [FunctionItem] = []
    public internal(set) var constItems: [ConstItem] = []
    /// The item lists this resolver declared, each with its module (the root's, then each
    /// library module's), for the type checker's walk over impls.
    var declaredUnits: [(items: [Item], module: Module)] = []
    /// REPL top-level statements: bindings they declare become globals.
    public let isSession: Bool
    /// Session only: the methods earlier inputs defined, which a new definition replaces.
    private let earlierMethods: [TypeKey: [String: Int]]
    /// Session only: bindings of a destructuring top-level `let`, stored to these global
    /// slots once the pattern has matched.
    public internal(set) var sessionSlots: [ObjectIdentifier: Int] = [:]
    /// Session only: for each closure spawned at an input's top level (by span), the
    /// session variables it reads. It captures a copy of each, loaded from its global slot
    /// when the closure is made (legions share nothing).
    public internal(set) var spawnedSessionReads: [Span: [(binding: Binding, slot: Int)]] = [:]
    private var pendingSessionReads: [ObjectIdentifier: [(binding: Binding, slot: Int)]] = [:]
    /// Session only: the top-level scope of the input being resolved.
    private var sessionScope: FunctionScope?
    /// The module whose items are being declared or whose code is being resolved: names
    /// are looked up in it (Modules.swift).
    var module: Module

    public init(global: GlobalScope, isSession: Bool = false) {
        self.global = global
        self.isSession = isSession
        earlierMethods = isSession ? global.methods : [:]
        self.module = global.modules.root
    }

    // MARK: - Diagnostics

    func error(_ message: String, at span: Span, help: String? = nil) {
        // A path looked up for several meanings reports a missing module once.
        if diagnostics.contains(where: { $0.span == span && $0.message == message }) { return }
        diagnostics.append(.error(message, at: span, help: help))
    }

    // MARK: - Pass 1: items

    /// Spans of the first definition of each item name, for duplicate diagnostics.
    private var valueItemSpans: [String: Span] = [:]
    private var typeItemSpans: [String: Span] = [:]

    static let builtinTypeNames: Set<String> = [
        "int", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize",
        "float", "f32", "f64", "bool", "string", "String", "str", "char", "void",
        "Vec", "HashMap", "Channel", "Option",
    ]

    private func declareType(_ name: Ident, kind: String, isPublic: Bool) -> Bool {
        if let earlier = typeItemSpans[qualified(name.name)] {
            diagnostics.append(Diagnostic(.error, "the name `\(name.name)` is defined multiple times", at: name.span,
                                          help: "rename or remove one of the definitions",
                                          notes: [("previous definition of `\(name.name)` here", earlier)]))
            return false
        }
        typeItemSpans[qualified(name.name)] = name.span
        register(name, kind: kind, namespace: .type, isPublic: isPublic)
        return true
    }

    private func declareValue(_ name: Ident, kind: String, isPublic: Bool) -> Bool {
        if let earlier = valueItemSpans[qualified(name.name)] {
            diagnostics.append(Diagnostic(.error, "the name `\(name.name)` is defined multiple times", at: name.span,
                                          help: "rename or remove one of the definitions",
                                          notes: [("previous definition of `\(name.name)` here", earlier)]))
            return false
        }
        valueItemSpans[qualified(name.name)] = name.span
        register(name, kind: kind, namespace: .value, isPublic: isPublic)
        return true
    }

    private func line(_ span: Span) -> Int { sources.line(of: span) }

    /// A new function, or (`replacing`, in a session) a new body for an existing index, so
    /// code compiled earlier calls the new definition.
    func newFunction(_ decl: FunctionDecl, displayName: String, selfType: TypeName?,
                     outerGenerics: Set<String> = [], replacing: Int? = nil) -> FunctionItem {
        let arity = decl.params.count + (decl.receiver != nil ? 1 : 0)
        let proto = FunctionProto(name: displayName, file: decl.span.file, arity: arity,
                                  hasReceiver: decl.receiver != nil, line: line(decl.name.span))
        let index = replacing.map { global.replaceFunction($0, with: proto) } ?? global.newFunction(proto)
        var item = FunctionItem(decl: decl, index: index, displayName: displayName, selfType: selfType,
                                outerGenerics: outerGenerics)
        item.module = module
        functionItems.append(item)
        checkDuplicateParams(decl)
        return item
    }

    private func checkDuplicateParams(_ decl: FunctionDecl) {
        var seen: [String: Span] = [:]
        for p in decl.params {
            if let earlier = seen[p.name.name], p.name.name != "_" {
                diagnostics.append(Diagnostic(.error, "identifier `\(p.name.name)` is bound more than once in this parameter list",
                                              at: p.name.span, help: "rename one of the parameters",
                                              notes: [("first binding of `\(p.name.name)` here", earlier)]))
            }
            seen[p.name.name] = p.name.span
        }
    }

    /// Pass 1 over a unit's items (and its modules, whose items are declared under
    /// `module::name`; see Modules.swift).
    public func declare(_ items: [Item]) {
        declareProgram(items)
    }

    /// The phases of pass 1 over every item of every module: types first, so impls can
    /// find them wherever they are written; then functions and constants; then imports,
    /// which may name any of those; then impls, whose target may be an imported type.
    func declarePhases(_ all: [(Module, Item)]) {
        for (m, item) in all {
            module = m
            switch item.kind {
            case .structDecl(let s): declareStruct(s, isPublic: item.isPublic)
            case .enumDecl(let e): declareEnum(e, isPublic: item.isPublic)
            case .traitDecl(let t):
                if declareType(t.name, kind: "trait", isPublic: item.isPublic) {
                    global.traits[qualified(t.name.name)] = t
                    if isSession { global.traitDefaults[qualified(t.name.name)] = nil }
                }
            case .typeAlias(let a):
                if declareType(a.name, kind: "type alias", isPublic: item.isPublic) { global.typeAliases[qualified(a.name.name)] = a }
            case .use(let u):
                declareUse(u, isPublic: item.isPublic, span: item.span)
            default: break
            }
        }
        for (m, item) in all {
            module = m
            switch item.kind {
            case .function(let f):
                if declareValue(f.name, kind: "function", isPublic: item.isPublic) {
                    // Prelude functions show in traces under the method they implement.
                    let key = qualified(f.name.name)
                    let display = f.name.name.hasPrefix("__prelude_") ? String(f.name.name.dropFirst(10)) : key
                    let fi = newFunction(f, displayName: display, selfType: nil,
                                         replacing: isSession ? global.functions[key]?.index : nil)
                    global.functions[key] = fi
                    if isSession { global.variables[key] = nil }
                }
            case .constDecl(let c):
                if declareValue(c.name, kind: "constant", isPublic: item.isPublic) {
                    let key = qualified(c.name.name)
                    if isSession { global.variables[key] = nil }
                    var ci = ConstItem(decl: c, slot: global.newGlobalSlot(key), folded: nil)
                    ci.key = key
                    global.consts[ci.key] = ci
                    constItems.append(ci)
                }
            case .traitDecl(let t):
                declareTraitDefaults(t)
            default: break
            }
        }
        var seen = Set<ObjectIdentifier>()
        resolveAllImports(all.map(\.0).filter { seen.insert(ObjectIdentifier($0)).inserted })
        for (m, item) in all {
            module = m
            if case .implDecl(let impl) = item.kind { declareImpl(impl) }
        }
        module = modules.root
        foldConstants()
    }

    private func declareStruct(_ s: StructDecl, isPublic: Bool) {
        guard declareType(s.name, kind: "struct", isPublic: isPublic) else { return }
        var seen: [String: Span] = [:]
        for f in s.fields {
            if let earlier = seen[f.name.name] {
                diagnostics.append(Diagnostic(.error, "field `\(f.name.name)` is already declared", at: f.name.span,
                                              help: "rename or remove the duplicate field",
                                              notes: [("`\(f.name.name)` first declared here", earlier)]))
            }
            seen[f.name.name] = f.name.span
        }
        let index = global.program.structs.count
        global.program.structs.append(StructInfo(name: s.name.name, fieldNames: s.fields.map(\.name.name), methods: [:]))
        global.structs[qualified(s.name.name)] = (s, index, s.name.span)
    }

    private func declareEnum(_ e: EnumDecl, isPublic: Bool) {
        guard declareType(e.name, kind: "enum", isPublic: isPublic) else { return }
        var seen: [String: Span] = [:]
        for v in e.variants {
            if let earlier = seen[v.name.name] {
                diagnostics.append(Diagnostic(.error, "the variant `\(v.name.name)` is defined multiple times", at: v.name.span,
                                              help: "rename or remove the duplicate variant",
                                              notes: [("previous definition of `\(v.name.name)` here", earlier)]))
            }
            seen[v.name.name] = v.name.span
        }
        if isSession, let earlier = global.enums[e.name.name] {
            // A redefined enum's old variants no longer answer to their bare names.
            let info = global.program.enums[earlier.index]
            let old = Set(info.firstVariant..<(info.firstVariant + info.variantNames.count))
            for name in info.variantNames {
                global.variantsByName[name]?.removeAll { old.contains($0) }
                if global.variantsByName[name]?.isEmpty == true { global.variantsByName[name] = nil }
            }
        }
        let index = global.program.enums.count
        let first = global.program.variants.count
        for (tag, v) in e.variants.enumerated() {
            global.program.variants.append((index, tag))
            if module.isRoot {
                global.variantsByName[v.name.name, default: []].append(first + tag)
            } else {
                module.variantsByName[v.name.name, default: []].append(first + tag)
            }
        }
        global.program.enums.append(EnumInfo(name: e.name.name, variantNames: e.variants.map(\.name.name),
                                             variantArity: e.variants.map(\.payload.count),
                                             firstVariant: first, methods: [:]))
        global.enums[qualified(e.name.name)] = (e, index, e.name.span)
    }

    private func declareTraitDefaults(_ t: TraitDecl) {
        let key = qualified(t.name.name)
        guard global.traits[key] != nil, global.traitDefaults[key] == nil else { return }
        var defaults: [String: Int] = [:]
        var seen: [String: Span] = [:]
        for m in t.methods {
            if let earlier = seen[m.name.name] {
                diagnostics.append(Diagnostic(.error, "duplicate definitions with name `\(m.name.name)`", at: m.name.span,
                                              help: "rename or remove one of them",
                                              notes: [("previous definition of `\(m.name.name)` here", earlier)]))
            }
            seen[m.name.name] = m.name.span
            global.methodNames.insert(m.name.name)
            if m.receiver == .mutableReference { global.mutatingMethodNames.insert(m.name.name) }
            if m.body != nil {
                defaults[m.name.name] = newFunction(m, displayName: "\(t.name.name)::\(m.name.name)", selfType: nil,
                                                    outerGenerics: Set(t.generics.map(\.name.name))).index
            }
        }
        global.traitDefaults[key] = defaults
    }

    /// The type an impl block or a `Self` names.
    func typeKey(of type: TypeRef) -> TypeKey? {
        guard case .named(let path) = type.kind else {
            switch type.kind {
            case .slice, .array: return .builtin(.list)
            case .tuple(let items): return items.isEmpty ? .builtin(.unit) : .builtin(.tuple)
            case .channel: return .builtin(.channel)
            case .function: return .builtin(.function)
            default: return nil
            }
        }
        let name = path.last.name
        if let key = userTypeKey(path.segments[...]) {
            if let s = global.structs[key] { return .structType(s.index) }
            if let e = global.enums[key] { return .enumType(e.index) }
            if let alias = global.typeAliases[key] {
                // The alias's type is written in the alias's own module.
                return inModule(modules.itemModules[key] ?? module) { typeKey(of: alias.type) }
            }
        }
        switch name {
        case "int", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize": return .builtin(.int)
        case "float", "f32", "f64": return .builtin(.float)
        case "bool": return .builtin(.bool)
        case "string", "String", "str": return .builtin(.string)
        case "Vec": return .builtin(.list)
        case "HashMap": return .builtin(.map)
        case "Channel": return .builtin(.channel)
        default: return nil
        }
    }

    func typeName(_ key: TypeKey) -> TypeName {
        switch key {
        case .structType(let i): return .structType(i)
        case .enumType(let i): return .enumType(i)
        case .builtin(let k): return .builtin(k)
        }
    }

    /// The key of the user struct or enum `key` in the global tables (`geo::Point`).
    func typeItemKey(_ key: TypeKey) -> String? {
        switch key {
        case .structType(let i): return global.structs.first(where: { $0.value.index == i })?.key
        case .enumType(let i): return global.enums.first(where: { $0.value.index == i })?.key
        case .builtin: return nil
        }
    }

    func displayName(_ key: TypeKey) -> String {
        switch key {
        case .structType(let i): return global.program.structs[i].name
        case .enumType(let i): return global.program.enums[i].name
        case .builtin(let k): return String(describing: k)
        }
    }

    private func declareImpl(_ impl: ImplDecl) {
        guard let key = typeKey(of: impl.target) else {
            checkType(impl.target, generics: Set(impl.generics.map(\.name.name)), selfAllowed: false)
            return
        }
        let typeDisplay = displayName(key)
        var table = global.methods[key] ?? [:]
        // Associated constants are constants named `Type::NAME` (the type's key: `geo::Point::NAME`
        // for a type of module `geo`), resolved in the impl's module.
        for c in impl.constants {
            let qualified = "\(typeItemKey(key) ?? typeDisplay)::\(c.name.name)"
            if global.consts[qualified] != nil {
                error("duplicate definitions with name `\(c.name.name)`", at: c.name.span)
                continue
            }
            var ci = ConstItem(decl: c, slot: global.newGlobalSlot(qualified), folded: nil)
            ci.key = qualified
            global.consts[qualified] = ci
            modules.itemModules[qualified] = module
            constItems.append(ci)
        }
        var trait: TraitDecl?
        var traitKey = ""
        if let traitPath = impl.trait {
            traitKey = userTypeKey(traitPath.segments[...]) ?? traitPath.last.name
            trait = global.traits[traitKey]
            if trait == nil {
                let candidates = Array(global.traits.keys)
                error("cannot find trait `\(traitPath.text)` in this scope", at: traitPath.span,
                      help: similarName(to: traitPath.last.name, among: candidates).map { "a trait with a similar name exists: `\($0)`" })
            }
        }
        var seen: [String: Span] = [:]
        for m in impl.methods {
            if let earlier = seen[m.name.name] {
                diagnostics.append(Diagnostic(.error, "duplicate definitions with name `\(m.name.name)`", at: m.name.span,
                                              help: "rename or remove one of them",
                                              notes: [("previous definition of `\(m.name.name)` here", earlier)]))
                continue
            }
            seen[m.name.name] = m.name.span
            if let trait, !trait.methods.contains(where: { $0.name.name == m.name.name }) {
                error("method `\(m.name.name)` is not a member of trait `\(trait.name.name)`", at: m.name.span,
                      help: similarName(to: m.name.name, among: trait.methods.map(\.name.name))
                        .map { "a method with a similar name exists in the trait: `\($0)`" }
                        ?? "move it to an inherent `impl \(typeDisplay) { ... }` block")
                continue
            }
            var replacing: Int?
            if trait == nil, let existing = table[m.name.name] {
                // In a session, a method an earlier input defined is redefined in place
                // (unless it is a trait's default, which other types share).
                let isDefault = global.traitDefaults.values.contains { $0.values.contains(existing) }
                guard isSession, earlierMethods[key]?[m.name.name] == existing, !isDefault else {
                    error("duplicate definitions with name `\(m.name.name)`", at: m.name.span,
                          help: "`\(typeDisplay)` already has a method `\(m.name.name)`")
                    continue
                }
                replacing = existing
            }
            global.methodNames.insert(m.name.name)
            if m.receiver == .mutableReference { global.mutatingMethodNames.insert(m.name.name) }
            let fi = newFunction(m, displayName: "\(typeDisplay)::\(m.name.name)", selfType: typeName(key),
                                 outerGenerics: Set(impl.generics.map(\.name.name)), replacing: replacing)
            table[m.name.name] = fi.index
        }
        if let trait {
            let defaults = global.traitDefaults[traitKey] ?? [:]
            var missing: [String] = []
            for tm in trait.methods where seen[tm.name.name] == nil {
                if let d = defaults[tm.name.name] {
                    if table[tm.name.name] == nil { table[tm.name.name] = d }
                } else {
                    missing.append(tm.name.name)
                }
            }
            if !missing.isEmpty {
                let list = missing.map { "`\($0)`" }.joined(separator: ", ")
                error("not all trait items implemented, missing: \(list)", at: impl.target.span,
                      help: "implement the missing method\(missing.count > 1 ? "s" : "") in `impl \(trait.name.name) for \(typeDisplay)`")
            }
        }
        global.methods[key] = table
        switch key {
        case .structType(let i): global.program.structs[i].methods = table
        case .enumType(let i): global.program.enums[i].methods = table
        case .builtin(let k): global.program.builtinTypeMethods[k] = table
        }
    }

    /// Folds constants whose initialisers are constant expressions (in dependency order,
    /// by recursion with a guard against cycles).
    private func foldConstants() {
        var folding: Set<String> = []
        func value(of key: String) -> Constant? {
            guard var item = global.consts[key] else { return nil }
            if let f = item.folded { return f }
            if folding.contains(key) { return nil }
            folding.insert(key)
            defer { folding.remove(key) }
            // Names in the initialiser mean what they mean in the constant's module.
            let folded = inModule(modules.itemModules[key] ?? modules.root) {
                ConstantFolder.fold(item.decl.value) { e in
                    guard case .path(let p) = e.kind else { return nil }
                    if p.segments.count == 1 { return valueKey(p.last.name).flatMap { value(of: $0) } }
                    // `Type::NAME`, an associated constant.
                    if let typeKey = userTypeKey(p.segments.dropLast()), let v = value(of: "\(typeKey)::\(p.last.name)") {
                        return v
                    }
                    guard startsWithModule(p), case .item(let k)? = moduleValue(p)?.target else { return nil }
                    return value(of: k)
                }
            }
            item.folded = folded
            global.consts[key] = item
            return folded
        }
        for i in constItems.indices {
            constItems[i].folded = value(of: constItems[i].key)
        }
    }

    // MARK: - Types in annotations

    /// Reports unknown type names in an annotation.
    func checkType(_ t: TypeRef, generics: Set<String>, selfAllowed: Bool) {
        switch t.kind {
        case .named(let path):
            for seg in path.segments { for arg in seg.genericArgs { checkType(arg, generics: generics, selfAllowed: selfAllowed) } }
            let name = path.last.name
            if path.segments.count > 1 {
                // `std::collections::Vec` and `module::Type`: the last segment must be a type.
                if userTypeKey(path.segments[...]) != nil || Resolver.builtinTypeNames.contains(name) { return }
                if diagnostics.contains(where: { $0.span.file == path.span.file && $0.span.start >= path.span.start && $0.span.end <= path.span.end }) {
                    return
                }
            } else {
                if name == "Self" {
                    if !selfAllowed { error("cannot find type `Self` in this scope", at: path.span,
                                            help: "`Self` is only available in impls and traits") }
                    return
                }
                if Resolver.builtinTypeNames.contains(name) || generics.contains(name) || isUserType(name) { return }
            }
            let candidates = Array(Resolver.builtinTypeNames) + Array(generics) + Array(global.structs.keys)
                + Array(global.enums.keys) + Array(global.traits.keys) + Array(global.typeAliases.keys)
            error("cannot find type `\(path.text)` in this scope", at: path.span,
                  help: similarName(to: name, among: candidates).map { "a type with a similar name exists: `\($0)`" })
        case .slice(let e), .channel(let e), .optional(let e), .reference(let e, _):
            checkType(e, generics: generics, selfAllowed: selfAllowed)
        case .array(let e, _):
            checkType(e, generics: generics, selfAllowed: selfAllowed)
        case .tuple(let items):
            for i in items { checkType(i, generics: generics, selfAllowed: selfAllowed) }
        case .function(let params, let result):
            for p in params { checkType(p, generics: generics, selfAllowed: selfAllowed) }
            if let r = result { checkType(r, generics: generics, selfAllowed: selfAllowed) }
        }
    }

    private func isUserType(_ name: String) -> Bool {
        guard let key = userTypeKey([Path.Segment(name: Ident(name, .synthetic))][...]) else { return false }
        return global.structs[key] != nil || global.enums[key] != nil || global.traits[key] != nil
            || global.typeAliases[key] != nil
    }

    // MARK: - Pass 2: bodies

    /// One function being resolved (a function, method, closure or spawned block).
    final class FunctionScope {
        let parent: FunctionScope?
        /// Spawned blocks copy what they capture and may not assign to it.
        let isSpawn: Bool
        var blocks: [[String: Binding]] = [[:]]
        /// Nested `fn` items visible in each block.
        var itemBlocks: [[String: Int]] = [[:]]
        var captures: [Capture] = []
        var captureIndex: [ObjectIdentifier: Int] = [:]
        var loopDepth = 0
        let selfType: TypeName?
        let generics: Set<String>
        /// False for the initialiser of a `const` and REPL top-level code: `return` is an error there.
        let isFunction: Bool

        init(parent: FunctionScope?, isSpawn: Bool, selfType: TypeName?, generics: Set<String>, isFunction: Bool) {
            self.parent = parent
            self.isSpawn = isSpawn
            self.selfType = selfType
            self.generics = generics
            self.isFunction = isFunction
        }

        func lookupLocal(_ name: String) -> Binding? {
            for block in blocks.reversed() { if let b = block[name] { return b } }
            return nil
        }

        func lookupItem(_ name: String) -> Int? {
            for block in itemBlocks.reversed() { if let f = block[name] { return f } }
            return nil
        }
    }

    var scope: FunctionScope!
    /// Bindings that hold a `&mut` reference (by annotation or initialiser): assignment
    /// through them is allowed even though the binding itself is immutable.
    var holdsMutableReference: Set<ObjectIdentifier> = []
    /// Top-level REPL bindings, which become globals instead of locals.
    var sessionTopLevel = false

    /// Pass 2 over every function and constant this unit declared.
    public func resolveBodies() {
        for item in functionItems {
            module = item.module ?? modules.root
            resolveFunction(item.decl, selfType: item.selfType, parent: nil, outerGenerics: item.outerGenerics)
        }
        checkItemTypes()
        for c in constItems {
            module = modules.itemModules[c.key] ?? modules.root
            if let t = c.decl.type { checkType(t, generics: [], selfAllowed: false) }
            guard c.folded == nil else { continue }
            scope = FunctionScope(parent: nil, isSpawn: false, selfType: nil, generics: [], isFunction: false)
            resolve(c.decl.value)
            scope = nil
        }
        module = modules.root
    }

    /// Unknown type names in struct fields, variant payloads and type aliases.
    private func checkItemTypes() {
        for (key, s) in global.structs.sorted(by: { $0.value.index < $1.value.index }) {
            module = modules.itemModules[key] ?? modules.root
            let g = Set(s.decl.generics.map(\.name.name))
            for f in s.decl.fields { checkType(f.type, generics: g, selfAllowed: false) }
        }
        for (key, e) in global.enums.sorted(by: { $0.value.index < $1.value.index }) {
            module = modules.itemModules[key] ?? modules.root
            let g = Set(e.decl.generics.map(\.name.name))
            for v in e.decl.variants { for t in v.payload { checkType(t, generics: g, selfAllowed: false) } }
        }
        for (key, a) in global.typeAliases.sorted(by: { $0.key < $1.key }) {
            module = modules.itemModules[key] ?? modules.root
            checkType(a.type, generics: Set(a.generics.map(\.name.name)), selfAllowed: false)
        }
    }

    func resolveFunction(_ decl: FunctionDecl, selfType: TypeName?, parent: FunctionScope?,
                         visibleItems: [String: Int] = [:], outerGenerics: Set<String> = []) {
        let generics = Set(decl.generics.map(\.name.name)).union(outerGenerics)
        let saved = scope
        scope = FunctionScope(parent: parent, isSpawn: false, selfType: selfType,
                              generics: generics.union(parent?.generics ?? []), isFunction: true)
        scope.itemBlocks[0] = visibleItems
        let selfAllowed = selfType != nil || decl.receiver != nil
        if decl.receiver != nil {
            let mutable = decl.receiver == .mutableValue || decl.receiver == .mutableReference
            let b = Binding(name: "self", isMutable: mutable, span: decl.receiverSpan ?? decl.name.span)
            declarations[decl.receiverSpan ?? decl.name.span] = b
            scope.blocks[0]["self"] = b
        }
        for p in decl.params {
            if let t = p.type { checkType(t, generics: scope.generics, selfAllowed: selfAllowed) }
            let b = Binding(name: p.name.name, isMutable: p.isMutable, span: p.name.span)
            if let t = p.type, case .reference(_, mutable: true) = t.kind { holdsMutableReference.insert(ObjectIdentifier(b)) }
            declarations[p.name.span] = b
            scope.blocks[0][p.name.name] = b
        }
        if let r = decl.result { checkType(r, generics: scope.generics, selfAllowed: selfAllowed) }
        if let body = decl.body { resolveBlock(body, newScope: false) }
        scope = saved
    }

    /// Resolves REPL top-level statements: `let` bindings become global variables.
    public func resolveSessionStatements(_ statements: [Stmt], tail: Expr?) {
        scope = FunctionScope(parent: nil, isSpawn: false, selfType: nil, generics: [], isFunction: false)
        sessionScope = scope
        sessionTopLevel = true
        for s in statements { resolveStatement(s) }
        if let tail { resolve(tail) }
        sessionTopLevel = false
        sessionScope = nil
        scope = nil
    }

    func resolveBlock(_ block: Block, newScope: Bool = true) {
        if newScope { pushBlock() }
        // Nested items are visible in the whole block, before their definition too.
        for s in block.statements {
            if case .item(let item) = s.kind, case .function(let f) = item.kind {
                let fi = newFunction(f, displayName: f.name.name, selfType: nil)
                nestedFunctions[f.span] = fi.index
                scope.itemBlocks[scope.itemBlocks.count - 1][f.name.name] = fi.index
            }
        }
        for s in block.statements { resolveStatement(s) }
        if let tail = block.tail { resolve(tail) }
        if newScope { popBlock() }
    }

    func pushBlock() { scope.blocks.append([:]); scope.itemBlocks.append([:]) }
    func popBlock() { scope.blocks.removeLast(); scope.itemBlocks.removeLast() }

    func resolveStatement(_ s: Stmt) {
        switch s.kind {
        case .letBinding(let pattern, let type, let value):
            if let type { checkType(type, generics: scope.generics, selfAllowed: scope.selfType != nil) }
            if let value { resolve(value) }
            let introduced = declarePattern(pattern, forLet: true)
            var holdsRef = false
            if let type, case .reference(_, mutable: true) = type.kind { holdsRef = true }
            if let value, case .unary(.mutableReference, _) = value.kind { holdsRef = true }
            if holdsRef { for b in introduced { holdsMutableReference.insert(ObjectIdentifier(b)) } }
        case .expression(let e, _):
            resolve(e)
        case .item(let item):
            switch item.kind {
            case .function(let f):
                // A nested function sees items (its siblings and itself included), not the
                // enclosing function's locals.
                var visible: [String: Int] = [:]
                var fs: FunctionScope? = scope
                while let s = fs {
                    for block in s.itemBlocks.reversed() { visible.merge(block) { inner, _ in inner } }
                    fs = s.parent
                }
                let saved = scope
                resolveFunction(f, selfType: nil, parent: nil, visibleItems: visible)
                scope = saved
            case .use, .typeAlias, .constDecl, .structDecl, .enumDecl, .traitDecl, .implDecl, .module:
                error("only `fn` items may be nested inside a block", at: item.span,
                      help: "move this item to the top level of the file")
            }
        }
    }

    // MARK: Patterns

    /// Declares the bindings a pattern introduces in the current block; records variant
    /// and constant patterns. Returns the new bindings.
    @discardableResult
    func declarePattern(_ p: Pattern, forLet: Bool = false) -> [Binding] {
        var introduced: [Binding] = []
        var names: [String: Binding] = [:]
        func visit(_ p: Pattern, alternativeIndex: Int) {
            switch p.kind {
            case .wildcard:
                break
            case .binding(let ident, let isMutable):
                if !forLet, !isMutable, let r = patternNameResolution(ident.name) {
                    resolutions[p.span] = r
                    return
                }
                if let existing = names[ident.name] {
                    if alternativeIndex > 0 { declarations[ident.span] = existing; return }
                    error("identifier `\(ident.name)` is bound more than once in the same pattern", at: ident.span)
                    return
                }
                let b = Binding(name: ident.name, isMutable: isMutable, span: ident.span)
                names[ident.name] = b
                declarations[ident.span] = b
                introduced.append(b)
            case .literal(let e):
                resolve(e)
            case .range(let lo, let hi, _):
                resolve(lo); resolve(hi)
            case .tuple(let items):
                for i in items { visit(i, alternativeIndex: alternativeIndex) }
            case .variant(let path, let args):
                if let r = resolveVariantPath(path) {
                    resolutions[p.span] = r
                    if case .variant(let v) = r {
                        let (e, tag) = global.program.variants[v]
                        let arity = global.program.enums[e].variantArity[tag]
                        let given = args?.count ?? 0
                        if args != nil || arity > 0, given != arity {
                            error("this pattern has \(given) field\(given == 1 ? "" : "s"), but the corresponding tuple variant has \(arity) field\(arity == 1 ? "" : "s")",
                                  at: p.span)
                        }
                    }
                }
                for a in args ?? [] { visit(a, alternativeIndex: alternativeIndex) }
            case .structPattern(let path, let fields, _):
                if let r = resolveTypePath(path) {
                    resolutions[p.span] = r
                    if case .structType(let si) = r {
                        let info = global.program.structs[si]
                        for f in fields where !info.fieldNames.contains(f.name.name) {
                            error("struct `\(info.name)` does not have a field named `\(f.name.name)`", at: f.name.span,
                                  help: similarName(to: f.name.name, among: info.fieldNames).map { "a field with a similar name exists: `\($0)`" })
                        }
                    }
                }
                for f in fields { visit(f.pattern, alternativeIndex: alternativeIndex) }
            case .alternatives(let alts):
                for (i, a) in alts.enumerated() { visit(a, alternativeIndex: max(i, alternativeIndex)) }
            }
        }
        visit(p, alternativeIndex: 0)
        for b in introduced {
            if sessionTopLevel && scope.blocks.count == 1 {
                // A REPL `let` is a global so later inputs see it.
                let slot = global.variables[b.name]?.slot ?? global.newGlobalSlot(b.name)
                global.variables[b.name] = (slot, b.isMutable)
                if case .binding = p.kind {
                    resolutions[b.span] = .global(slot)
                } else {
                    // Destructured: the pattern binds a register, then it is stored.
                    sessionSlots[ObjectIdentifier(b)] = slot
                }
            } else {
                scope.blocks[scope.blocks.count - 1][b.name] = b
            }
        }
        return introduced
    }

    /// A bare name in a pattern that is a unit variant or a constant (as in Rust).
    private func patternNameResolution(_ name: String) -> Resolution? {
        if scope.lookupLocal(name) != nil { return nil }
        if let key = valueKey(name), let c = global.consts[key] { return c.folded.map { .constant($0) } ?? .global(c.slot) }
        if let vs = variantsNamed(name), vs.count == 1 {
            let (e, tag) = global.program.variants[vs[0]]
            if global.program.enums[e].variantArity[tag] == 0 { return .variant(vs[0]) }
        }
        return nil
    }

    private func resolveVariantPath(_ path: Path) -> Resolution? {
        let name = path.last.name
        if path.segments.count >= 2 {
            let prefix = path.segments.dropLast()
            if let e = enumNamed(prefix) {
                let info = global.program.enums[e]
                if let tag = info.variantNames.firstIndex(of: name) { return .variant(info.firstVariant + tag) }
                error("no variant named `\(name)` in enum `\(info.name)`", at: path.last.span,
                      help: similarName(to: name, among: info.variantNames).map { "there is a variant with a similar name: `\($0)`" })
                return nil
            }
            let typeSegment = path.segments[path.segments.count - 2].name
            if !reported(within: path.span) {
                error("cannot find enum `\(typeSegment.name)` in this scope", at: typeSegment.span)
            }
            return nil
        }
        if let vs = variantsNamed(name) {
            if vs.count == 1 { return .variant(vs[0]) }
            let owners = vs.map { global.program.enums[global.program.variants[$0].enumIndex].name }
            error("`\(name)` is ambiguous: it is a variant of \(owners.map { "`\($0)`" }.joined(separator: " and "))",
                  at: path.span, help: "qualify it: `\(owners[0])::\(name)`")
            return nil
        }
        error("cannot find variant `\(name)` in this scope", at: path.span,
              help: similarName(to: name, among: Array(global.variantsByName.keys)).map { "a variant with a similar name exists: `\($0)`" })
        return nil
    }

    /// True when an error was already reported inside `span` (a module path that named
    /// nothing), so a second, vaguer one is not added.
    private func reported(within span: Span) -> Bool {
        diagnostics.contains { $0.span.file == span.file && $0.span.start >= span.start && $0.span.end <= span.end }
    }

    /// The enum the segments of a type path name (`Shape`, `Self`, `geometry::Shape`, an alias).
    private func enumNamed(_ segments: ArraySlice<Path.Segment>) -> Int? {
        if segments.count == 1, segments.first?.name.name == "Self", case .enumType(let e)? = scope.selfType { return e }
        guard let key = userTypeKey(segments) else { return nil }
        if let e = global.enums[key] { return e.index }
        if global.typeAliases[key] != nil, case .enumType(let e)? = aliasTarget(key) { return e }
        return nil
    }

    /// The struct the segments of a type path name.
    private func structNamed(_ segments: ArraySlice<Path.Segment>) -> Int? {
        if segments.count == 1, segments.first?.name.name == "Self", case .structType(let s)? = scope.selfType { return s }
        guard let key = userTypeKey(segments) else { return nil }
        if let s = global.structs[key] { return s.index }
        if global.typeAliases[key] != nil, case .structType(let s)? = aliasTarget(key) { return s }
        return nil
    }

    private func structNamed(_ name: String) -> Int? {
        structNamed([Path.Segment(name: Ident(name, .synthetic))][...])
    }

    /// What the type alias with key `key` stands for, read in the alias's module.
    private func aliasTarget(_ key: String) -> TypeKey? {
        guard let alias = global.typeAliases[key] else { return nil }
        return inModule(modules.itemModules[key] ?? module) { typeKey(of: alias.type) }
    }

    private func resolveTypePath(_ path: Path) -> Resolution? {
        if let s = structNamed(path.segments[...]) { return .structType(s) }
        if reported(within: path.span) { return nil }
        let candidates = Array(global.structs.keys)
        error("cannot find struct `\(path.text)` in this scope", at: path.span,
              help: similarName(to: path.last.name, among: candidates).map { "a struct with a similar name exists: `\($0)`" })
        return nil
    }

    // MARK: Names

    /// Looks a local up through enclosing closures, recording captures on the way.
    private func lookupVariable(_ name: String, in fs: FunctionScope) -> (Resolution, crossedSpawn: Bool)? {
        if let b = fs.lookupLocal(name) { return (.local(b), false) }
        guard let parent = fs.parent,
              let (outer, crossed) = lookupVariable(name, in: parent) ?? sessionRead(name, by: fs, parent: parent)
        else { return nil }
        let binding: Binding
        let capture: Capture
        switch outer {
        case .local(let b):
            binding = b
            capture = .local(b, copy: fs.isSpawn)
            if !fs.isSpawn { b.needsCell = true; b.isCaptured = true }
        case .upvalue(let i, let b):
            binding = b
            capture = .upvalue(i, copy: fs.isSpawn)
        default:
            return (outer, crossed)
        }
        let key = ObjectIdentifier(binding)
        if let existing = fs.captureIndex[key] { return (.upvalue(existing, binding), crossed || fs.isSpawn) }
        fs.captures.append(capture)
        fs.captureIndex[key] = fs.captures.count - 1
        return (.upvalue(fs.captures.count - 1, binding), crossed || fs.isSpawn)
    }

    /// A block spawned at a session input's top level reads the session variable `name`:
    /// like a local of the enclosing function, it is captured by copy, its value taken when
    /// the block is spawned.
    private func sessionRead(_ name: String, by fs: FunctionScope, parent: FunctionScope) -> (Resolution, crossedSpawn: Bool)? {
        guard fs.isSpawn, parent === sessionScope, let v = global.variables[name] else { return nil }
        let key = ObjectIdentifier(fs)
        if let existing = pendingSessionReads[key]?.first(where: { $0.binding.name == name }) {
            return (.local(existing.binding), false)
        }
        let b = Binding(name: name, isMutable: v.isMutable, span: Span.synthetic)
        pendingSessionReads[key, default: []].append((b, v.slot))
        return (.local(b), false)
    }

    /// Resolves a path expression (or records an error).
    @discardableResult
    func resolvePath(_ path: Path, span: Span) -> Resolution? {
        let name = path.last.name
        if path.segments.count == 1 {
            if name == "self" {
                if let (r, _) = lookupVariable("self", in: scope) { resolutions[span] = r; return r }
                error("`self` value is a keyword only available in methods with a `self` parameter", at: span,
                      help: "add a `self` receiver as the first parameter of this method")
                return nil
            }
            if let (r, _) = lookupVariable(name, in: scope) { resolutions[span] = r; return r }
            if let f = lookupNestedItem(name) { resolutions[span] = .function(f); return .function(f) }
            if module.isRoot, let v = global.variables[name] { resolutions[span] = .global(v.slot); return .global(v.slot) }
            if let e = lookup(name, .value, in: module), let r = valueResolution(e, path: path) {
                checkGlobAmbiguity(name, .value, at: span)
                resolutions[span] = r; return r
            }
            if let s = structNamed(name), global.program.structs[s].fieldNames.isEmpty {
                resolutions[span] = .structType(s); return .structType(s)
            }
            if variantsNamed(name) != nil {
                let r = resolveVariantPath(path)
                if let r { resolutions[span] = r }
                return r
            }
            if let b = BuiltinFunction(name: name), !b.isLibraryOnly || module.isLibrary {
                resolutions[span] = .builtin(b); return .builtin(b)
            }
            error("cannot find value `\(name)` in this scope", at: span,
                  help: similarName(to: name, among: visibleValueNames()).map { "a local variable or item with a similar name exists: `\($0)`" }
                    ?? enclosingModuleHelp(name))
            return nil
        }
        // `module::item` and `module::Type::member`: walk the modules first.
        if startsWithModule(path) {
            guard let prefix = resolvePrefix(path.segments.dropLast(), span: path.span) else { return nil }
            if case .builtins = prefix {
                guard let b = BuiltinFunction(name: name) else {
                    error("there is no builtin function named `\(name)`", at: path.last.span)
                    return nil
                }
                resolutions[span] = .builtin(b); return .builtin(b)
            }
            if case .module = prefix {
                guard let e = moduleValue(path), let r = valueResolution(e, path: path) else { return nil }
                resolutions[span] = r; return r
            }
        }
        // `Type::member`, `Enum::Variant`, `Trait::method`.
        let prefix = path.segments.dropLast()
        let typeSegment = path.segments[path.segments.count - 2].name
        let typeName = typeSegment.name
        if let owner = enumNamed(prefix).map({ TypeKey.enumType($0) }) ?? structNamed(prefix).map({ TypeKey.structType($0) }),
           let c = global.consts["\(typeItemKey(owner) ?? displayName(owner))::\(name)"] {
            let r: Resolution = c.folded.map { .constant($0) } ?? .global(c.slot)
            resolutions[span] = r
            return r
        }
        if let e = enumNamed(prefix) {
            let info = global.program.enums[e]
            if info.variantNames.contains(name) {
                let r = resolveVariantPath(path)
                if let r { resolutions[span] = r }
                return r
            }
            if let m = global.methods[.enumType(e)]?[name] { resolutions[span] = .function(m); return .function(m) }
            error("no variant or associated item named `\(name)` found for enum `\(info.name)`", at: path.last.span,
                  help: similarName(to: name, among: info.variantNames + Array((global.methods[.enumType(e)] ?? [:]).keys))
                    .map { "there is an item with a similar name: `\($0)`" })
            return nil
        }
        if let s = structNamed(prefix) {
            if let m = global.methods[.structType(s)]?[name] { resolutions[span] = .function(m); return .function(m) }
            let info = global.program.structs[s]
            error("no function or associated item named `\(name)` found for struct `\(info.name)`", at: path.last.span,
                  help: similarName(to: name, among: Array((global.methods[.structType(s)] ?? [:]).keys))
                    .map { "there is an associated function with a similar name: `\($0)`" })
            return nil
        }
        if let key = userTypeKey(prefix), global.traits[key] != nil {
            resolutions[span] = .traitMethod(name)
            return .traitMethod(name)
        }
        if let c = BuiltinConstructor(typeName: typeName, member: name) {
            resolutions[span] = .constructor(c); return .constructor(c)
        }
        if let key = typeKey(of: TypeRef(.named(Path(segments: Array(prefix), span: typeSegment.span)), typeSegment.span)),
           let m = global.methods[key]?[name] {
            resolutions[span] = .function(m); return .function(m)
        }
        if reported(within: path.span) { return nil }
        error("failed to resolve: `\(path.text)` is not a known type, enum, trait or module item", at: span)
        return nil
    }

    /// What a value entry of a module's namespace resolves to; reports entries that are
    /// not values (a module, a struct with fields, a trait).
    private func valueResolution(_ e: ModuleEntry, path: Path) -> Resolution? {
        switch e.target {
        case .item(let key):
            if let c = global.consts[key] { return c.folded.map { .constant($0) } ?? .global(c.slot) }
            if let f = global.functions[key] { return .function(f.index) }
            if let s = global.structs[key], global.program.structs[s.index].fieldNames.isEmpty { return .structType(s.index) }
            if global.structs[key] != nil {
                error("expected a value, found struct `\(path.text)`", at: path.span,
                      help: "build one with a struct literal: `\(path.text) { ... }`")
                return nil
            }
            if e.kind != "function" && e.kind != "constant" {
                error("expected a value, found \(e.kind) `\(path.text)`", at: path.span)
            }
            return nil
        case .variant(let v):
            return .variant(v)
        case .module:
            error("expected a value, found module `\(path.text)`", at: path.span)
            return nil
        case .builtinType(let name):
            error("expected a value, found the type `\(name)`", at: path.span)
            return nil
        case .builtinFunction(let b):
            return .builtin(b)
        }
    }

    /// A help line for a name that is not in scope here but is an item of an enclosing
    /// module: Rust's modules do not see their parent's items without a path.
    private func enclosingModuleHelp(_ name: String) -> String? {
        var m = module.parent
        var path = "super::"
        while let current = m {
            if current.values[name] != nil || current.types[name] != nil || current.imports[name] != nil {
                let place = current.isRoot ? "at the crate root" : "in module `\(current.displayName)`"
                let how = current.imports[name] != nil && current.values[name] == nil && current.types[name] == nil
                    ? "imported" : "declared"
                return "`\(name)` is \(how) \(place): write `\(path)\(name)` or `use \(path)\(name);`"
            }
            m = current.parent
            path += "super::"
        }
        return nil
    }

    private func lookupNestedItem(_ name: String) -> Int? {
        var fs: FunctionScope? = scope
        while let s = fs {
            if let f = s.lookupItem(name) { return f }
            fs = s.parent
        }
        return nil
    }

    private func visibleValueNames() -> [String] {
        var names: [String] = []
        var fs: FunctionScope? = scope
        while let s = fs {
            for b in s.blocks { names.append(contentsOf: b.keys) }
            fs = s.parent
        }
        names.append(contentsOf: global.functions.keys.filter { !$0.contains("::") })
        names.append(contentsOf: global.consts.keys.filter { !$0.contains("::") })
        names.append(contentsOf: moduleValueNames())
        names.append(contentsOf: global.variables.keys)
        names.append(contentsOf: global.variantsByName.keys)
        names.append(contentsOf: BuiltinFunction.allCases.map(\.name))
        return names
    }

    // MARK: Expressions

    func resolve(_ e: Expr) {
        switch e.kind {
        case .int, .float, .string, .bool, .nilLiteral, .unit:
            break
        case .path(let path):
            resolvePath(path, span: e.span)
        case .array(let items), .tuple(let items):
            for i in items { resolve(i) }
        case .arrayRepeat(let value, let count):
            resolve(value); resolve(count)
        case .structLiteral(let path, let fields):
            resolveStructLiteral(path, fields: fields, span: e.span)
        case .unary(let op, let operand):
            resolve(operand)
            if op == .reference || op == .mutableReference { markAddressTaken(operand) }
        case .binary, .cast, .call, .methodCall, .field, .tupleField, .index:
            resolveChain(e)
        case .assign(let target, _, let value):
            resolve(value)
            resolve(target)
            checkAssignable(target, whole: target, statement: e.span)
        case .range(let lo, let hi, _):
            if let lo { resolve(lo) }
            if let hi { resolve(hi) }
        case .closure(let params, let result, let body):
            resolveClosure(params: params, result: result, body: body, span: e.span, isSpawn: false)
        case .block(let b):
            resolveBlock(b)
        case .ifElse:
            // `else if` chains can be thousands long: walk them in a loop.
            var current = e
            while case .ifElse(let c, let then, let otherwise) = current.kind {
                resolve(c)
                resolveBlock(then)
                guard let o = otherwise else { return }
                current = o
            }
            resolve(current)
        case .match(let subject, let arms):
            resolve(subject)
            for arm in arms {
                pushBlock()
                declarePattern(arm.pattern)
                if let g = arm.guardExpr { resolve(g) }
                resolve(arm.body)
                popBlock()
            }
        case .whileLoop(let c, let body):
            resolve(c)
            scope.loopDepth += 1
            resolveBlock(body)
            scope.loopDepth -= 1
        case .loop(let body):
            scope.loopDepth += 1
            resolveBlock(body)
            scope.loopDepth -= 1
        case .forLoop(let pattern, let iterable, let body):
            resolve(iterable)
            pushBlock()
            declarePattern(pattern, forLet: true)
            scope.loopDepth += 1
            resolveBlock(body)
            scope.loopDepth -= 1
            popBlock()
        case .breakLoop(let v):
            if let v { resolve(v) }
            if scope.loopDepth == 0 {
                error("`break` outside of a loop", at: e.span, help: "`break` can only be used inside `loop`, `while` or `for`")
            }
        case .continueLoop:
            if scope.loopDepth == 0 {
                error("`continue` outside of a loop", at: e.span, help: "`continue` can only be used inside `loop`, `while` or `for`")
            }
        case .returnValue(let v):
            if let v { resolve(v) }
            if !scope.isFunction {
                error("`return` outside of a function", at: e.span)
            }
        case .spawn(let body):
            resolveSpawn(body)
        case .send(let ch, let value):
            resolve(ch); resolve(value)
        case .select(let cases):
            for c in cases {
                pushBlock()
                switch c.kind {
                case .receive(let binding, let ch):
                    resolve(ch)
                    if let binding { declarePattern(binding, forLet: true) }
                case .send(let ch, let value):
                    resolve(ch); resolve(value)
                case .defaultCase:
                    break
                }
                resolve(c.body)
                popBlock()
            }
        case .make(let type, let args):
            checkType(type, generics: scope.generics, selfAllowed: scope.selfType != nil)
            for a in args { resolve(a) }
            if case .channel = type.kind {} else {
                error("`make` creates channels: write `make[chan T](n)`", at: type.span)
            }
        }
    }

    /// The operand a chain continues through: the left operand of a binary operator, the
    /// receiver, callee or base of a postfix operation, the operand of `as`.
    static func chainChild(_ e: Expr) -> Expr? {
        switch e.kind {
        case .binary(_, let l, _): return l
        case .cast(let inner, _): return inner
        case .call(let callee, _): return callee
        case .methodCall(let receiver, _, _, _): return receiver
        case .field(let base, _), .tupleField(let base, _, _), .index(let base, _): return base
        default: return nil
        }
    }

    /// Resolves a chain of binary and postfix operations (`1 + 1 + ... + 1`,
    /// `a.f().g()...`) in a loop: chains are parsed iteratively and may be far deeper than
    /// the nesting limit, so recursing per link could exhaust the native stack.
    private func resolveChain(_ e: Expr) {
        var links: [Expr] = []
        var current = e
        while let child = Resolver.chainChild(current) {
            links.append(current)
            current = child
        }
        resolve(current)
        for link in links.reversed() { resolveLink(link) }
    }

    /// The work of one chain link, its chain child already resolved.
    private func resolveLink(_ e: Expr) {
        switch e.kind {
        case .binary(_, _, let r):
            resolve(r)
        case .cast(_, let type):
            checkType(type, generics: scope.generics, selfAllowed: scope.selfType != nil)
            if case .named(let p) = type.kind, CastTarget(typeName: p.last.name) == nil {
                error("cannot cast to `\(p.text)`: `as` converts to int, float, bool or string", at: type.span)
            } else if case .named = type.kind {} else {
                error("cannot cast to this type: `as` converts to int, float, bool or string", at: type.span)
            }
        case .call(let callee, let args):
            for a in args { resolve(a) }
            checkCallArity(callee, argCount: args.count, span: e.span)
        case .methodCall(let receiver, let name, let genericArgs, let args):
            for g in genericArgs { checkType(g, generics: scope.generics, selfAllowed: scope.selfType != nil) }
            for a in args { resolve(a) }
            checkMethodName(name)
            if isMutatingOnly(name.name) { checkMutableReceiver(receiver, method: name.name) }
        case .index(_, let index):
            resolve(index)
        default:
            break
        }
    }

    private func resolveStructLiteral(_ path: Path, fields: [(name: Ident, value: Expr)], span: Span) {
        for f in fields { resolve(f.value) }
        guard let r = resolveTypePath(path), case .structType(let si) = r else { return }
        resolutions[path.span] = r
        let info = global.program.structs[si]
        var seen: [String: Span] = [:]
        for f in fields {
            if let earlier = seen[f.name.name] {
                diagnostics.append(Diagnostic(.error, "field `\(f.name.name)` specified more than once", at: f.name.span,
                                              notes: [("first use of `\(f.name.name)`", earlier)]))
            }
            seen[f.name.name] = f.name.span
            if !info.fieldNames.contains(f.name.name) {
                error("struct `\(info.name)` has no field named `\(f.name.name)`", at: f.name.span,
                      help: similarName(to: f.name.name, among: info.fieldNames.filter { seen[$0] == nil || $0 == f.name.name })
                        .map { "a field with a similar name exists: `\($0)`" })
            }
        }
        let missing = info.fieldNames.filter { seen[$0] == nil }
        if !missing.isEmpty {
            let list = missing.map { "`\($0)`" }.joined(separator: ", ")
            error("missing field\(missing.count > 1 ? "s" : "") \(list) in initializer of `\(info.name)`", at: path.span,
                  help: "add the missing field\(missing.count > 1 ? "s" : ""): \(missing.map { "\($0): ..." }.joined(separator: ", "))")
        }
    }

    private func resolveClosure(params: [Param], result: TypeRef?, body: Expr, span: Span, isSpawn: Bool) {
        let fs = FunctionScope(parent: scope, isSpawn: isSpawn, selfType: scope.selfType, generics: scope.generics, isFunction: true)
        let saved = scope
        scope = fs
        var seen: Set<String> = []
        for p in params {
            if let t = p.type { checkType(t, generics: fs.generics, selfAllowed: fs.selfType != nil) }
            if !seen.insert(p.name.name).inserted && p.name.name != "_" {
                error("identifier `\(p.name.name)` is bound more than once in this parameter list", at: p.name.span)
            }
            let b = Binding(name: p.name.name, isMutable: p.isMutable, span: p.name.span)
            declarations[p.name.span] = b
            fs.blocks[0][p.name.name] = b
        }
        if let result { checkType(result, generics: fs.generics, selfAllowed: fs.selfType != nil) }
        resolve(body)
        scope = saved
        captures[span] = fs.captures
        if let reads = pendingSessionReads.removeValue(forKey: ObjectIdentifier(fs)) { spawnedSessionReads[span] = reads }
    }

    private func resolveSpawn(_ body: Expr) {
        switch body.kind {
        case .block:
            resolveClosure(params: [], result: nil, body: body, span: body.span, isSpawn: true)
        case .call(let callee, let args):
            if case .closure(let params, let result, let closureBody) = callee.kind {
                resolveClosure(params: params, result: result, body: closureBody, span: callee.span, isSpawn: true)
                for a in args { resolve(a) }
            } else {
                resolve(body)
            }
        case .methodCall:
            // `spawn obj.method(x)` runs as a spawned block: it copies what it uses.
            resolveClosure(params: [], result: nil, body: body, span: body.span, isSpawn: true)
        default:
            resolve(body)
            error("`spawn` needs a function call or a block", at: body.span,
                  help: "write `spawn f(args);` or `spawn { ... };`")
        }
    }

    /// `&x` / `&mut x` of a variable puts the variable in a cell so the reference can see it.
    private func markAddressTaken(_ operand: Expr) {
        guard case .path(let p) = operand.kind, p.segments.count == 1 else { return }
        if case .local(let b)? = resolutions[operand.span] { b.needsCell = true }
    }

    // MARK: Checks

    private func checkCallArity(_ callee: Expr, argCount: Int, span: Span) {
        guard case .path = callee.kind, let r = resolutions[callee.span] else { return }
        switch r {
        case .function(let f):
            let proto = global.program.functions[f]
            // A method called by path takes its receiver as the first argument.
            let expected = proto.arity
            if argCount != expected {
                error("this function takes \(expected) argument\(expected == 1 ? "" : "s") but \(argCount) \(argCount == 1 ? "was" : "were") supplied",
                      at: span, help: "`\(proto.name)` is declared at line \(proto.line)")
            }
        case .variant(let v):
            let (e, tag) = global.program.variants[v]
            let arity = global.program.enums[e].variantArity[tag]
            if arity == 0 {
                error("`\(global.program.enums[e].name)::\(global.program.enums[e].variantNames[tag])` is a unit variant and cannot be called",
                      at: span, help: "remove the parentheses")
            } else if argCount != arity {
                error("this enum variant takes \(arity) argument\(arity == 1 ? "" : "s") but \(argCount) \(argCount == 1 ? "was" : "were") supplied", at: span)
            }
        case .constructor(let c):
            if !c.arity.contains(argCount) {
                error("`\(c.rawValue)` takes \(c.arityDescription) but \(argCount) \(argCount == 1 ? "was" : "were") supplied", at: span)
            }
        case .traitMethod:
            if argCount == 0 { error("a trait method called by path needs its receiver as the first argument", at: span) }
        default:
            break
        }
    }

    private func checkMethodName(_ name: Ident) {
        if global.methodNames.contains(name.name) || BuiltinMethod(name: name.name) != nil { return }
        let candidates = Array(global.methodNames) + BuiltinMethod.allCases.map(\.name)
        error("no method named `\(name.name)` found", at: name.span,
              help: similarName(to: name.name, among: candidates).map { "there is a method with a similar name: `\($0)`" })
    }

    /// True when every method of this name mutates its receiver.
    private func isMutatingOnly(_ name: String) -> Bool {
        let builtinMutates = BuiltinMethod(name: name)?.mutatesReceiver
        let user = global.methodNames.contains(name)
        if user { return global.mutatingMethodNames.contains(name) && (builtinMutates ?? true)
                  && !userHasNonMutatingMethod(name) }
        return builtinMutates ?? false
    }

    private func userHasNonMutatingMethod(_ name: String) -> Bool {
        for (_, table) in global.methods {
            if let f = table[name] {
                if let item = functionItems.first(where: { $0.index == f }) ?? global.functions.values.first(where: { $0.index == f }) {
                    if item.decl.receiver != .mutableReference { return true }
                }
            }
        }
        return false
    }

    /// The variable at the root of a place expression (`v` in `v.a[3].b`).
    private func placeRoot(_ e: Expr) -> Expr? {
        var current = e
        while true {
            switch current.kind {
            case .path: return current
            case .field(let base, _), .tupleField(let base, _, _), .index(let base, _): current = base
            default: return nil
            }
        }
    }

    private func checkMutableReceiver(_ receiver: Expr, method: String) {
        guard let root = placeRoot(receiver), case .path(let p) = root.kind, let r = resolutions[root.span] else { return }
        switch r {
        case .local(let b), .upvalue(_, let b):
            if !b.isMutable && !holdsMutableReference.contains(ObjectIdentifier(b)) {
                let what = b.name == "self" ? "`self`" : "`\(b.name)`"
                error("cannot borrow \(what) as mutable, as it is not declared as mutable", at: receiver.span,
                      help: b.name == "self" ? "take the receiver as `&mut self` to call `\(method)` on it"
                        : "consider making this binding mutable: `let mut \(p.last.name)`")
            } else if case .upvalue = r, crossesSpawn(b) {
                spawnAssignmentError(b, at: receiver.span)
            }
        case .global(let slot):
            if let v = global.variables.first(where: { $0.value.slot == slot }), insideSpawn {
                sessionSpawnAssignmentError(v.key, at: receiver.span)
            } else if let v = global.variables.first(where: { $0.value.slot == slot }), !v.value.isMutable {
                error("cannot borrow `\(v.key)` as mutable, as it is not declared as mutable", at: receiver.span,
                      help: "consider making this binding mutable: `let mut \(v.key)`")
            } else if global.consts.values.contains(where: { $0.slot == slot }) {
                error("cannot mutate a constant", at: receiver.span)
            }
        case .constant:
            error("cannot mutate a constant", at: receiver.span)
        default:
            break
        }
    }

    private func crossesSpawn(_ b: Binding) -> Bool {
        var fs: FunctionScope? = scope
        while let s = fs {
            if s.lookupLocal(b.name) === b { return false }
            if s.isSpawn { return true }
            fs = s.parent
        }
        return false
    }

    /// True inside a spawned block (at any depth).
    private var insideSpawn: Bool {
        var fs: FunctionScope? = scope
        while let s = fs {
            if s.isSpawn { return true }
            fs = s.parent
        }
        return false
    }

    private func sessionSpawnAssignmentError(_ name: String, at span: Span) {
        error("legions share nothing: cannot assign to `\(name)`, a session variable, inside a spawned block",
              at: span, help: "send the value back on a channel instead")
    }

    private func spawnAssignmentError(_ b: Binding, at span: Span) {
        if b.span == Span.synthetic { return sessionSpawnAssignmentError(b.name, at: span) }
        error("legions share nothing: cannot assign to `\(b.name)`, a variable of the enclosing function, inside a spawned block",
              at: span, help: "send the value back on a channel instead")
    }

    /// Reports assignment to what cannot be assigned: immutable bindings, constants,
    /// functions, enclosing variables from a spawned block.
    private func checkAssignable(_ target: Expr, whole: Expr, statement: Span) {
        switch target.kind {
        case .path(let p):
            guard let r = resolutions[target.span] else { return }
            let isWhole = target.span == whole.span
            switch r {
            case .local(let b), .upvalue(_, let b):
                if case .upvalue = r, crossesSpawn(b) { spawnAssignmentError(b, at: statement); return }
                if b.isMutable { return }
                if !isWhole && holdsMutableReference.contains(ObjectIdentifier(b)) { return }
                if b.name == "self" {
                    error("cannot assign to `\(describePlace(whole))`, as `self` is not declared as mutable", at: statement,
                          help: "take the receiver as `&mut self`")
                } else if isWhole {
                    error("cannot assign twice to immutable variable `\(b.name)`", at: statement,
                          help: "consider making this binding mutable: `let mut \(p.last.name)`")
                } else {
                    error("cannot assign to `\(describePlace(whole))`, as `\(b.name)` is not declared as mutable", at: statement,
                          help: "consider making this binding mutable: `let mut \(p.last.name)`")
                }
            case .global(let slot):
                if let v = global.variables.first(where: { $0.value.slot == slot }) {
                    if insideSpawn {
                        sessionSpawnAssignmentError(v.key, at: statement)
                    } else if !v.value.isMutable {
                        error("cannot assign twice to immutable variable `\(v.key)`", at: statement,
                              help: "consider making this binding mutable: `let mut \(v.key)`")
                    }
                } else {
                    error("cannot assign to constant `\(p.text)`", at: statement)
                }
            case .constant:
                error("cannot assign to constant `\(p.text)`", at: statement)
            default:
                error("invalid left-hand side of assignment: `\(p.text)` is not a variable", at: statement)
            }
        case .field, .tupleField, .index:
            // Down to the root variable of the place, in a loop (field chains can be long).
            var base = target
            while true {
                switch base.kind {
                case .field(let b, _), .tupleField(let b, _, _), .index(let b, _): base = b; continue
                default: break
                }
                break
            }
            checkAssignable(base, whole: whole, statement: statement)
        case .unary(.dereference, _):
            return
        default:
            error("invalid left-hand side of assignment", at: target.span,
                  help: "assign to a variable, a field `p.x`, an element `v[i]` or through a reference `*r`")
        }
    }

    private func describePlace(_ e: Expr) -> String {
        var suffix = ""
        var current = e
        while true {
            switch current.kind {
            case .path(let p): return p.text + suffix
            case .field(let b, let n): suffix = "." + n.name + suffix; current = b
            case .tupleField(let b, let i, _): suffix = ".\(i)" + suffix; current = b
            case .index(let b, _): suffix = "[..]" + suffix; current = b
            case .unary(.dereference, let inner): return "*" + describePlace(inner) + suffix
            default: return "_" + suffix
            }
        }
    }
}
