import MalphasSyntax

// Modules (LANGUAGE 8): the namespaces of a program.
//
// A program is a tree of modules: the root (the file `malphas` was given), every `mod`
// declared in it (inline, or loaded from a file by `ModuleLoader`), and `std`, whose
// children are the standard library's modules the program uses. Every module has two
// namespaces, as in Rust: types (structs, enums, traits, type aliases, modules) and values
// (functions, constants, imported variants).
//
// The resolver's global tables stay flat: an item is stored under its qualified key,
// `geometry::area` for `fn area` in `mod geometry`, and under its bare name at the root,
// so a one-file program is resolved exactly as before modules existed. A name written in
// code is turned into a key by looking it up in the module the code is in: its own items,
// then its `use` imports, then its glob imports. A path `a::b::c` walks child modules from
// the first segment (`crate`, `self`, `super`, `std`, or a name in scope).
//
// Visibility: an item is visible outside its module only if it is `pub`; inside, it is
// visible to the module and every module nested in it (Rust's rule). The fields and
// methods of a visible struct or enum are visible with it. `pub use` re-exports.
//
// Imports are resolved on demand (an import may go through another module's import) and
// all of them once more at the end of the declaration pass, so an unused bad import is
// still reported.

/// One module of a program.
public final class Module {
    /// The module's own name (`geometry`), empty for the root.
    public let name: String
    /// The names from the root down: `["geometry"]`, `["std", "math"]`, `[]` for the root.
    public let path: [String]
    public private(set) weak var parent: Module?
    /// True for `std` and its modules: they may call the library's native builtins.
    public let isLibrary: Bool

    var types: [String: ModuleEntry] = [:]
    var values: [String: ModuleEntry] = [:]
    /// `use` imports by the name they bind.
    var imports: [String: ModuleImport] = [:]
    var globs: [ModuleGlob] = []
    /// Bare variant names of the enums declared here (the root's live in
    /// `GlobalScope.variantsByName`).
    var variantsByName: [String: [Int]] = [:]

    init(name: String, parent: Module?, isLibrary: Bool) {
        self.name = name
        self.parent = parent
        self.path = (parent?.path ?? []) + (name.isEmpty ? [] : [name])
        self.isLibrary = isLibrary
    }

    /// The prefix of the keys of this module's items: `""` at the root, `"a::b::"` below.
    var prefix: String { path.isEmpty ? "" : path.joined(separator: "::") + "::" }
    var isRoot: Bool { parent == nil }
    /// How messages name it: `geometry`, `std::math`, `crate` for the root.
    public var displayName: String { path.isEmpty ? "crate" : path.joined(separator: "::") }

    /// True when this module is `other` or nested in it.
    func isWithin(_ other: Module) -> Bool {
        var m: Module? = self
        while let current = m {
            if current === other { return true }
            m = current.parent
        }
        return false
    }

    /// A child module declared here.
    func child(_ name: String) -> Module? {
        if case .module(let m)? = types[name]?.target { return m }
        return nil
    }
}

/// What a name in a module's namespace stands for.
struct ModuleEntry {
    enum Target {
        case module(Module)
        /// A struct, enum, trait, type alias, function or constant, by its key in the
        /// global tables.
        case item(String)
        /// An enum variant imported by name (`use Shape::Circle;`).
        case variant(Int)
        /// A builtin type re-exported by the library (`pub use builtin::Vec;`).
        case builtinType(String)
        /// A builtin function re-exported by the library (`pub use builtin::read_line;`).
        case builtinFunction(BuiltinFunction)
    }
    var target: Target
    /// "function", "struct", "enum", "trait", "type alias", "constant", "module", "variant".
    var kind: String
    var isPublic: Bool
    /// The module the entry is declared (or imported) in.
    unowned var owner: Module
    var span: Span
}

enum Namespace { case type, value }

/// `use path;` / `use path as name;`, resolved on first use.
final class ModuleImport {
    let segments: [Path.Segment]
    let name: String
    let span: Span
    let isPublic: Bool
    enum State { case pending, resolving, done(type: ModuleEntry?, value: ModuleEntry?) }
    var state: State = .pending
    init(segments: [Path.Segment], name: String, span: Span, isPublic: Bool) {
        self.segments = segments; self.name = name; self.span = span; self.isPublic = isPublic
    }
}

