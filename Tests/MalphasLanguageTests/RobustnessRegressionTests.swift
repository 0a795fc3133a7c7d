// Programs that once crashed, hung or ended without a word, each kept as it was found
// (by the pipeline fuzzer or by hand). Every one must now end cleanly: with its output,
// or with an error that says what went wrong.

import XCTest
@testable import MalphasVM

final class RobustnessRegressionTests: XCTestCase {
    // MARK: Deep chains released, printed and compared by loops, on a legion's stack

    func testAChainOfClosuresCapturingClosuresIsReleased() {
        // Each closure captured the previous one: releasing the last went 100,000 native
        // frames deep and overflowed the legion's stack.
        expectOutput("""
        fn main() {
            let mut f = || 0;
            for i in 0..100000 { let g = f; f = || g() + 1; }
            println(f());
        }
        """, "100000\n")
    }

    func testAChainOfChannelsSentOnChannelsIsReleased() {
        expectOutput("""
        fn main() {
            let done = make[chan int](1);
            spawn {
                // A channel of channels of channels...: no static type, so `c` starts as nil.
                let mut c = nil;
                c = make[chan int](1);
                for i in 0..100000 { let d = make[chan int](1); d <- c; c = d; }
                done <- 1;
            };
            println(<-done);
        }
        """, "1\n")
    }

    func testAChainOfReferencesPrintsInLinearTime() {
        // Printing looked for cycles by scanning every open reference at every link.
        let r = Harness.run("""
        fn main() {
            let mut x = 7;
            let mut r = &x;
            for i in 0..100000 { let s = r; r = &s; }
            let q = r;
            println(r, " ", r == q);
        }
        """, timeLimit: .seconds(20))
        XCTAssertEqual(r, RunResult(stdout: "7 true\n", stderr: "", status: 0))
    }

    func testAClosureCapturingItselfRunsAndEnds() {
        expectOutput("""
        fn main() {
            let mut f = |n: int| n;
            f = |n: int| if n == 0 { 0 } else { f(n - 1) + 1 };
            println(f(1000));
        }
        """, "1000\n")
    }

    func testADeeplyNestedListPrintsInsideASpawnedLegion() {
        expectOutput("""
        fn main() {
            let done = make[chan int](0);
            spawn {
                let mut v = nil;
                v = [0];
                for i in 0..100000 { v = [v]; }
                let w = v;
                println(len(to_string(v)), " ", v == w);
                done <- 1;
            };
            <-done;
        }
        """, "200003 true\n")
    }

    func testAStructHoldingAListOfItselfBuiltInALoopPrints() {
        expectOutput("""
        struct Node { kids: Vec[Node], v: int }
        fn main() {
            let mut n = Node { kids: [], v: 0 };
            for i in 0..50000 { n = Node { kids: [n], v: i }; }
            let s = format("{}", n);
            println(s.len() > 1000000, " ", n == n);
        }
        """, "true true\n")
    }

    // MARK: Work that native code cannot stop on its own

    func testValuesWithSharedHalvesStopAtTheTimeLimit() {
        // `v = [v, v]` forty times is a small value whose printing, comparing and hashing
        // take 2^40 steps in native code, where no safe point is checked.
        let build = "let mut v = nil; v = [0]; let mut w = nil; w = [0]; for i in 0..40 { v = [v, v]; w = [w, w]; }"
        for use in ["println(v == w);", "println(v < w);", "println(to_string(v).len());", "println(v);",
                    "let mut m = HashMap[int, int]::new(); m.insert(v, 1);",
                    "let done = make[chan int](0); spawn { println(v == w); done <- 1; }; <-done;"] {
            let r = Harness.run("fn main() { \(build) \(use) }", timeLimit: .milliseconds(300))
            XCTAssertEqual(r.status, 1, use)
            XCTAssertEqual(r.stdout, "", use)
            XCTAssertEqual(r.stderr, "error: time limit of 300 ms exceeded\n", use)
        }
    }

    func testStringsTooLargeToBuildAreErrors() {
        expectRuntimeError("fn main() { println(\"ab\".repeat(1 << 40).len()); }",
                           "error: method `repeat` would make a string of more than 1 GiB")
        expectRuntimeError("fn main() { let s = \"a\".repeat(1000000); println(s.replace(\"a\", \"b\".repeat(2000)).len()); }",
                           "error: method `replace` would make a string of more than 1 GiB")
        expectRuntimeError("fn main() { let v = [0; 1000000000000]; }",
                           "error: the count of `[value; count]` is too large: 1000000000000")
    }

    func testErrorMessagesQuoteOnlyTheStartOfAHugeValue() {
        let r = Harness.run("fn test[T](v: T) { if v { println(1); } } fn main() { test([7; 1000000]); }")
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("error: expected a bool in a condition, got list [7, 7, 7"), r.stderr)
        XCTAssertLessThan(r.stderr.count, 1000, r.stderr)
    }

    // MARK: The compiler's limits

    func testAProgramWithMoreFunctionsThanBytecodeCanNameIsRefused() {
        // Function 65,536 and up were called through a 16-bit operand cut short: `main`
        // ran another function and the program exited with its result as the status.
        let functions = (0..<70_000).map { "fn f\($0)() -> int { \($0) }" }.joined(separator: "\n")
        let r = Harness.run(functions + "\nfn main() { println(f69999()); }")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("error: function `main` is too large to compile"), r.stderr)
    }

    func testATupleIndexPastWhatBytecodeCanNameIsACompileError() {
        // `t.70000` was cut to 16 bits and read another field (or failed far from its cause).
        expectCompileError("fn main() { let t = (1, 2); println(t.70000); }",
                           ["error: tuple index 70000 is out of range: a tuple has at most 65535 fields", "--> main.mal:1:39"])
    }

    // MARK: Member sites

    func testAFieldReadOfAMethodNameAfterTheMethodWasCalledIsAnError() {
        // `d.to_string` after `d.to_string()` in one function shared one inline cache: the
        // cached method index was read as a field index, out of range (a Swift trap), or
        // in range (a wrong field, silently).
        expectRuntimeError("""
        struct P { x: int, y: int, z: int }
        impl P { fn m(&self) -> int { 1 } fn n(&self) -> int { 2 } }
        fn main() { let p = P { x: 10, y: 20, z: 30 }; println(p.n()); println(p.n); }
        """, "error: struct `P` has no field named `n`", stdout: "2\n")
        expectRuntimeError("""
        struct P { x: int, y: int, z: int }
        impl P { fn m(&self) -> int { 1 } fn n(&self) -> int { 2 } }
        fn main() { let p = P { x: 10, y: 20, z: 30 }; println(p.m()); println(p.m); }
        """, "error: struct `P` has no field named `m`", stdout: "1\n")
    }

    func testAMethodCallAfterAFieldReadOfTheSameNameFindsTheBuiltinMethod() {
        expectOutput("fn main() { let v = [1, 2]; if false { println(v.len); } println(v.len()); }", "2\n")
    }

    // MARK: Exit status

    func testTheLastValueOfAMainWithoutAResultIsNotTheExitStatus() {
        // A program cut short of its closing statements ended with `copy[0]`, an int, as
        // main's tail: the process exited 1 with nothing on stderr.
        expectOutput("fn main() {\n    let v = [1, 2];\n    v[0] }", "")
        expectOutput("fn main() -> int { 0 }", "")
        expectOutput("fn main() -> int { 3 }", "", status: 3)
    }
}
