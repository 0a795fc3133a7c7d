import Glibc
import MalphasSyntax

// The module loader: between the parser and the resolver, it reads the files a program's
// modules live in (LANGUAGE 8) and the standard library modules it names.
//
// - `mod name;` in a file loads `name.mal` beside that file, or `name/mod.mal`; inside an
//   inline `mod outer { mod name; }` the directory `outer/` is looked in, as in Rust. A
//   missing file is an error naming both paths tried; a file that (through its modules)
//   includes itself is an error naming the files of the cycle.
// - `std::name` anywhere in a loaded file (a `use`, a path in code, `use std::{a, b}`,
//   `use std::*`) loads the library module `std/name.mal` (or `std/name/mod.mal`) from the
//   `LibrarySource`. Only the modules a program names are loaded, so a program pays
//   nothing for the library it does not use. The scan is over tokens, so comments and
//   strings never load anything.
//
// Every file read is added to the program's `SourceMap`, so diagnostics and stack traces
// point into it.

/// Where the standard library's sources come from (the copy embedded in the binary, or
/// the directory `MALPHAS_PATH` names).
public protocol LibrarySource {
    /// The library file at `relativePath` (`std/math.mal`): the name to show for it and its
    /// bytes; nil when there is no such file.
    func file(_ relativePath: String) -> (name: String, bytes: [UInt8])?
    /// The names of the library's modules: `collections`, `math`, ...
    var moduleNames: [String] { get }
}

/// A program with every module file it declares read and parsed.
public struct LoadedModules {
    /// The root unit, its `mod name;` declarations filled in with their files' items.
    public var unit: SourceUnit
    /// The standard library modules the program names.
    public var library: [LibraryModule]
    /// The names of all the library's modules, loaded or not (for messages).
    public var libraryModuleNames: [String]
    /// The files of the standard library (traces and caller locations skip them).
    public var libraryFiles: Set<SourceFileID>
    /// Parse errors of module files, missing files, cycles.
    public var diagnostics: [Diagnostic]
}

extension LoadedModules {
    /// Frees the parse trees of the program and its modules without recursion (see
    /// `ASTRelease`). Pass the last reference, moved: `LoadedModules.release(consume m)`.
    public static func release(_ modules: consuming LoadedModules) {
        var units = [modules.unit] + modules.library.map(\.unit)
        modules.unit.items = []
        modules.library = []
        while let unit = units.popLast() {
            ASTRelease.release(consume unit)
        }
    }
}

public final class ModuleLoader {
    let sources: SourceMap
    let library: LibrarySource?
    private var diagnostics: [Diagnostic] = []
    private var libraryUnits: [String: SourceUnit] = [:]
    private var libraryFiles: Set<SourceFileID> = []
    private var wantedLibraryModules: [String] = []

    /// Library modules already declared (a REPL session's earlier inputs): not loaded again.
    private let alreadyLoaded: Set<String>

    public init(sources: SourceMap, library: LibrarySource?, alreadyLoaded: Set<String> = []) {
        self.sources = sources
        self.library = library
        self.alreadyLoaded = alreadyLoaded
    }

    /// Loads the modules of the program whose root file is `unit`.
    public func load(_ unit: SourceUnit) -> LoadedModules {
        let rootName = sources.file(unit.file)?.name ?? "<input>"
        let directory = rootName.hasPrefix("<") ? "." : ModuleLoader.directory(of: rootName)
        let chain = [ChainLink(display: rootName, identity: ModuleLoader.identity(of: rootName, inLibrary: false))]
        scanLibraryNames(unit.file)
        var root = unit
        root.items = loadItems(unit.items, directory: directory, inLibrary: false, chain: chain)
        // Library modules may name more library modules; load until none is new.
        while let name = wantedLibraryModules.first {
            wantedLibraryModules.removeFirst()
            loadLibraryModule(name)
        }
        let library = libraryUnits.keys.sorted().map { LibraryModule(name: $0, unit: libraryUnits[$0]!) }
        return LoadedModules(unit: root, library: library, libraryModuleNames: self.library?.moduleNames.sorted() ?? [],
                             libraryFiles: libraryFiles, diagnostics: diagnostics)
    }

    // MARK: - Module files

    /// A file being loaded, for cycle detection: how it is shown and what identifies it
    /// (its canonical path, so `a.mal` and `./a.mal` are one file).
    private struct ChainLink {
        var display: String
        var identity: String
    }

    private func loadItems(_ items: [Item], directory: String, inLibrary: Bool, chain: [ChainLink]) -> [Item] {
        items.map { item in
            guard case .module(var decl) = item.kind else { return item }
            if let inner = decl.items {
                // An inline module's `mod name;` children live in a directory named after it.
                decl.items = loadItems(inner, directory: ModuleLoader.join(directory, decl.name.name), inLibrary: inLibrary, chain: chain)
            } else {
                decl.items = loadModuleFile(decl.name, directory: directory, inLibrary: inLibrary, chain: chain) ?? []
            }
            return Item(.module(decl), isPublic: item.isPublic, span: item.span)
        }
    }

