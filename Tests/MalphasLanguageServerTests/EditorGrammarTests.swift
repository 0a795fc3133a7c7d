import Foundation
import MalphasSyntax
import XCTest

/// The TextMate grammar in editors/ (VS Code and most editors highlight with it) and the
/// VS Code extension's manifest.
final class EditorGrammarTests: XCTestCase {
    static let editors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("editors")

    /// Every `match` pattern of the grammar with the scope it gives, in the order an
    /// editor tries them (includes followed into the repository).
    func patterns() throws -> [(scope: String, regex: NSRegularExpression)] {
        let data = try Data(contentsOf: Self.editors.appendingPathComponent("malphas.tmLanguage.json"))
        let grammar = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let repository = grammar["repository"] as? [String: Any] ?? [:]
        var found: [(String, NSRegularExpression)] = []
        var included = Set<String>()
        func walk(_ rule: [String: Any]) throws {
            // A rule may include itself (nested block comments): follow each include once.
            if let include = rule["include"] as? String, included.insert(include).inserted,
               let target = repository[String(include.dropFirst())] as? [String: Any] {
                try walk(target)
            }
            if let match = rule["match"] as? String {
                found.append((rule["name"] as? String ?? "", try NSRegularExpression(pattern: match, options: [.anchorsMatchLines])))
            }
            for child in rule["patterns"] as? [[String: Any]] ?? [] { try walk(child) }
        }
        try walk(grammar)
        return found
    }

    func scope(of text: String, in patterns: [(scope: String, regex: NSRegularExpression)]) -> String? {
        patterns.first { $0.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))?.range == NSRange(text.startIndex..., in: text) }?.scope
    }

    func testHighlightsEveryKeywordOfTheLexer() throws {
        let patterns = try patterns()
        for keyword in Lexer.keywords {
            let scope = scope(of: keyword, in: patterns) ?? ""
            XCTAssertTrue(scope.hasPrefix("keyword") || scope.hasPrefix("storage") || scope.hasPrefix("constant.language")
                          || scope.contains("self"), "`\(keyword)` is highlighted as `\(scope)`")
        }
    }

    func testHighlightsLiteralsAndComments() throws {
        let patterns = try patterns()
        XCTAssertEqual(scope(of: "0xff", in: patterns), "constant.numeric.integer.malphas")
        XCTAssertEqual(scope(of: "1_000u8", in: patterns), "constant.numeric.integer.malphas")
        XCTAssertEqual(scope(of: "2.5e3", in: patterns), "constant.numeric.float.malphas")
        XCTAssertEqual(scope(of: "/// docs", in: patterns), "comment.line.documentation.malphas")
        XCTAssertEqual(scope(of: "// note", in: patterns), "comment.line.double-slash.malphas")
        XCTAssertEqual(scope(of: "\\u{1F600}", in: patterns), "constant.character.escape.malphas")
    }

    func testTheVSCodeExtensionStartsTheServerAndUsesTheGrammar() throws {
        let vscode = Self.editors.appendingPathComponent("vscode")
        let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: vscode.appendingPathComponent("package.json"))) as? [String: Any])
        XCTAssertNotNil((manifest["dependencies"] as? [String: Any])?["vscode-languageclient"])
        let grammars = (manifest["contributes"] as? [String: Any])?["grammars"] as? [[String: Any]]
        let grammarPath = try XCTUnwrap(grammars?.first?["path"] as? String)
        XCTAssertNoThrow(try Data(contentsOf: vscode.appendingPathComponent(grammarPath)))
        let extensionSource = try String(contentsOf: vscode.appendingPathComponent("extension.js"), encoding: .utf8)
        XCTAssertTrue(extensionSource.contains("args: [\"lsp\"]"))
    }
}