/// `use path::*;`: a module's (or an enum's) visible names.
final class ModuleGlob {
    let segments: [Path.Segment]
    let span: Span
    let isPublic: Bool
    enum Target { case module(Module), enumType(String) }
    enum State { case pending, resolving, done(Target?) }
    var state: State = .pending
    init(segments: [Path.Segment], span: Span, isPublic: Bool) {
        self.segments = segments; self.span = span; self.isPublic = isPublic
    }
}

/// The module tree of one program (or REPL session), kept in its `GlobalScope`.
public final class ModuleTable {
    public let root = Module(name: "", parent: nil, isLibrary: false)
    /// `std`, created when the first library module is declared.
    var std: Module?
    /// The modules of the standard library that exist, loaded or not (for messages).
    var libraryModuleNames: [String] = []
    /// The module each item key is declared in (type aliases and constants are resolved
    /// in their own module wherever they are used).
    var itemModules: [String: Module] = [:]
    public init() {}

    /// The standard library modules declared so far.
    public var libraryModulesDeclared: Set<String> { Set(std?.types.keys ?? [:].keys) }

    /// What a REPL input may change, so a failed input leaves the session as it was.
    struct State {
        var types: [String: ModuleEntry]
        var values: [String: ModuleEntry]
        var imports: [String: ModuleImport]
        var globs: [ModuleGlob]
        var std: Module?
        var stdTypes: [String: ModuleEntry]
        var itemModules: [String: Module]
    }

    func save() -> State {
        State(types: root.types, values: root.values, imports: root.imports, globs: root.globs, std: std,
              stdTypes: std?.types ?? [:], itemModules: itemModules)
    }

    func restore(_ s: State) {
        root.types = s.types
        root.values = s.values
        root.imports = s.imports
        root.globs = s.globs
        std = s.std
        std?.types = s.stdTypes
        itemModules = s.itemModules
    }
}

/// A module of the standard library ready to declare: `std::<name>` and its items.
public struct LibraryModule {
    public var name: String
    public var unit: SourceUnit
    public init(name: String, unit: SourceUnit) { self.name = name; self.unit = unit }
}

// MARK: - Declaring the module tree

extension Resolver {
    var modules: ModuleTable { global.modules }

    /// Pass 1 over a whole program: the root's items (with their modules), the library
    /// modules, then the phases of `declare` over all of them at once, so any item may
    /// refer to any other whatever module it is in.
    public func declareProgram(_ items: [Item], library: [LibraryModule] = [], libraryModuleNames: [String] = []) {
        if !libraryModuleNames.isEmpty { modules.libraryModuleNames = libraryModuleNames }
        var all: [(Module, Item)] = []
        collect(items, in: modules.root, into: &all)
        declaredUnits.append((items, modules.root))
        for lib in library {
            let std = stdModule()
            let m = Module(name: lib.name, parent: std, isLibrary: true)
            std.types[lib.name] = ModuleEntry(target: .module(m), kind: "module", isPublic: true, owner: std,
                                              span: Span(file: lib.unit.file, start: 0, end: 0))
            collect(lib.unit.items, in: m, into: &all)
            declaredUnits.append((lib.unit.items, m))
        }
        declarePhases(all)
    }

    func stdModule() -> Module {
        if let s = modules.std { return s }
        let s = Module(name: "std", parent: modules.root, isLibrary: true)
        modules.std = s
        return s
    }

