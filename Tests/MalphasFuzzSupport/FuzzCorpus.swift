// What the pipeline fuzzers start from: the golden example programs, and the settings
// every fuzzer reads from the environment so a failure can be replayed or a run widened.

import Foundation

public enum FuzzCorpus {
    /// Every `examples/**/*.mal`, sorted by path (relative to `examples/`), with its text.
    public static func examples(file: String = #filePath) -> [(name: String, text: String)] {
        let root = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples")
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var found: [(String, String)] = []
        for case let path as String in walker where path.hasSuffix(".mal") {
            if let text = try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) {
                found.append((path, text))
            }
        }
        return found.sorted { $0.0 < $1.0 }
    }
}

/// The fuzzers' settings, from the environment:
/// - `MALPHAS_FUZZ_SEED`: the base seed (default 1); every case derives its own stream.
/// - `MALPHAS_FUZZ_SCALE`: multiplies every category's case count (default 1; 0.1 for a
///   quick look, 10 for a long hunt).
/// - `MALPHAS_FUZZ_CASE`: run only the case with this index in each category (replay).
/// - `MALPHAS_FUZZ_VERBOSE=1`: print every case's label before it runs.
/// - `MALPHAS_FUZZ_DUMP=DIR`: keep every program and what it printed on stderr in DIR
///   (to see what the fuzzers try).
public struct FuzzSettings {
    public var seed: UInt64 = 1
    public var scale = 1.0
    public var onlyCase: Int?
    public var verbose = false
    public var dumpDirectory: String?

    public init() {
        let env = ProcessInfo.processInfo.environment
        if let s = env["MALPHAS_FUZZ_SEED"].flatMap(UInt64.init) { seed = s }
        if let s = env["MALPHAS_FUZZ_SCALE"].flatMap(Double.init), s > 0 { scale = s }
        onlyCase = env["MALPHAS_FUZZ_CASE"].flatMap(Int.init)
        verbose = env["MALPHAS_FUZZ_VERBOSE"] == "1"
        dumpDirectory = env["MALPHAS_FUZZ_DUMP"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The indices of a category's cases: `count` scaled, or the one being replayed.
    public func cases(_ count: Int) -> [Int] {
        if let only = onlyCase { return only < max(1, Int(Double(count) * scale)) ? [only] : [] }
        return Array(0..<max(1, Int(Double(count) * scale)))
    }
}
