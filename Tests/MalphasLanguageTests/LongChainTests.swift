import XCTest
@testable import MalphasVM

/// Operator chains are parsed in loops, so they are not bounded by the nesting limit: a
/// 100,000-term `1 + 1 + ...` is a 100,000-deep tree. Compiling and running one must
/// work (or fail cleanly), never crash, even from a thread with a small stack.
final class LongChainTests: XCTestCase {
    /// Runs `body` on a thread with a 512 KiB stack.
    private func onSmallStack(_ body: @escaping () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { body(); done.signal() }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
    }

    private func run(_ source: String) -> RunResult {
        var result = RunResult(stdout: "", stderr: "", status: -1)
        onSmallStack { result = Harness.run(source) }
        return result
    }

    func testLongArithmeticChainOfConstants() {
        let chain = Array(repeating: "1", count: 100_000).joined(separator: " + ")
        let r = run("fn main() { let x = \(chain); println(x); }")
        XCTAssertEqual(r.stdout, "100000\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    func testLongChainsWithVariables() {
        let sum = Array(repeating: "one", count: 100_000).joined(separator: " + ")
        let cond = Array(repeating: "one == 1", count: 20_000).joined(separator: " && ")
        let strings = Array(repeating: "s", count: 20_000).joined(separator: " + ")
        let r = run("""
        fn main() {
            let one = 1;
            let s = "a";
            println(\(sum));
            if \(cond) { println("all true"); }
            println(len(\(strings)));
        }
        """)
        XCTAssertEqual(r.stdout, "100000\nall true\n20000\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    func testLongMethodAndFieldChains() {
        let methods = String(repeating: ".trim()", count: 20_000)
        let casts = String(repeating: " as int", count: 20_000)
        let r = run("""
        struct N { n: int }
        fn main() {
            let s = "  x  ";
            println(s\(methods));
            println(7\(casts));
            let v = [[[1]]];
            println(v[0][0][0]);
        }
        """)
        XCTAssertEqual(r.stdout, "x\n7\n1\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    func testLongElseIfChain() {
        var source = "fn pick(x: int) -> int {\n    if x == 0 { 0 }"
        for i in 1..<10_000 { source += " else if x == \(i) { \(i * 2) }" }
        source += " else { -1 }\n}\nfn main() { println(pick(9_999), \" \", pick(5), \" \", pick(20_000)); }\n"
        let r = run(source)
        XCTAssertEqual(r.stdout, "19998 10 -1\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    func testDeepNestingIsACleanCompileError() {
        let nested = String(repeating: "(", count: 5_000) + "1" + String(repeating: ")", count: 5_000)
        let r = run("fn main() { let x = \(nested); }")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("error:"), r.stderr)
    }
}