    /// Lists every item with the module it belongs to, creating the modules on the way.
    private func collect(_ items: [Item], in module: Module, into all: inout [(Module, Item)]) {
        for item in items {
            all.append((module, item))
            guard case .module(let decl) = item.kind else { continue }
            if let earlier = module.types[decl.name.name] {
                diagnostics.append(Diagnostic(.error, "the name `\(decl.name.name)` is defined multiple times", at: decl.name.span,
                                              help: "rename or remove one of the definitions",
                                              notes: [("previous definition of `\(decl.name.name)` here", earlier.span)]))
                continue
            }
            let child = Module(name: decl.name.name, parent: module, isLibrary: module.isLibrary)
            module.types[decl.name.name] = ModuleEntry(target: .module(child), kind: "module", isPublic: item.isPublic,
                                                       owner: module, span: decl.name.span)
            if let inner = decl.items {
                collect(inner, in: child, into: &all)
            } else {
                error("file not found for module `\(decl.name.name)`", at: decl.name.span,
                      help: "the module loader fills `mod \(decl.name.name);` in from `\(decl.name.name).mal`")
            }
        }
    }

    /// Records an item in its module's namespace.
    func register(_ name: Ident, kind: String, namespace: Namespace, isPublic: Bool) {
        let entry = ModuleEntry(target: .item(qualified(name.name)), kind: kind, isPublic: isPublic, owner: module, span: name.span)
        switch namespace {
        case .type: module.types[name.name] = entry
        case .value: module.values[name.name] = entry
        }
        modules.itemModules[qualified(name.name)] = module
    }

    /// The key of an item named `name` declared in the current module.
    func qualified(_ name: String) -> String { module.prefix + name }

    /// Records a module's `use` declarations (resolved later, on demand).
    func declareUse(_ decl: UseDecl, isPublic: Bool, span: Span) {
        func walk(_ tree: UseDecl.Tree, prefix: [Path.Segment]) {
            switch tree {
            case .path(let path, let alias):
                var segments = prefix + path.segments
                var name = alias?.name ?? path.last.name
                if path.last.name == "self" {
                    // `use a::b::{self}` imports `b`.
                    segments.removeLast()
                    guard let last = segments.last else {
                        error("`self` imports are only allowed within a `{ }` list with a module prefix", at: path.span)
                        return
                    }
                    if alias == nil { name = last.name.name }
                }
                guard !segments.isEmpty else { return }
                if segments.count == 1, alias == nil, ["crate", "self", "super"].contains(name) {
                    error("`use \(name);` imports nothing: name an item inside it, as in `use \(name)::item;`", at: path.span)
                    return
                }
                if let earlier = module.imports[name] {
                    diagnostics.append(Diagnostic(.error, "the name `\(name)` is imported multiple times", at: path.span,
                                                  help: "remove one of the imports, or rename one with `as`",
                                                  notes: [("previous import of `\(name)` here", earlier.span)]))
                    return
                }
                module.imports[name] = ModuleImport(segments: segments, name: name, span: path.span, isPublic: isPublic)
            case .group(let p, let trees):
                for t in trees { walk(t, prefix: prefix + p.segments) }
            case .glob(let p):
                let segments = prefix + p.segments
                guard !segments.isEmpty else {
                    error("`use *;` names no module: write `use module::*;`", at: span)
                    return
                }
                module.globs.append(ModuleGlob(segments: segments, span: p.span.file.raw >= 0 && p.span.end > p.span.start ? p.span : span,
                                               isPublic: isPublic))
            }
        }
        walk(decl.tree, prefix: [])
    }

    /// Resolves every import of every module once, reporting those that name nothing.
    func resolveAllImports(_ all: [Module]) {
        for m in all {
            for imp in m.imports.values.sorted(by: { ($0.span.file.raw, $0.span.start) < ($1.span.file.raw, $1.span.start) }) {
                _ = resolveImport(imp, in: m)
            }
            for g in m.globs { _ = resolveGlob(g, in: m) }
        }
    }

    /// Runs `body` with `m` as the current module.
    func inModule<T>(_ m: Module, _ body: () -> T) -> T {
        let saved = module
        module = m
        defer { module = saved }
        return body()
    }
}

// MARK: - Looking names up

extension Resolver {
    /// What `name` means in module `m`'s `namespace`: its own items, then imports, then
    /// glob imports. Entries found through a glob are only those visible from `m`.
    func lookup(_ name: String, _ namespace: Namespace, in m: Module) -> ModuleEntry? {
        if let e = (namespace == .type ? m.types : m.values)[name] { return e }
        if let imp = m.imports[name], case .done(let t, let v) = resolveImport(imp, in: m) {
            if let e = namespace == .type ? t : v { return e }
        }
        return globMatches(name, namespace, in: m).first?.entry
    }