    /// Reads, parses and loads the file of `mod name;`; nil after reporting why it cannot.
    private func loadModuleFile(_ name: Ident, directory: String, inLibrary: Bool, chain: [ChainLink]) -> [Item]? {
        let candidates = [ModuleLoader.join(directory, name.name + ".mal"),
                          ModuleLoader.join(ModuleLoader.join(directory, name.name), "mod.mal")]
        var found: (path: String, display: String, bytes: [UInt8])?
        for path in candidates {
            switch read(path, inLibrary: inLibrary) {
            case .success(let (display, bytes)):
                found = (path, display, bytes)
            case .failure(.missing):
                continue
            case .failure(.unreadable(let reason)):
                diagnostics.append(.error("cannot read the file of module `\(name.name)`: `\(path)`: \(reason)", at: name.span))
                return nil
            }
            break
        }
        guard let found else {
            diagnostics.append(.error("file not found for module `\(name.name)`", at: name.span,
                                      help: "to create the module `\(name.name)`, create the file `\(candidates[0])` or `\(candidates[1])`"))
            return nil
        }
        let identity = ModuleLoader.identity(of: found.path, inLibrary: inLibrary)
        if let start = chain.firstIndex(where: { $0.identity == identity }) {
            let cycle = chain[start...].map { "`\($0.display)`" } + ["`\(found.display)`"]
            diagnostics.append(.error("cyclic module import: \(cycle.joined(separator: " -> "))", at: name.span,
                                      help: "a module cannot contain itself; to use items of another module, write `use crate::...` instead of `mod`"))
            return nil
        }
        let id = sources.add(SourceFile(name: found.display, bytes: found.bytes))
        if inLibrary { libraryFiles.insert(id) }
        let parsed = Parser.parse(id, in: sources)
        diagnostics += parsed.diagnostics
        scanLibraryNames(id)
        return loadItems(parsed.unit.items, directory: ModuleLoader.directory(of: found.path), inLibrary: inLibrary,
                         chain: chain + [ChainLink(display: found.display, identity: identity)])
    }

    private enum ReadFailure: Error {
        case missing
        case unreadable(String)
    }

    /// A module file's display name and bytes, from the disk or from the library.
    private func read(_ path: String, inLibrary: Bool) -> Result<(String, [UInt8]), ReadFailure> {
        if inLibrary {
            guard let file = library?.file(path) else { return .failure(.missing) }
            return .success((file.name, file.bytes))
        }
        switch Files.read(path) {
        case .success(let bytes): return .success((path, bytes))
        case .failure(let error):
            return error.code == ENOENT || error.code == ENOTDIR ? .failure(.missing) : .failure(.unreadable(error.reason))
        }
    }

    // MARK: - The standard library

    /// Notes every `std::name` the file mentions.
    private func scanLibraryNames(_ file: SourceFileID) {
        guard let library, let bytes = sources.file(file)?.bytes, ModuleLoader.mentionsStd(bytes) else { return }
        let (tokens, _) = Lexer.tokenize(file, in: sources)
        var i = 0
        func want(_ name: String) {
            if libraryUnits[name] == nil, !alreadyLoaded.contains(name), !wantedLibraryModules.contains(name),
               library.moduleNames.contains(name) {
                wantedLibraryModules.append(name)
            }
        }
        while i + 2 < tokens.count {
            defer { i += 1 }
            guard tokens[i].kind == .identifier("std"), tokens[i + 1].kind == .colonColon else { continue }
            switch tokens[i + 2].kind {
            case .identifier(let name):
                want(name)
            case .star:
                for name in library.moduleNames { want(name) }
            case .leftBrace:
                // `std::{math, strings::pad_left}`: the first name of each entry.
                var j = i + 3
                var depth = 1
                var entryStart = true
                while j < tokens.count, depth > 0 {
                    switch tokens[j].kind {
                    case .leftBrace: depth += 1
                    case .rightBrace: depth -= 1
                    case .comma where depth == 1: entryStart = true; j += 1; continue
                    case .identifier(let name) where depth == 1 && entryStart: want(name)
                    case .star where depth == 1 && entryStart: for name in library.moduleNames { want(name) }
                    case .eof: depth = 0
                    default: break
                    }
                    entryStart = false
                    j += 1
                }
            default:
                break
            }
        }
    }

    private func loadLibraryModule(_ name: String) {
        guard libraryUnits[name] == nil, let library else { return }
        let candidates = ["std/\(name).mal", "std/\(name)/mod.mal"]
        guard let path = candidates.first(where: { library.file($0) != nil }), let file = library.file(path) else { return }
        let id = sources.add(SourceFile(name: file.name, bytes: file.bytes))
        libraryFiles.insert(id)
        let parsed = Parser.parse(id, in: sources)
        diagnostics += parsed.diagnostics
        scanLibraryNames(id)
        var unit = parsed.unit
        unit.items = loadItems(unit.items, directory: ModuleLoader.directory(of: path), inLibrary: true,
                               chain: [ChainLink(display: file.name, identity: "library:" + path)])
        libraryUnits[name] = unit
    }

    /// True when `std` appears anywhere in the bytes: a file without it names no library
    /// module, and is not lexed a second time.
    static func mentionsStd(_ bytes: [UInt8]) -> Bool {
        let s = UInt8(ascii: "s"), t = UInt8(ascii: "t"), d = UInt8(ascii: "d")
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == s && bytes[i + 1] == t && bytes[i + 2] == d { return true }
            i += 1
        }
        return false
    }

    // MARK: - Paths and files

    /// `dir/name`, without a leading `./`.
    static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty || directory == "." { return name }
        if directory.hasSuffix("/") { return directory + name }
        return directory + "/" + name
    }

    /// The directory part of a path (`.` when there is none).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// What identifies a file: its canonical path on disk (the path itself when it has none).
    private static func identity(of path: String, inLibrary: Bool) -> String {
        if inLibrary { return "library:" + path }
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
