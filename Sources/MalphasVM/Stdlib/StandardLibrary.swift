// Where the standard library is found at run time.
//
// The library's Malphas sources live in the repository's `stdlib/std/` and ship inside
// the `malphas` binary: `stdlib/embed.sh` turns them into `EmbeddedStdlib.swift` (string
// literals), and a test checks that the embedded copy matches `stdlib/`. So `malphas`
// finds its library however it was started (`swift run` from any directory, or the
// binary copied anywhere) without Foundation's `Bundle` or a file next to the binary.
//
// `MALPHAS_PATH` overrides the embedded copy: it names a directory holding `std/...`
// (for example the repository's `stdlib/` while working on the library, with no rebuild).

import Glibc
import MalphasCompiler

/// The standard library's source files, embedded or from a directory.
public struct StandardLibrary: LibrarySource {
    private enum Storage {
        case embedded
        case directory(String)
    }
    private let storage: Storage

    /// The copy compiled into the binary.
    public static let embedded = StandardLibrary(storage: .embedded)

    /// The library under `directory` (which holds `std/`).
    public static func directory(_ path: String) -> StandardLibrary {
        StandardLibrary(storage: .directory(path))
    }

    /// `MALPHAS_PATH`'s library when it is set, the embedded one otherwise.
    public static var current: StandardLibrary {
        if let path = getenv("MALPHAS_PATH").map({ String(cString: $0) }), !path.isEmpty { return .directory(path) }
        return .embedded
    }

    public func file(_ relativePath: String) -> (name: String, bytes: [UInt8])? {
        switch storage {
        case .embedded:
            guard let text = EmbeddedStdlib.files[relativePath] else { return nil }
            return ("<stdlib>/" + relativePath, Array(text.utf8))
        case .directory(let root):
            let path = root.hasSuffix("/") ? root + relativePath : root + "/" + relativePath
            guard case .success(let bytes) = Files.read(path) else { return nil }
            return (path, bytes)
        }
    }

    public var moduleNames: [String] {
        switch storage {
        case .embedded:
            return EmbeddedStdlib.files.keys.compactMap(StandardLibrary.moduleName).sorted()
        case .directory(let root):
            let dir = (root.hasSuffix("/") ? root : root + "/") + "std"
            guard case .success(let entries) = Files.entries(of: dir) else { return [] }
            var names: [String] = []
            for name in entries where !name.hasPrefix(".") {
                if name.hasSuffix(".mal") {
                    names.append(String(name.dropLast(4)))
                } else if Files.kind(dir + "/" + name + "/mod.mal") == .file {
                    names.append(name)
                }
            }
            return names.sorted()
        }
    }

    /// `std/math.mal` -> `math`, `std/io/mod.mal` -> `io`; nil for other files.
    static func moduleName(_ relativePath: String) -> String? {
        let parts = relativePath.split(separator: "/")
        guard parts.first == "std" else { return nil }
        if parts.count == 2, parts[1].hasSuffix(".mal") { return String(parts[1].dropLast(4)) }
        if parts.count == 3, parts[2] == "mod.mal" { return String(parts[1]) }
        return nil
    }
}