    /// What the glob imports of `m` bring for `name`, with the glob that brings each.
    func globMatches(_ name: String, _ namespace: Namespace, in m: Module) -> [(entry: ModuleEntry, glob: ModuleGlob)] {
        var found: [(entry: ModuleEntry, glob: ModuleGlob)] = []
        for g in m.globs {
            guard case .done(let target?) = resolveGlob(g, in: m) else { continue }
            switch target {
            case .module(let source):
                if source === m { continue }
                if let e = exported(name, namespace, from: source, to: m) { found.append((e, g)) }
            case .enumType(let key):
                if namespace == .value, let v = variant(named: name, ofEnum: key) {
                    found.append((ModuleEntry(target: .variant(v), kind: "variant", isPublic: g.isPublic, owner: m, span: g.span), g))
                }
            }
        }
        return found
    }

    /// Reports a bare name that two glob imports of the current module bring with
    /// different meanings (and that nothing closer defines).
    func checkGlobAmbiguity(_ name: String, _ namespace: Namespace, at span: Span) {
        if (namespace == .type ? module.types : module.values)[name] != nil || module.imports[name] != nil { return }
        let matches = globMatches(name, namespace, in: module)
        guard matches.count > 1 else { return }
        let first = matches[0]
        guard let other = matches.dropFirst().first(where: { !sameTarget($0.entry.target, first.entry.target) }) else { return }
        func globText(_ g: ModuleGlob) -> String { "`use \(g.segments.map(\.name.name).joined(separator: "::"))::*`" }
        error("`\(name)` is ambiguous: both \(globText(first.glob)) and \(globText(other.glob)) bring one", at: span,
              help: "import the one you mean by name, as in `use \(first.glob.segments.map(\.name.name).joined(separator: "::"))::\(name);`")
    }

    private func sameTarget(_ a: ModuleEntry.Target, _ b: ModuleEntry.Target) -> Bool {
        switch (a, b) {
        case (.module(let x), .module(let y)): return x === y
        case (.item(let x), .item(let y)): return x == y
        case (.variant(let x), .variant(let y)): return x == y
        case (.builtinType(let x), .builtinType(let y)): return x == y
        case (.builtinFunction(let x), .builtinFunction(let y)): return x == y
        default: return false
        }
    }

    /// `name` in `source` if it is visible from `viewer` (for globs and paths).
    private func exported(_ name: String, _ namespace: Namespace, from source: Module, to viewer: Module) -> ModuleEntry? {
        guard let e = lookupNoGlobs(name, namespace, in: source) else { return nil }
        return isVisible(e, from: viewer) ? e : nil
    }

    private func lookupNoGlobs(_ name: String, _ namespace: Namespace, in m: Module) -> ModuleEntry? {
        if let e = (namespace == .type ? m.types : m.values)[name] { return e }
        if let imp = m.imports[name], case .done(let t, let v) = resolveImport(imp, in: m) {
            return namespace == .type ? t : v
        }
        return nil
    }

    func isVisible(_ e: ModuleEntry, from viewer: Module) -> Bool {
        e.isPublic || viewer.isWithin(e.owner)
    }

    private func variant(named name: String, ofEnum key: String) -> Int? {
        guard let e = global.enums[key] else { return nil }
        let info = global.program.enums[e.index]
        return info.variantNames.firstIndex(of: name).map { info.firstVariant + $0 }
    }

    func resolveImport(_ imp: ModuleImport, in m: Module) -> ModuleImport.State {
        switch imp.state {
        case .done: return imp.state
        case .resolving:
            error("the import of `\(imp.name)` refers to itself", at: imp.span,
                  help: "import the item from the module that declares it")
            imp.state = .done(type: nil, value: nil)
            return imp.state
        case .pending:
            break
        }
        imp.state = .resolving
        let (t, v) = inModule(m) { resolveImportPath(imp.segments, span: imp.span) }
        func rebind(_ e: ModuleEntry?) -> ModuleEntry? {
            guard var e else { return nil }
            e.owner = m
            e.isPublic = imp.isPublic
            e.span = imp.span
            return e
        }
        imp.state = .done(type: rebind(t), value: rebind(v))
        return imp.state
    }

