import Foundation
import MalphasFuzzSupport
import MalphasLanguageServer
import MalphasSyntax
import XCTest

/// A client driving the server in-process through a whole session, as an editor does:
/// every message goes through `LanguageServer.handle` and every reply is read back.
final class LanguageServerSessionTests: XCTestCase {
    /// The messages the server sent, in order.
    var sent: [[String: Any]] = []
    var server: LanguageServer!
    var nextID = 1

    let uri = "file:///tmp/malphas-lsp-test/main.mal"
    let program = """
    /// A point on the plane.
    struct Point {
        x: int,
        y: int,
    }

    impl Point {
        /// The distance from the origin, squared.
        fn norm(&self) -> int {
            self.x * self.x + self.y * self.y
        }
    }

    struct Circle {
        radius: int,
    }

    impl Circle {
        fn area(&self) -> int {
            3 * self.radius * self.radius
        }
    }

    /// Adds two numbers.
    fn add(a: int, b: int) -> int {
        a + b
    }

    fn main() {
        let total: int = add(1, 2);
        let p = Point { x: total, y: 4 };
        println(p.norm());
    }

    """

    override func setUp() {
        sent = []
        server = LanguageServer(send: { [unowned self] in self.sent.append($0) })
    }

    /// Sends a request and returns its result (failing the test on an error reply).
    @discardableResult
    func request(_ method: String, _ params: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line) -> Any? {
        let id = nextID
        nextID += 1
        server.handle(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        guard let reply = sent.last(where: { ($0["id"] as? Int) == id }) else {
            XCTFail("no reply to \(method)", file: file, line: line)
            return nil
        }
        if let error = reply["error"] { XCTFail("\(method) failed: \(error)", file: file, line: line) }
        return reply["result"]
    }

    func notify(_ method: String, _ params: [String: Any]) {
        server.handle(["jsonrpc": "2.0", "method": method, "params": params])
    }

    func open(_ text: String) {
        notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "malphas", "version": 1, "text": text]])
    }

    func change(_ text: String) {
        notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 2], "contentChanges": [["text": text]]])
    }

    /// The diagnostics last published for the document.
    func publishedDiagnostics() -> [[String: Any]] {
        let published = sent.last { ($0["method"] as? String) == "textDocument/publishDiagnostics" }
        return (published?["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]] ?? []
    }

    /// Params naming a position given as the text it is found in: the `marker`-th
    /// occurrence of `needle`, plus `offset` characters.
    func at(_ needle: String, in text: String? = nil, offset: Int = 0, occurrence: Int = 1) -> [String: Any] {
        let text = text ?? program
        var range = text.startIndex..<text.startIndex
        for _ in 0..<occurrence { range = text.range(of: needle, range: range.upperBound..<text.endIndex)! }
        let before = text[..<range.lowerBound]
        let line = before.filter { $0 == "\n" }.count
        let column = before.split(separator: "\n", omittingEmptySubsequences: false).last!.utf16.count + offset
        return ["textDocument": ["uri": uri], "position": ["line": line, "character": column]]
    }

    func line(of location: Any?) -> Int? {
        (((location as? [[String: Any]])?.first?["range"] as? [String: Any])?["start"] as? [String: Any])?["line"] as? Int
    }

    func hoverText(_ result: Any?) -> String {
        ((result as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String ?? ""
    }

    func labels(_ result: Any?) -> [String] {
        ((result as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
    }

    func testAWholeSession() throws {
        let initialize = request("initialize", ["capabilities": [:]]) as? [String: Any]
        let capabilities = initialize?["capabilities"] as? [String: Any]
        XCTAssertEqual(capabilities?["hoverProvider"] as? Bool, true)
        XCTAssertEqual((capabilities?["textDocumentSync"] as? [String: Any])?["change"] as? Int, 1)
        notify("initialized", [:])

        // Open: a correct program has no diagnostics.
        open(program)
        XCTAssertEqual(publishedDiagnostics().count, 0)

        // Change: an undefined name is reported where it is, with the resolver's message.
        let broken = program.replacingOccurrences(of: "add(1, 2)", with: "ad(1, 2)")
        change(broken)
        let diagnostics = publishedDiagnostics()
        XCTAssertEqual(diagnostics.count, 1)
        let message = diagnostics.first?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("`ad`"), message)
        let range = diagnostics.first?["range"] as? [String: Any]
        XCTAssertEqual((range?["start"] as? [String: Any])?["line"] as? Int, 29)
        XCTAssertEqual((range?["start"] as? [String: Any])?["character"] as? Int, 21)
        change(program)
        XCTAssertEqual(publishedDiagnostics().count, 0)

        // Hover: a function's signature and doc comment; a binding's declared type.
        let addHover = hoverText(request("textDocument/hover", at("add(1", offset: 1)))
        XCTAssertTrue(addHover.contains("fn add(a: int, b: int) -> int"), addHover)
        XCTAssertTrue(addHover.contains("Adds two numbers."), addHover)
        let totalHover = hoverText(request("textDocument/hover", at("total", occurrence: 2)))
        XCTAssertTrue(totalHover.contains("let total: int"), totalHover)

        // Definition: a local, a function, a struct, a field and a method.
        XCTAssertEqual(line(of: request("textDocument/definition", at("total", occurrence: 2))), 29)
        XCTAssertEqual(line(of: request("textDocument/definition", at("add(1"))), 24)
        XCTAssertEqual(line(of: request("textDocument/definition", at("Point {", occurrence: 2))), 1)
        XCTAssertEqual(line(of: request("textDocument/definition", at("norm()", offset: 1))), 8)
        XCTAssertEqual(line(of: request("textDocument/definition", at("self.y", offset: 5))), 3)
        XCTAssertEqual(line(of: request("textDocument/definition", at("self.radius", offset: 5))), 14)

        // Completion: names in scope, members after `.`, items after `::`.
        let inScope = labels(request("textDocument/completion", at("println(p", offset: 8)))
        XCTAssertTrue(inScope.contains("p") && inScope.contains("total") && inScope.contains("add") && inScope.contains("println"))
        let members = labels(request("textDocument/completion", at("p.norm", offset: 2)))
        XCTAssertTrue(members.contains("norm") && members.contains("x"), "\(members)")
        XCTAssertFalse(members.contains("area"), "a member of another type: \(members)")
        let withQualifier = program.replacingOccurrences(of: "println(p.norm());", with: "let q = Point::")
        change(withQualifier)
        let items = labels(request("textDocument/completion", at("Point::", in: withQualifier, offset: 7)))
        XCTAssertEqual(items, ["norm"])
        change(program)

        // The outline.
        let symbols = request("textDocument/documentSymbol", ["textDocument": ["uri": uri]]) as? [[String: Any]] ?? []
        XCTAssertEqual(symbols.compactMap { $0["name"] as? String }, ["Point", "impl Point", "Circle", "impl Circle", "add", "main"])
        XCTAssertEqual((symbols[0]["children"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["x", "y"])

        // Formatting through `malphas fmt`: one edit replacing the document.
        change("fn main(){println(1);}")
        let edits = request("textDocument/formatting", ["textDocument": ["uri": uri], "options": ["tabSize": 4, "insertSpaces": true]])
        XCTAssertEqual((edits as? [[String: Any]])?.first?["newText"] as? String, "fn main() {\n    println(1);\n}\n")

        // Shutdown, then exit with status 0.
        XCTAssertNil(request("shutdown") as? [String: Any])
        notify("exit", [:])
        XCTAssertEqual(server.exitStatus, 0)
    }

    func testHoverShowsTheTypeTheCheckerInferred() {
        let source = "fn main() {\n    let xs = [1, 2, 3];\n    let halves = xs.map(|x| x as float / 2.0);\n    println(halves);\n}\n"
        open(source)
        XCTAssertEqual(publishedDiagnostics().count, 0)
        let xs = hoverText(request("textDocument/hover", at("xs", in: source)))
        XCTAssertTrue(xs.contains("let xs: []int"), xs)
        let halves = hoverText(request("textDocument/hover", at("halves", in: source, occurrence: 2)))
        XCTAssertTrue(halves.contains("halves: []float"), halves)
    }

    func testATypeErrorIsPublishedWithItsLabelAndTheAnnotationThatSetTheExpectation() {
        open("fn main() {\n    let s: string = 5;\n}\n")
        let diagnostic = publishedDiagnostics().first
        XCTAssertEqual(diagnostic?["message"] as? String,
                       "mismatched types: expected string, found int\nhelp: convert it with `as string` or `to_string(...)`")
        let start = (diagnostic?["range"] as? [String: Any])?["start"] as? [String: Any]
        XCTAssertEqual(start?["line"] as? Int, 1)
        XCTAssertEqual(start?["character"] as? Int, 20)
        let related = diagnostic?["relatedInformation"] as? [[String: Any]] ?? []
        XCTAssertEqual(related.first?["message"] as? String, "expected due to this type")
    }

    func testDiagnosticsCarryTheirRelatedPlaces() {
        open("fn f() {}\nfn f() {}\nfn main() {}\n")
        let diagnostic = publishedDiagnostics().first
        let related = diagnostic?["relatedInformation"] as? [[String: Any]] ?? []
        XCTAssertFalse(related.isEmpty, "\(String(describing: diagnostic))")
        let relatedLine = ((related.first?["location"] as? [String: Any])?["range"] as? [String: Any]).flatMap { ($0["start"] as? [String: Any])?["line"] as? Int }
        XCTAssertEqual(relatedLine, 0)
    }

    func testAnUnknownRequestGetsAMethodNotFoundError() {
        server.handle(["jsonrpc": "2.0", "id": 7, "method": "textDocument/unknownThing", "params": [:]])
        XCTAssertEqual((sent.last?["error"] as? [String: Any])?["code"] as? Int, -32601)
    }

    func testExitWithoutShutdownEndsWithStatus1() {
        notify("exit", [:])
        XCTAssertEqual(server.exitStatus, 1)
    }

    /// Half-typed code: every prefix of every few bytes of the examples, each request
    /// answered at several positions, and the server still answering afterwards.
    func testEveryRequestOnTruncatedExamplesGetsAnAnswer() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let examples = ["examples/structs.mal", "examples/expr_eval.mal", "examples/legions/select_timeout.mal"]
        request("initialize")
        for example in examples {
            let text = try String(contentsOf: root.appendingPathComponent(example), encoding: .utf8)
            let bytes = Array(text.utf8)
            var cut = 0
            while cut < bytes.count {
                let prefix = String(decoding: bytes[0..<cut], as: UTF8.self)
                change(prefix)
                open(prefix)
                let lines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
                let lastLine = max(0, lines.count - 1)
                for (line, character) in [(lastLine, lines.last?.utf16.count ?? 0), (lastLine / 2, 4), (0, 0), (lastLine + 5, 99)] {
                    let params: [String: Any] = ["textDocument": ["uri": uri], "position": ["line": line, "character": character]]
                    for method in ["textDocument/hover", "textDocument/definition", "textDocument/completion"] {
                        request(method, params)
                    }
                }
                request("textDocument/documentSymbol", ["textDocument": ["uri": uri]])
                request("textDocument/formatting", ["textDocument": ["uri": uri]])
                cut += max(1, bytes.count / 40)
            }
        }
        XCTAssertNotNil(request("initialize"))
    }

    /// Mutated examples (literals, operators and tokens swapped, dropped, repeated): every
    /// request at every tenth name still gets an answer.
    func testEveryRequestOnMutatedExamplesGetsAnAnswer() {
        request("initialize")
        for (index, example) in FuzzCorpus.examples().enumerated() {
            var random = FuzzRandom(seed: 3, category: "lsp-mutation", index: index)
            let text = ProgramMutator(source: example.text).mutated(&random, count: 6)
            open(text)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (line, content) in lines.enumerated() where line % 10 == 0 {
                let params: [String: Any] = ["textDocument": ["uri": uri], "position": ["line": line, "character": content.utf16.count / 2]]
                for method in ["textDocument/hover", "textDocument/definition", "textDocument/completion"] {
                    request(method, params)
                }
            }
            request("textDocument/documentSymbol", ["textDocument": ["uri": uri]])
            request("textDocument/formatting", ["textDocument": ["uri": uri]])
        }
        XCTAssertNotNil(request("initialize"))
    }
}
