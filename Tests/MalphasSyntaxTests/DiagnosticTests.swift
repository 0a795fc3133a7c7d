import XCTest
import MalphasSyntax

/// LANGUAGE.md sections 1 and 9: errors in the style of rustc, several per run.
final class DiagnosticTests: XCTestCase {
    func testMissingSemicolonAfterLet() {
        XCTAssertEqual(renderedDiagnostics("fn main() {\n    let x = 5\n    let y = 6;\n}\n"), """
        error: expected `;` after `let` statement
         --> test.mal:2:14
          |
        2 |     let x = 5
          |              ^
          = help: add `;` here to end the statement

        """)
    }

    func testMissingSemicolonAfterExpression() {
        XCTAssertEqual(renderedDiagnostics("fn main() {\n    f()\n    g();\n}"), """
        error: expected `;` after expression
         --> test.mal:2:8
          |
        2 |     f()
          |        ^
          = help: add `;` here to end the statement

        """)
    }

    func testUnexpectedTokenInExpression() {
        XCTAssertEqual(renderedDiagnostics("fn main() {\n    x = ;\n}"), """
        error: expected expression, found `;`
         --> test.mal:2:9
          |
        2 |     x = ;
          |         ^

        """)
    }

    func testStatementOutsideAFunction() {
        XCTAssertEqual(renderedDiagnostics("let x = 5;\nfn main() {}"), """
        error: expected an item, found `let`
         --> test.mal:1:1
          |
        1 | let x = 5;
          | ^^^
          = help: statements belong inside a function, such as `fn main() { ... }`

        """)
    }

    func testUnclosedBlockPointsAtItsBrace() {
        XCTAssertEqual(renderedDiagnostics("fn main() {\n    f();\n"), """
        error: unclosed delimiter: expected `}` to close this block
         --> test.mal:1:11
          |
        1 | fn main() {
          |           ^
          = help: add `}` where the block ends

        """)
    }

    func testLexicalErrorsAreRenderedWithLineAndColumn() {
        XCTAssertEqual(renderedDiagnostics("fn main() {\n    let s = \"a\\qb\";\n}"), """
        error: unknown character escape `\\q`
         --> test.mal:2:15
          |
        2 |     let s = "a\\qb";
          |               ^^
          = help: the escapes are \\n \\t \\r \\\\ \\" \\0 and \\u{...}; write `\\\\` for a backslash

        """)
        XCTAssertEqual(renderedDiagnostics("fn main() {\n  x = 1 @ 2;\n}"), """
        error: expected `;` after expression
         --> test.mal:2:8
          |
        2 |   x = 1 @ 2;
          |        ^
          = help: add `;` here to end the statement

        error: unexpected character `@`
         --> test.mal:2:9
          |
        2 |   x = 1 @ 2;
          |         ^

        error: aborting due to 2 previous errors

        """)
    }

    func testUnterminatedStringIsRenderedAtItsQuoteAlone() {
        XCTAssertEqual(renderedDiagnostics("fn main() { let s = \"abc;\n}\n"), """
        error: unterminated string literal
         --> test.mal:1:21
          |
        1 | fn main() { let s = "abc;
          |                     ^^^^^
          = help: add a closing `"`

        """)
    }

    func testTooBigLiteralIsRenderedAtTheLiteral() {
        XCTAssertEqual(renderedDiagnostics("const BIG: int = 99999999999999999999;"), """
        error: integer literal is too large
         --> test.mal:1:18
          |
        1 | const BIG: int = 99999999999999999999;
          |                  ^^^^^^^^^^^^^^^^^^^^
          = help: the largest int is 9223372036854775807 (a 64-bit signed integer)

        """)
    }

    // MARK: - Recovery

    func testThreeErrorsAreAllReported() {
        let source = """
        fn main() {
            let x = 5
            let y = ;
            foo(1, 2;
        }
        fn other() -> int { 1 }
        struct S { a int }
        """
        XCTAssertEqual(messages(source), [
            "expected `;` after `let` statement",
            "expected expression, found `;`",
            "expected `)` to close the argument list, found `;`",
            "expected `:` after the field name, found `int`",
        ])
        XCTAssertTrue(parseFile(source).1.unit.items.contains {
            if case .function(let f) = $0.kind { return f.name.name == "other" }
            return false
        }, "the items after the errors are still parsed")
    }

    func testRecoveryAtItemBoundaries() {
        XCTAssertEqual(messages("fn a( { }\nfn b() { 1 + }\nstruct C { x: }\nfn d() {}"), [
            "expected a parameter name, found `{`",
            "expected expression, found `}`",
            "expected a type, found `}`",
        ])
    }

    func testOneMistakeGivesOneError() {
        XCTAssertEqual(messages("fn main() { let v = [1, 2; }"), ["expected `]` to close the array, found `;`"])
        XCTAssertEqual(messages("fn main() { (((( }"), ["expected expression, found `}`"])
    }

    func testHelpfulErrorsForOtherLanguagesSyntax() {
        XCTAssertEqual(messages("fn id<T>(x: T) -> T { x }"), ["generic parameters are written in brackets"])
        XCTAssertEqual(messages("fn main() { if let Some(x) = y { } }"), ["`if let` is not supported"])
        XCTAssertEqual(messages("struct P(int, int);"), ["tuple structs are not supported"])
        XCTAssertEqual(messages("enum E { A { x: int } }"), ["variants with named fields are not supported"])
        XCTAssertEqual(messages("fn main() { let p = P { ..q }; }"), ["struct update syntax `..base` is not supported"])
    }

    func testMissingFunctionBody() {
        XCTAssertEqual(messages("fn f();"), ["function `f` has no body"])
    }

    func testSelfOutsideTheFirstParameter() {
        XCTAssertEqual(messages("impl P { fn f(x: int, self) {} }"), ["`self` must be the first parameter"])
    }

    func testMissingCommaBetweenMatchArms() {
        XCTAssertEqual(messages("fn main() { match x { 1 => a 2 => b } }"), ["expected `,` after the match arm"])
    }

    func testErrorCountIsCapped() {
        let source = "fn main() {\n" + String(repeating: "    x = ;\n", count: 200) + "}"
        XCTAssertEqual(parseFile(source).1.diagnostics.count, Parser.errorLimit)
    }

    func testDiagnosticsAreInSourceOrder() {
        let starts = parseFile("fn main() { x = ; @ y = ; }\n# fn").1.diagnostics.map(\.span.start)
        XCTAssertEqual(starts, starts.sorted())
        XCTAssertEqual(starts.count, 5)
    }
}