    func resolveGlob(_ g: ModuleGlob, in m: Module) -> ModuleGlob.State {
        switch g.state {
        case .done: return g.state
        case .resolving: g.state = .done(nil); return g.state
        case .pending: break
        }
        g.state = .resolving
        let target: ModuleGlob.Target? = inModule(m) {
            switch resolvePrefix(g.segments[...], span: g.span) {
            case .module(let source)?: return .module(source)
            case .type(let key)?:
                if global.enums[key] != nil { return .enumType(key) }
                error("`\(g.segments.map(\.name.name).joined(separator: "::"))` is not a module or an enum: `*` imports the items of one",
                      at: g.span)
                return nil
            case .builtinType?, .builtins?, nil: return nil
            }
        }
        g.state = .done(target)
        return g.state
    }

    /// What a `use` path names, in both namespaces; reports an error when it names nothing.
    private func resolveImportPath(_ segments: [Path.Segment], span: Span) -> (ModuleEntry?, ModuleEntry?) {
        let last = segments[segments.count - 1].name
        if segments.count == 1 {
            // `use geometry;` (a child module or a name already in scope) or `use std;`.
            if last.name == "std" { return (ModuleEntry(target: .module(stdModule()), kind: "module", isPublic: false, owner: module, span: span), nil) }
            let t = (module.types[last.name]), v = module.values[last.name]
            if t == nil && v == nil {
                error("unresolved import `\(last.name)`: no item `\(last.name)` in this module", at: last.span,
                      help: "name it from the module that declares it: `use crate::\(last.name);` or `use super::\(last.name);`")
            }
            return (t, v)
        }
        guard let prefix = resolvePrefix(segments.dropLast(), span: span) else { return (nil, nil) }
        switch prefix {
        case .module(let source):
            var t = lookup(last.name, .type, in: source)
            var v = lookup(last.name, .value, in: source)
            if t == nil && v == nil {
                if source === modules.std {
                    let known = modules.libraryModuleNames.sorted()
                    error("unresolved import `\(segments.map(\.name.name).joined(separator: "::"))`: the standard library has no module `\(last.name)`",
                          at: last.span, help: known.isEmpty ? nil : "its modules are: \(known.joined(separator: ", "))")
                    return (nil, nil)
                }
                let candidates = Array(source.types.keys) + Array(source.values.keys)
                error("unresolved import `\(segments.map(\.name.name).joined(separator: "::"))`: no item `\(last.name)` in module `\(source.displayName)`",
                      at: last.span, help: similarName(to: last.name, among: candidates).map { "a similar name exists: `\($0)`" })
                return (nil, nil)
            }
            if let e = t, !isVisible(e, from: module) { privacyError(last, e, in: source); t = e }
            if let e = v, !isVisible(e, from: module) { privacyError(last, e, in: source); v = e }
            return (t, v)
        case .type(let key):
            if let v = variant(named: last.name, ofEnum: key) {
                return (nil, ModuleEntry(target: .variant(v), kind: "variant", isPublic: true, owner: module, span: span))
            }
            error("unresolved import: `\(last.name)` is not a variant of `\(segments[segments.count - 2].name.name)`", at: last.span)
            return (nil, nil)
        case .builtinType(let name):
            error("unresolved import: the builtin type `\(name)` has no item `\(last.name)` to import", at: last.span)
            return (nil, nil)
        case .builtins:
            if let f = BuiltinFunction(name: last.name) {
                return (nil, ModuleEntry(target: .builtinFunction(f), kind: "function", isPublic: true, owner: module, span: span))
            }
            if Resolver.builtinTypeNames.contains(last.name) {
                return (ModuleEntry(target: .builtinType(last.name), kind: "type", isPublic: true, owner: module, span: span), nil)
            }
            error("unresolved import: there is no builtin named `\(last.name)`", at: last.span)
            return (nil, nil)
        }
    }

