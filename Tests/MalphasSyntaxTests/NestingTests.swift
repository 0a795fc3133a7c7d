import XCTest
import Foundation
import MalphasSyntax

/// Deep nesting is an error, "nesting too deep", never a native stack overflow; long
/// chains (binary operators, postfix operators, `else if`) are read in loops and are not
/// nesting. Every test here parses on a thread with a 512 KiB stack.
final class NestingTests: XCTestCase {
    /// What a parse on a small stack reports back.
    struct Outcome: Sendable {
        var messages: [String]
        var firstError: String?
        var dumpPrefix: String
    }

    /// Parses `source` on a thread with a 512 KiB stack, dumps and frees the tree there.
    func parseOnSmallStack(_ source: String) -> Outcome {
        final class Box: @unchecked Sendable { var outcome: Outcome? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let sources = SourceMap()
            let id = sources.add(SourceFile(name: "deep.mal", text: source))
            let result = Parser.parse(id, in: sources)
            let dump = ASTDump.dump(result.unit)
            let rendered = result.diagnostics.first.map { DiagnosticRenderer(sources: sources).render($0) }
            box.outcome = Outcome(messages: result.diagnostics.map(\.message), firstError: rendered,
                                  dumpPrefix: String(dump.prefix(60)))
            ASTRelease.release(consume result)
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        return box.outcome!
    }

    private func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

    func testHundredThousandOpenParenthesesAreTooDeep() {
        let outcome = parseOnSmallStack("fn main() { let x = " + repeated("(", 100_000) + "1" + repeated(")", 100_000) + "; }")
        XCTAssertEqual(outcome.messages, ["nesting too deep"])
    }

    func testHundredThousandUnclosedParentheses() {
        let outcome = parseOnSmallStack("fn main() { let x = " + repeated("(", 100_000))
        XCTAssertEqual(outcome.messages.first, "nesting too deep")
    }

    func testHundredThousandBrackets() {
        XCTAssertEqual(parseOnSmallStack("fn main() { let x = " + repeated("[", 100_000) + repeated("]", 100_000) + "; }").messages,
                       ["nesting too deep"])
        XCTAssertEqual(parseOnSmallStack("fn main() { let x = " + repeated("[", 100_000)).messages.first, "nesting too deep")
    }

    func testHundredThousandBraces() {
        XCTAssertEqual(parseOnSmallStack("fn main() " + repeated("{", 100_000) + repeated("}", 100_000)).messages,
                       ["nesting too deep"])
        XCTAssertEqual(parseOnSmallStack("fn main() " + repeated("{", 100_000)).messages,
                       ["unclosed delimiter: expected `}` to close this block", "nesting too deep"])
        XCTAssertEqual(parseOnSmallStack(repeated("{", 100_000)).messages.first, "expected an item, found `{`")
    }

    func testLongPrefixOperatorChainsAreTooDeep() {
        XCTAssertEqual(parseOnSmallStack("fn main() { let x = " + repeated("- ", 100_000) + "x; }").messages,
                       ["nesting too deep"])
        XCTAssertEqual(parseOnSmallStack("fn main() { let x = " + repeated("!", 100_000) + "x; }").messages,
                       ["nesting too deep"])
        XCTAssertEqual(parseOnSmallStack("fn main() { let x = " + repeated("&&", 100_000) + "x; }").messages,
                       ["nesting too deep"])
    }

    func testLongChainOfReferencePatternsIsOneError() {
        XCTAssertEqual(parseOnSmallStack("fn main() { match x { " + repeated("&", 100_000) + "x => 1 } }").messages,
                       ["reference patterns are not supported"])
    }

    func testNestingTooDeepPointsAtTheOffendingToken() {
        let outcome = parseOnSmallStack("fn main() {\n    let x = " + repeated("(", 1000) + "1" + repeated(")", 1000) + ";\n}")
        let error = try? XCTUnwrap(outcome.firstError)
        XCTAssertTrue(error?.hasPrefix("error: nesting too deep\n --> deep.mal:2:") ?? false, error ?? "")
        XCTAssertTrue(error?.contains("^\n") ?? false)
    }

    func testLongBinaryChainIsNotNesting() {
        let outcome = parseOnSmallStack("fn main() { let x = 1" + repeated(" + 1", 100_000) + "; }")
        XCTAssertEqual(outcome.messages, [])
        XCTAssertTrue(outcome.dumpPrefix.hasPrefix("(fn main () (block (let x = (+ (+ (+ (+"), outcome.dumpPrefix)
    }

    func testLongMixedBinaryChainIsNotNesting() {
        let outcome = parseOnSmallStack("fn main() { let x = a" + repeated(" * b + c - d / e || f && g == h", 10_000) + "; }")
        XCTAssertEqual(outcome.messages, [])
    }

    func testLongPostfixAndElseIfChainsAreNotNesting() {
        XCTAssertEqual(parseOnSmallStack("fn main() { x" + repeated(".f()", 50_000) + "; }").messages, [])
        XCTAssertEqual(parseOnSmallStack("fn main() { x" + repeated("[0]", 50_000) + "; }").messages, [])
        XCTAssertEqual(parseOnSmallStack("fn main() { if a {}" + repeated(" else if a {}", 50_000) + " }").messages, [])
    }

    func testModerateNestingIsFine() {
        XCTAssertEqual(parseOnSmallStack("fn main() { let x = " + repeated("(", 60) + "1" + repeated(")", 60) + "; }").messages, [])
        XCTAssertEqual(parseOnSmallStack("fn main() " + repeated("{", 60) + repeated("}", 60)).messages, [])
        XCTAssertEqual(parseOnSmallStack("fn main() { let x: " + repeated("Vec[", 60) + "int" + repeated("]", 60) + "; }").messages, [])
    }

    /// Every construct that nests, 20,000 deep (a hundred times the limit; the inputs are
    /// kept smaller than above only to keep the test quick in a debug build).
    func testEveryNestingConstructIsBounded() {
        let n = 20_000
        let cases: [String] = [
            "fn main() { let x: " + repeated("&", n) + "int; }",
            "fn main() { let x: " + repeated("Vec[", n) + "int" + repeated("]", n) + "; }",
            "fn main() { let x: " + repeated("[", n) + "int" + repeated("]", n) + "; }",
            "fn main() { let x: " + repeated("fn(", n) + "int" + repeated(")", n) + "; }",
            "fn main() { let x: " + repeated("chan ", n) + "int; }",
            "fn main() { let x: " + repeated("(", n) + "int" + repeated(",)", n) + "; }",
            "fn main() { let " + repeated("(", n) + "x" + repeated(",)", n) + " = 1; }",
            "fn main() { match x { " + repeated("A(", n) + "x" + repeated(")", n) + " => 1 } }",
            "fn main() { match x { " + repeated("A { a: ", n) + "x" + repeated(" }", n) + " => 1 } }",
            "fn main() { let x = " + repeated("P { a: ", n) + "1" + repeated(" }", n) + "; }",
            "fn main() { let x = " + repeated("f(", n) + "1" + repeated(")", n) + "; }",
            "fn main() { let x = " + repeated("a.b(", n) + "1" + repeated(")", n) + "; }",
            "fn main() { let x = " + repeated("a[", n) + "1" + repeated("]", n) + "; }",
            "fn main() { let x = " + repeated("Vec[", n) + "int" + repeated("]", n) + "::new(); }",
            "fn main() { let x = " + repeated("(1, ", n) + "1" + repeated(")", n) + "; }",
            "fn main() { let x = " + repeated("[0; ", n) + "1" + repeated("]", n) + "; }",
            "fn main() { let x = " + repeated("..(", n) + "1" + repeated(")", n) + "; }",
            "fn main() { let x = " + repeated("<-", n) + "x; }",
            "fn main() { let x = " + repeated("*", n) + "x; }",
            "fn main() { " + repeated("a = ", n) + "1; }",
            "fn main() { " + repeated("return ", n) + "1; }",
            "fn main() { loop { " + repeated("break ", n) + "1; } }",
            "fn main() { let f = " + repeated("|x| ", n) + "1; }",
            "fn main() { let f = " + repeated("|x| { ", n) + "1" + repeated(" }", n) + "; }",
            "fn main() { let f = " + repeated("fn() { ", n) + repeated("} ", n) + "; }",
            "fn main() { " + repeated("if a { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("if if ", n) + " }",
            "fn main() { " + repeated("if a { } else { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("while a { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("for x in a { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("loop { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("unsafe { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("match x { _ => ", n) + "1" + repeated(" }", n) + " }",
            "fn main() { " + repeated("match x { _ => { ", n) + "1" + repeated(" } }", n) + " }",
            "fn main() { " + repeated("select { case <-c => ", n) + "1" + repeated(" }", n) + " }",
            "fn main() { " + repeated("spawn { ", n) + repeated("} ", n) + " }",
            "fn main() { " + repeated("spawn ", n) + "f(); }",
            "fn main() { let x = " + repeated("{ let x = ", n) + "1" + repeated("; x }", n) + "; }",
            "fn main() " + repeated("{ fn a() ", n) + repeated("}", n) + " }",
            "fn main() " + repeated("{ impl A { fn a() ", n) + repeated("} }", n) + " }",
            repeated("mod a { ", n),
            "use " + repeated("a::{", n) + ";",
            "fn main() { let x = " + repeated("a || b && c == d | e ^ f & g << h + i * -(", n) + "1" + repeated(")", n) + "; }",
        ]
        for source in cases {
            let outcome = parseOnSmallStack(source)
            XCTAssertTrue(outcome.messages.contains("nesting too deep"), "\(source.prefix(40)): \(outcome.messages.prefix(3))")
        }
    }
}
