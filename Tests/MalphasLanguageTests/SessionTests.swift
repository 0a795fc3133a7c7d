import XCTest
@testable import MalphasVM

/// The REPL's session API: items and bindings persist across inputs.
final class SessionTests: XCTestCase {
    func testItemsAndBindingsPersistAcrossInputs() {
        let out = Output.capture()
        let session = Session(options: RunOptions(output: out, errorOutput: Output.capture()))
        XCTAssertEqual(session.evaluate("let mut x = 40;"), .value(nil))
        XCTAssertEqual(session.evaluate("fn add(a: int, b: int) -> int { a + b }"), .value(nil))
        XCTAssertEqual(session.evaluate("x += 1;"), .value(nil))
        XCTAssertEqual(session.evaluate("add(x, 1)"), .value("42"))
        XCTAssertEqual(session.evaluate("struct P { x: int } impl P { fn twice(&self) -> int { self.x * 2 } }"), .value(nil))
        XCTAssertEqual(session.evaluate("let p = P { x: x };"), .value(nil))
        XCTAssertEqual(session.evaluate("p.twice()"), .value("82"))
        XCTAssertEqual(session.evaluate("println(\"hi {}\", p.x); [1, 2].map(|v| v + x)"), .value("[42, 43]"))
        out.flush()
        XCTAssertEqual(out.capturedText, "hi 41\n")
    }

    func testErrorsLeaveTheSessionUsable() {
        let session = Session(options: RunOptions(output: Output.capture(), errorOutput: Output.capture()))
        guard case .compileError(let text) = session.evaluate("fn broken() -> int { nope }") else { return XCTFail() }
        XCTAssertTrue(text.contains("cannot find value `nope`"), text)
        guard case .compileError = session.evaluate("broken()") else { return XCTFail("a failed input declares nothing") }
        guard case .runtimeError(let report) = session.evaluate("let z = 1 / 0;") else { return XCTFail() }
        XCTAssertTrue(report.contains("division by zero"), report)
        XCTAssertEqual(session.evaluate("let y = 2; y * 21"), .value("42"))
        XCTAssertEqual(session.evaluate("\"s\""), .value("\"s\""))
        XCTAssertEqual(session.evaluate("exit(3)"), .exited(3))
    }
}
