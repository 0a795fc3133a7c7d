// The instruction budget and the time limit (RunLimits.swift): a program that would run
// forever ends with a clear error and status 1, whatever it is doing; a program within
// its limits runs as it would without them.

import Glibc
import XCTest
@testable import MalphasVM

final class RunLimitTests: XCTestCase {
    func expectStopped(_ source: String, _ message: String, budget: Int? = nil, timeLimit: Duration? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        for suspend in [false, true] {
            let r = Harness.run(source, suspendEverySafePoint: suspend, budget: budget, timeLimit: timeLimit)
            XCTAssertEqual(r.status, 1, "stderr: \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.stderr.contains(message), "stderr should contain \(message), got:\n\(r.stderr)", file: file, line: line)
        }
    }

    func testTheBudgetEndsAnEndlessLoop() {
        expectStopped("fn main() { loop {} }", "error: instruction budget of 1000 exhausted", budget: 1000)
    }

    func testTheBudgetEndsEndlessRecursionBeforeTheDepthLimit() {
        expectStopped("fn f(n: int) -> int { f(n + 1) } fn main() { f(0); }",
                      "instruction budget of 5000 exhausted", budget: 5000)
    }

    func testTheBudgetCountsEveryLegion() {
        expectStopped("""
        fn main() {
            for i in 0..4 { spawn { loop {} }; }
            let ch = make[chan int](0);
            <-ch;
        }
        """, "instruction budget of 20000 exhausted", budget: 20000)
    }

    func testTheBudgetNamesWhereItRanOut() {
        let r = Harness.run("fn spin() { while true {} }\nfn main() {\n    spin();\n}", budget: 100)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("at spin (main.mal:1)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("at main (main.mal:3)"), r.stderr)
    }

    func testAProgramWithinItsBudgetRunsAsUsual() {
        expectOutput("""
        fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
        fn main() {
            let ch = make[chan int](0);
            spawn { ch <- fib(15); };
            yield_now();
            println(<-ch);
        }
        """, "610\n")
        for suspend in [false, true] {
            let r = Harness.run("""
            fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
            fn main() { let ch = make[chan int](0); spawn { ch <- fib(15); }; yield_now(); println(<-ch); }
            """, suspendEverySafePoint: suspend, budget: 100_000)
            XCTAssertEqual(r, RunResult(stdout: "610\n", stderr: "", status: 0))
        }
    }

    func testYieldNowStillYieldsUnderABudget() {
        // One worker: the spinning main legion must give the other legion its turn.
        let source = """
        fn main() {
            let ch = make[chan int](1);
            spawn { ch <- 7; };
            let mut got = nil;
            while got == nil {
                select { case let v = <-ch => { got = v; }, default => { yield_now(); } }
            }
            println(got);
        }
        """
        let r = Harness.run(source, workers: 1, legions: {
            var s = LegionSettings()
            try! s.set("preempt", "off")
            return s
        }(), budget: 1_000_000)
        XCTAssertEqual(r, RunResult(stdout: "7\n", stderr: "", status: 0))
    }

    func testTheTimeLimitEndsALongSleep() {
        expectStopped("fn main() { sleep(1000000000); }", "error: time limit of 200 ms exceeded", timeLimit: .milliseconds(200))
    }

    func testTheTimeLimitEndsAParkedProgram() {
        expectStopped("""
        fn main() {
            let ch = make[chan int](0);
            spawn { sleep(100000000); ch <- 1; };
            println(<-ch);
        }
        """, "time limit of 200 ms exceeded", timeLimit: .milliseconds(200))
    }

    func testTheTimeLimitEndsBusyLegions() {
        expectStopped("fn main() { for i in 0..3 { spawn { loop {} }; } loop {} }",
                      "time limit of 200 ms exceeded", timeLimit: .milliseconds(200))
    }

    func testTheTimeLimitEndsAReadThatNeverReturns() throws {
        // A pipe whose writer stays open: `read_line` would wait forever.
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let (_, compiled) = Interpreter.compile(source: "fn main() { println(read_line()); }")
        let program = try compiled.get()
        let out = Output.capture(), err = Output.capture()
        let options = RunOptions(output: out, errorOutput: err, input: Input(fileDescriptor: fds[0]),
                                 timeLimit: .milliseconds(200))
        XCTAssertEqual(Interpreter.run(program, options: options), 1)
        XCTAssertEqual(out.capturedText, "")
        XCTAssertEqual(err.capturedText, "error: time limit of 200 ms exceeded\n")
    }

    func testAProgramWithinItsTimeLimitRunsAsUsual() {
        let r = Harness.run("fn main() { sleep(5); println(\"done\"); }", timeLimit: .seconds(30))
        XCTAssertEqual(r, RunResult(stdout: "done\n", stderr: "", status: 0))
    }
}
