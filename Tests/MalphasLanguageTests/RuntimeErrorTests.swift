import XCTest
@testable import MalphasVM

/// LANGUAGE 5 and 7, DESIGN 4: runtime errors print the message and a Malphas stack trace
/// (innermost call first, `file:line` per frame) to stderr and exit with status 1.
final class RuntimeErrorTests: XCTestCase {
    func testErrorMessageAndTrace() {
        expectRuntimeError("""
        fn divide(a: int, b: int) -> int {
            a / b
        }
        fn compute() -> int { divide(10, 0) }
        fn main() {
            println("before");
            println(compute());
        }
        """, "error: division by zero\nstack trace (innermost call first):\n    at divide (main.mal:2)\n    at compute (main.mal:4)\n    at main (main.mal:7)\n",
        stdout: "before\n")
    }

    func testIntegerOverflowIsAnError() {
        expectRuntimeError("""
        fn main() {
            let mut x = 9223372036854775800;
            x += 100;
        }
        """, "error: integer overflow in `+`", trace: ["at main (main.mal:3)"])
        expectRuntimeError("fn main() { let x = 1 % 0; }", "error: division by zero in `%`")
        expectRuntimeError("fn main() { let m = -9223372036854775807 - 1; let y = m * -1; }", "error: integer overflow in `*`")
    }

    func testMixingIntAndFloatIsAnError() {
        // The checker rejects `1 + 2.0`; in a generic body the run-time check decides.
        expectRuntimeError("""
        fn add[A, B](a: A, b: B) { let x = a + b; }
        fn main() { add(1, 2.0); }
        """, "error: cannot add int and float; convert with `as`")
    }

    func testIndexOutOfRangeNamesIndexAndLength() {
        expectRuntimeError("""
        fn main() {
            let v = [1, 2, 3];
            println(v[7]);
        }
        """, "index 7 out of range for list of length 3", trace: ["at main (main.mal:3)"])
    }

    func testPanicAndAssert() {
        expectRuntimeError("""
        fn check(x: int) { if x > 2 { panic("too big: " + to_string(x)); } }
        fn main() { check(1); check(5); }
        """, "panicked: too big: 5\nstack trace (innermost call first):\n    at check (main.mal:1)\n    at main (main.mal:2)\n")
        expectRuntimeError("fn main() { assert_eq(1 + 1, 3); }", "panicked: assertion failed")
    }

    func testCastErrors() {
        expectRuntimeError("fn main() { let f = 0.0 / 0.0; let i = f as int; }", "NaN")
    }

    func testCallingANonFunction() {
        expectRuntimeError("fn call[T](x: T) { x(1); } fn main() { call(5); }", "cannot call a value of type int")
    }

    func testWrongArityThroughAFunctionValue() {
        expectRuntimeError("""
        fn add(a: int, b: int) -> int { a + b }
        fn main() { let f = add; f(1); }
        """, "function `add` takes 2 arguments but 1 was supplied")
    }

    func testExitEndsTheProgramWithItsStatus() {
        expectOutput("""
        fn main() { println("a"); exit(4); println("b"); }
        """, "a\n", status: 4)
    }

    func testConditionMustBeABool() {
        expectRuntimeError("fn test[T](c: T) { if c { println(1); } } fn main() { test(1); }", "expected a bool in a condition, got int")
    }

    func testUnknownFieldAtRunTime() {
        expectRuntimeError("""
        struct A { x: int }
        fn show[T](t: T) { println(t.0.y); }
        fn main() { let a = A { x: 1 }; show((a, 2)); }
        """, "struct `A` has no field named `y`")
    }
}

/// DESIGN 3.2: the VM stack grows and shrinks; recursion depth is bounded by a limit
/// that ends in a clean "stack overflow" with a shortened trace.
final class StackTests: XCTestCase {
    func testDeepRecursion() {
        expectOutput("""
        fn depth(n: int) -> int { if n == 0 { 0 } else { 1 + depth(n - 1) } }
        fn main() { println(depth(100000)); }
        """, "100000\n")
    }

    func testStackOverflowIsACleanErrorWithAShortenedTrace() {
        let source = """
        fn forever(n: int) -> int { forever(n + 1) + 1 }
        fn main() { forever(0); }
        """
        let r = Harness.run(source, maxDepth: 1000)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("error: stack overflow: more than 1000 nested calls\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("    at forever (main.mal:1)\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("frames omitted"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("    at main (main.mal:2)\n"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "\n    at ").count - 1, 20, r.stderr)
    }

    func testStackGrowsAndShrinks() throws {
        let (legion, printed) = try runSuspendingAtEverySafePoint("""
        fn depth(n: int) -> int { if n == 0 { 0 } else { 1 + depth(n - 1) } }
        fn main() {
            println(depth(5000));
            let mut i = 0;
            while i < 3 { i += 1; }
            println(depth(10));
        }
        """)
        XCTAssertEqual(printed, "5000\n10\n")
        XCTAssertGreaterThan(legion.stackGrowths, 3)
        XCTAssertGreaterThan(legion.stackShrinks, 0)
        XCTAssertLessThanOrEqual(legion.stackCapacity, 64)
    }

    /// A legion whose depth goes up and down does not shrink its stack only to grow it
    /// again (hysteresis: several low-usage safe points in a row, and never below the
    /// recent high-water mark).
    func testOscillatingDepthDoesNotThrashTheStack() throws {
        let (legion, printed) = try runSuspendingAtEverySafePoint("""
        fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
        fn main() { println(fib(18)); }
        """)
        XCTAssertEqual(printed, "2584\n")
        XCTAssertLessThanOrEqual(legion.stackGrowths, 8, "fib(18) needs a few doublings, not a grow per descent")
        XCTAssertLessThanOrEqual(legion.stackShrinks, 2)
    }

    /// Runs `source` as one legion driven by hand, without the legion runtime, suspending
    /// at every safe point (where an unused stack is given back), to its end. Returns the
    /// legion (its stack counters) and what it printed.
    private func runSuspendingAtEverySafePoint(_ source: String) throws -> (LegionState, String) {
        let (_, compiled) = Interpreter.compile(source: source)
        let program = try compiled.get()
        let loaded = LoadedProgram(program)
        defer { loaded.tearDown() }
        let out = Output.capture()
        let vm = VM(program: loaded, context: BuiltinContext(output: out), runtime: LegionRuntime(settings: LegionSettings()),
                    maxDepth: 100_000, suspendEverySafePoint: true)
        let legion = LegionState()
        legion.safePointFlag = vm.alwaysSetFlag!
        legion.start(loaded.closure(forFunction: program.entry), args: [], globals: loaded.globals)
        var outcome = vm.run(legion)
        while case .yielded = outcome { outcome = vm.run(legion) }
        guard case .finished = outcome else {
            XCTFail("the program should finish")
            return (legion, "")
        }
        out.flush()
        return (legion, out.capturedText)
    }
}