    enum PrefixTarget {
        case module(Module)
        /// A user type (struct, enum, trait or alias) by key: the path goes on with a member.
        case type(String)
        /// A builtin type named through the library (`std::collections::Vec::new`).
        case builtinType(String)
        /// `builtin::`: the library's name for the builtins its own items may shadow
        /// (`pub use builtin::read_line;`, `builtin::sleep(ms)`).
        case builtins
    }

    /// The module (or user type) named by the segments of a path before its last name,
    /// starting from the current module. Reports and returns nil when it names nothing.
    func resolvePrefix(_ segments: ArraySlice<Path.Segment>, span: Span) -> PrefixTarget? {
        guard let first = segments.first else { return .module(module) }
        var current: Module
        var rest = segments.dropFirst()
        switch first.name.name {
        case "crate": current = modules.root
        case "self": current = module
        case "super":
            guard let p = module.parent else {
                error("there are too many leading `super` keywords: the crate root has no parent module", at: first.name.span)
                return nil
            }
            current = p
        case "std" where lookup("std", .type, in: module) == nil:
            current = stdModule()
        case "builtin" where module.isLibrary:
            guard rest.isEmpty else {
                error("`builtin::` names builtin functions and types directly: `builtin::name`", at: first.name.span)
                return nil
            }
            return .builtins
        default:
            guard let e = lookup(first.name.name, .type, in: module) else {
                error("failed to resolve: use of undeclared module or type `\(first.name.name)`", at: first.name.span,
                      help: moduleHelp(first.name.name))
                return nil
            }
            switch e.target {
            case .module(let m): current = m
            case .item(let key) where rest.isEmpty: return .type(key)
            default:
                error("`\(first.name.name)` is a \(e.kind), not a module", at: first.name.span)
                return nil
            }
        }
        while let seg = rest.first {
            rest = rest.dropFirst()
            if seg.name.name == "super" {
                guard let p = current.parent else {
                    error("there are too many leading `super` keywords: the crate root has no parent module", at: seg.name.span)
                    return nil
                }
                current = p
                continue
            }
            guard let e = lookup(seg.name.name, .type, in: current) else {
                if current === modules.std {
                    let known = modules.libraryModuleNames.sorted()
                    error("the standard library has no module `\(seg.name.name)`", at: seg.name.span,
                          help: known.isEmpty ? nil : "its modules are: \(known.joined(separator: ", "))")
                } else {
                    let candidates = Array(current.types.keys)
                    error("failed to resolve: could not find `\(seg.name.name)` in module `\(current.displayName)`", at: seg.name.span,
                          help: similarName(to: seg.name.name, among: candidates).map { "a similar name exists: `\($0)`" })
                }
                return nil
            }
            if !isVisible(e, from: module) { privacyError(seg.name, e, in: current) }
            switch e.target {
            case .module(let m): current = m
            case .item(let key) where rest.isEmpty: return .type(key)
            case .builtinType(let name) where rest.isEmpty: return .builtinType(name)
            default:
                error("`\(seg.name.name)` is a \(e.kind), not a module", at: seg.name.span)
                return nil
            }
        }
        return .module(current)
    }

    /// A help line for an unknown first path segment: the standard library module it
    /// probably means.
    private func moduleHelp(_ name: String) -> String? {
        if modules.libraryModuleNames.contains(name) { return "import it first: `use std::\(name);`" }
        return nil
    }

    /// "function `helper` is private to module `geometry`".
    func privacyError(_ name: Ident, _ e: ModuleEntry, in source: Module) {
        let keyword: String
        switch e.kind {
        case "function": keyword = "fn"
        case "constant": keyword = "const"
        case "type alias": keyword = "type"
        case "module": keyword = "mod"
        default: keyword = e.kind
        }
        error("\(e.kind) `\(name.name)` is private to module `\(e.owner.displayName)`", at: name.span,
              help: "mark it `pub` where it is declared: `pub \(keyword) \(name.name)`")
    }

