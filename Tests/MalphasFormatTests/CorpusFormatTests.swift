import Foundation
import MalphasFormat
import MalphasSyntax
import XCTest

/// Every Malphas program in the repository (examples, the standard library, test
/// programs) formats to a program with the same tree and its comments, and is already
/// formatted: the repository is kept in canonical layout.
final class CorpusFormatTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The .mal files under the repository's examples, stdlib and Tests directories.
    static func corpus() -> [URL] {
        var files: [URL] = []
        for directory in ["examples", "stdlib", "Tests"] {
            let url = root.appendingPathComponent(directory)
            guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in walker where file.pathExtension == "mal" { files.append(file) }
        }
        return files.sorted { $0.path < $1.path }
    }

    func testCorpusIsNotEmpty() {
        XCTAssertGreaterThan(Self.corpus().count, 40)
    }

    func testEveryProgramFormatsToTheSameTreeWithItsComments() throws {
        for url in Self.corpus() {
            let source = try String(contentsOf: url, encoding: .utf8)
            guard syntaxTree(source) != nil else { continue }  // a program written to fail parsing
            assertFormattingKeepsMeaning(source, formatted(source), name: url.path)
        }
    }

    func testEveryProgramIsAlreadyFormatted() throws {
        for url in Self.corpus() {
            let source = try String(contentsOf: url, encoding: .utf8)
            guard syntaxTree(source) != nil else { continue }
            XCTAssertEqual(formatted(source), source, "\(url.path) is not formatted: run `malphas fmt` on it")
        }
    }
}
