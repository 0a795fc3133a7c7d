// Superinstructions: shapes of code the compiler turns into one instruction where a
// plain translation would dispatch two. Each shape has a bytecode test (what it compiles
// to) and behaviour tests (it runs as the unfused code would, errors and safe points
// included).

import XCTest
import MalphasCompiler
@testable import MalphasVM

final class FusedInstructionTests: XCTestCase {
    /// The disassembly of the function named `name` in `source`.
    func disassembly(of name: String, in source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let (_, compiled) = Interpreter.compile(source: source)
        guard let program = try? compiled.get() else {
            XCTFail("does not compile", file: file, line: line)
            return ""
        }
        let text = Interpreter.disassemble(program)
        let functions = text.components(separatedBy: "\nfunction ")
        return functions.first { $0.contains("`\(name)`") } ?? ""
    }

    // MARK: A while loop tests its condition at the bottom

    func testAWhileLoopOverAComparisonJumpsBackWithItsBottomTest() {
        let f = disassembly(of: "count", in: """
        fn count(n: int) -> int { let mut i = 0; while i < n { i += 1; } i }
        fn main() { println(count(3)); }
        """)
        XCTAssertTrue(f.contains("jumpIfNotLess "), f)
        XCTAssertTrue(f.contains("loopIfLess "), f)
        XCTAssertFalse(f.contains("loopBack"), f)
    }

    func testEveryComparisonShapeHasABottomTest() {
        let f = disassembly(of: "shapes", in: """
        fn shapes(n: int) {
            let mut i = 0;
            while i <= n { i += 1; }
            while i < 20 { i += 1; }
            while i <= 30 { i += 1; }
            while i > 0 { i -= 1; }
            while i >= -5 { i -= 1; }
            while 10 > i { i += 1; }
        }
        fn main() { shapes(1); }
        """)
        for op in ["loopIfLessEqual ", "loopIfLessConst ", "loopIfLessEqualConst ", "loopIfGreaterConst ",
                   "loopIfGreaterEqualConst "] {
            XCTAssertTrue(f.contains(op), "\(op) missing in\n\(f)")
        }
    }

    func testAConditionThatIsNotAComparisonOfLocalsKeepsItsTestAtTheTop() {
        let f = disassembly(of: "drain", in: """
        fn drain(v: Vec[int]) -> int { let mut w = v; let mut s = 0; while w.len() > 0 { s += w.pop(); } s }
        fn main() { println(drain([1, 2, 3])); }
        """)
        XCTAssertTrue(f.contains("loopBack"), f)
        XCTAssertFalse(f.contains("loopIf"), f)
        expectOutput("""
        fn drain(v: Vec[int]) -> int { let mut w = v; let mut s = 0; while w.len() > 0 { s += w.pop(); } s }
        fn main() { println(drain([1, 2, 3])); }
        """, "6\n")
    }

    func testEveryBottomTestLoopsWhileItsComparisonHolds() {
        expectOutput("""
        fn main() {
            let n = 5;
            let mut i = 0;
            let mut steps = 0;
            while i < n { i += 1; steps += 1; }
            println(i, " ", steps);
            while i <= n { i += 1; steps += 1; }
            println(i, " ", steps);
            while i < 9 { i += 1; steps += 1; }
            println(i, " ", steps);
            while i <= 12 { i += 1; steps += 1; }
            println(i, " ", steps);
            while i > 3 { i -= 1; steps += 1; }
            println(i, " ", steps);
            while i >= -2 { i -= 1; steps += 1; }
            println(i, " ", steps);
            let mut x = 0.5;
            while x < 4.0 { x = x * 2.0; }
            println(x);
        }
        """, "5 5\n6 6\n9 9\n13 13\n3 23\n-3 29\n4\n")
    }

    func testAWhileLoopWhoseConditionFailsAtOnceRunsNoIteration() {
        expectOutput("""
        fn main() {
            let mut i = 10;
            while i < 3 { println("never"); i += 1; }
            while i < i { println("never"); }
            println(i);
        }
        """, "10\n")
    }

    func testContinueReachesTheBottomTestAndBreakLeavesTheLoop() {
        expectOutput("""
        fn main() {
            let mut i = 0;
            let mut odd = 0;
            while i < 10 {
                i += 1;
                if i % 2 == 0 { continue; }
                if i > 7 { break; }
                odd += i;
            }
            println(i, " ", odd);
        }
        """, "9 16\n")
    }

    func testOverflowInALoopTestedAtTheBottomIsARuntimeErrorAtItsLine() {
        expectRuntimeError("""
        fn main() {
            let mut i = 9223372036854775800;
            let limit = 9223372036854775807;
            while i < limit {
                i += 100;
            }
        }
        """, "error: integer overflow", trace: ["at main (main.mal:5)"])
    }

    func testTheBottomTestIsASafePoint() {
        // The loop's only safe point is its bottom test: the budget ends it.
        for suspend in [false, true] {
            let r = Harness.run("fn main() {\n    let mut i = 0;\n    while i >= 0 { i = 1; }\n}",
                                suspendEverySafePoint: suspend, budget: 1000)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("instruction budget of 1000 exhausted"), r.stderr)
            XCTAssertTrue(r.stderr.contains("at main (main.mal:3)"), r.stderr)
        }
    }

    func testWithSafePointsCompiledOutTheBottomTestIsNoSafePoint() throws {
        let (_, compiled) = Interpreter.compile(source: "fn main() { let mut i = 0; while i < 3 { i += 1; } }",
                                                safePoints: false)
        let program = try compiled.get()
        let main = program.functions.first { $0.name == "main" }!
        let test = main.code.first { Instruction.opcode($0) == .loopIfLessConst }
        XCTAssertEqual(test.map(Instruction.d), 0)
    }
}