    /// Whether a path is written from a module path (`crate::`, `self::`, `super::`,
    /// `std::` or a module in scope): then it is resolved through modules.
    func startsWithModule(_ path: Path) -> Bool {
        guard path.segments.count >= 2 else { return false }
        let first = path.segments[0].name.name
        if ["crate", "super"].contains(first) { return true }
        if first == "self" { return true }
        if first == "builtin" && module.isLibrary { return true }
        guard let e = lookup(first, .type, in: module) else { return first == "std" }
        if case .module = e.target { return true }
        return false
    }

    /// The key of the user type (struct, enum, trait, type alias) the segments name, or
    /// nil (after reporting when the path goes through modules that do not have it).
    func userTypeKey(_ segments: ArraySlice<Path.Segment>) -> String? {
        guard let last = segments.last else { return nil }
        if segments.count == 1 {
            guard let e = lookup(last.name.name, .type, in: module), case .item(let key) = e.target else { return nil }
            return key
        }
        guard let prefix = resolvePrefix(segments.dropLast(), span: last.name.span), case .module(let m) = prefix else { return nil }
        guard let e = lookup(last.name.name, .type, in: m) else {
            if !Resolver.builtinTypeNames.contains(last.name.name) {
                error("cannot find type `\(last.name.name)` in module `\(m.displayName)`", at: last.name.span,
                      help: similarName(to: last.name.name, among: Array(m.types.keys)).map { "a similar name exists: `\($0)`" })
            }
            return nil
        }
        if !isVisible(e, from: module) { privacyError(last.name, e, in: m) }
        guard case .item(let key) = e.target else { return nil }
        return key
    }

    /// The key of the value item (function or constant) a path names through modules, or
    /// the variant it imports; nil after reporting.
    func moduleValue(_ path: Path) -> ModuleEntry? {
        let last = path.last
        guard let prefix = resolvePrefix(path.segments.dropLast(), span: path.span) else { return nil }
        guard case .module(let m) = prefix else { return nil }
        if let e = lookup(last.name, .value, in: m) {
            if !isVisible(e, from: module) { privacyError(last, e, in: m) }
            return e
        }
        if let e = lookup(last.name, .type, in: m), case .item = e.target {
            // A unit struct used as a value.
            if !isVisible(e, from: module) { privacyError(last, e, in: m) }
            return e
        }
        let candidates = Array(m.values.keys) + Array(m.types.keys)
        error("cannot find `\(last.name)` in module `\(m.displayName)`", at: last.span,
              help: similarName(to: last.name, among: candidates).map { "a similar name exists: `\($0)`" })
        return nil
    }

    /// The key a bare value name (function or constant) has in the current module.
    func valueKey(_ name: String) -> String? {
        guard let e = lookup(name, .value, in: module), case .item(let key) = e.target else { return nil }
        return key
    }

    /// Variants a bare name may mean in the current module: those of the enums declared
    /// here, of the enums imported here, and variants imported by name.
    func variantsNamed(_ name: String) -> [Int]? {
        var found: [Int] = module.isRoot ? (global.variantsByName[name] ?? []) : (module.variantsByName[name] ?? [])
        func addEnum(_ key: String) {
            if let v = variant(named: name, ofEnum: key), !found.contains(v) { found.append(v) }
        }
        for imp in module.imports.values {
            guard case .done(let t, let v) = resolveImport(imp, in: module) else { continue }
            if case .item(let key)? = t?.target, t?.kind == "enum" { addEnum(key) }
            if case .variant(let idx)? = v?.target, imp.name == name, !found.contains(idx) { found.append(idx) }
        }
        for g in module.globs {
            guard case .done(let target?) = resolveGlob(g, in: module) else { continue }
            switch target {
            case .enumType(let key): addEnum(key)
            case .module(let source):
                for (_, e) in source.types where e.kind == "enum" && isVisible(e, from: module) {
                    if case .item(let key) = e.target { addEnum(key) }
                }
            }
        }
        return found.isEmpty ? nil : found
    }

    /// The names visible in the current module, for "a similar name exists" help.
    func moduleValueNames() -> [String] {
        Array(module.values.keys) + Array(module.imports.keys)
    }
}
