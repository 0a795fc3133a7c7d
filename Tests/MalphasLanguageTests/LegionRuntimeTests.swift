import CLegion
import Foundation
import XCTest
@testable import MalphasVM

/// The legion runtime under Malphas programs: scale, preemption, stackless parking,
/// restarts, statistics and tracing. Every test is bounded in count and time.
final class LegionRuntimeTests: XCTestCase {
    func testHundredThousandLegionsThroughChannels() {
        let r = Harness.run("""
        fn send_index(ch: chan int, i: int) { ch <- i; }
        fn main() {
            let n = 100000;
            let ch = Channel[int]::new(256);
            for i in 0..n { spawn send_index(ch, i); }
            let mut sum = 0;
            for i in 0..n { sum += <-ch; }
            println(sum);
        }
        """, workers: 2)
        XCTAssertEqual(r.stdout, "4999950000\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    func testPingPongHandsValuesStraightToTheReceiver() {
        let r = Harness.run("""
        fn ponger(ping: chan int, pong: chan int) { for v in ping { pong <- v + 1; } }
        fn main() {
            let ping = make[chan int](0);
            let pong = make[chan int](0);
            spawn ponger(ping, pong);
            let mut sum = 0;
            for i in 0..20000 { ping <- i; sum += <-pong; }
            close(ping);
            println(sum);
        }
        """, workers: 2)
        XCTAssertEqual(r.stdout, "200010000\n", r.stderr)
    }

    /// A spawned legion's VM stack starts at what its first frame needs (five slots for
    /// this three-register function) and grows as deep recursion asks.
    func testASpawnedLegionsSmallFirstStackGrowsUnderDeepRecursion() {
        let r = Harness.run("""
        fn depth(n: int) -> int { if n == 0 { 0 } else { 1 + depth(n - 1) } }
        fn dive(n: int, out: chan int) { out <- depth(n); }
        fn main() {
            let out = make[chan int](0);
            for n in [3000, 1, 0, 2500] { spawn dive(n, out); }
            let mut sum = 0;
            for i in 0..4 { sum += <-out; }
            println(sum);
        }
        """, workers: 2)
        XCTAssertEqual(r.stdout, "5501\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    /// A legion whose first function has more registers than a new legion's default
    /// stack holds starts with a stack that fits them all.
    func testASpawnedLegionWithManyLocalsGetsTheStackItsFrameNeeds() {
        let r = Harness.run("""
        fn many(a: int, out: chan int) {
            let b = a + 1; let c = b + 1; let d = c + 1; let e = d + 1; let f = e + 1;
            let g = f + 1; let h = g + 1; let i = h + 1; let j = i + 1; let k = j + 1;
            out <- a + b + c + d + e + f + g + h + i + j + k;
        }
        fn main() {
            let out = make[chan int](0);
            spawn many(1, out);
            println(<-out);
        }
        """, workers: 1)
        XCTAssertEqual(r.stdout, "66\n", r.stderr)
    }

    /// Thousands of legions parked on one channel are each woken by a send, one at a
    /// time: the wait queue shrinks as it drains, and no parked legion is lost.
    func testParkedLegionsAreAllWokenAsTheirWaitQueueDrains() {
        let r = Harness.run("""
        fn wait(gate: chan int, done: chan int) { done <- <-gate; }
        fn main() {
            let n = 5000;
            let gate = make[chan int](0);
            let done = Channel[int]::new(n);
            for i in 0..n { spawn wait(gate, done); }
            for i in 0..n { gate <- i; }
            let mut sum = 0;
            for i in 0..n { sum += <-done; }
            println(sum);
        }
        """, workers: 2)
        XCTAssertEqual(r.stdout, "12497500\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    /// On one worker, legions that end, park and sleep run back to back on the step
    /// runner; sleepers are woken by their timers in between, and the program ends.
    func testLegionsThatEndParkAndSleepBackToBackOnOneWorker() {
        let r = Harness.run("""
        fn nap(i: int, out: chan int) { if i % 100 == 0 { sleep(1); } out <- i; }
        fn main() {
            let n = 3000;
            let out = make[chan int](0);
            for i in 0..n { spawn nap(i, out); }
            let mut sum = 0;
            for i in 0..n { sum += <-out; }
            println(sum);
        }
        """, workers: 1)
        XCTAssertEqual(r.stdout, "4498500\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    /// Legions still waiting when the program deadlocks are reported, though a step
    /// runner parked them between the steps of others.
    func testADeadlockAfterHandOffsIsStillDetected() {
        let r = Harness.run("""
        fn relay(inp: chan int, out: chan int) { out <- <-inp + 1; }
        fn main() {
            let a = make[chan int](0);
            let b = make[chan int](0);
            let c = make[chan int](0);
            spawn relay(a, b);
            spawn relay(b, c);
            a <- 1;
            println(<-c);
            <-a;
        }
        """, workers: 1)
        XCTAssertEqual(r.stdout, "3\n", r.stderr)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("deadlock"), r.stderr)
    }

    /// Main sleeps while a legion spins for 400 ms on the only worker. Main's line comes
    /// first only if the spinner is preempted at a safe point; the program then waits for
    /// the spinner (a running legion can still run) and exits 0.
    static let spinnerProgram = """
    fn main() {
        spawn {
            let deadline = now_ms() + 400;
            let mut n = 0;
            while now_ms() < deadline { n += 1; }
            println("spinner done");
        };
        sleep(5);
        println("main done");
    }
    """

    func testPreemptionLetsMainFinishWhileALegionSpins() {
        let r = Harness.run(LegionRuntimeTests.spinnerProgram, workers: 1)
        XCTAssertEqual(r.stdout, "main done\nspinner done\n", r.stderr)
        XCTAssertEqual(r.status, 0)
    }

    func testWithoutPreemptionTheSpinnerKeepsTheWorker() throws {
        var settings = LegionSettings()
        try settings.set("preempt", "off")
        let r = Harness.run(LegionRuntimeTests.spinnerProgram, workers: 1, legions: settings)
        XCTAssertEqual(r.stdout, "spinner done\nmain done\n", r.stderr)
    }

    /// Runs `source` while another thread samples the number of native stacks mapped;
    /// returns the program's result and the most stacks seen at once.
    private func runSamplingStacks(_ source: String, legions: LegionSettings = LegionSettings()) -> (RunResult, Int) {
        let stop = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        // Written by the sampler thread only; read after `done` orders the two threads.
        final class Peak: @unchecked Sendable { var value = 0 }
        let most = Peak()
        let sampler = Thread {
            while stop.wait(timeout: .now() + .microseconds(500)) == .timedOut {
                most.value = max(most.value, lg_live_stacks())
            }
            done.signal()
        }
        sampler.start()
        let r = Harness.run(source, workers: 2, legions: legions)
        stop.signal()
        done.wait()
        return (r, most.value)
    }

    static func parkedProgram(_ n: Int) -> String {
        """
        fn park(ready: chan int, gate: chan int) {
            ready <- 1;
            <-gate;
        }
        fn main() {
            let n = \(n);
            let ready = Channel[int]::new(1024);
            let gate = make[chan int](0);
            for i in 0..n { spawn park(ready, gate); }
            let mut count = 0;
            for i in 0..n { count += <-ready; }
            sleep(20);
            println(count);
        }
        """
    }

    func testHundredThousandParkedLegionsHoldNativeStacksBoundedByTheWorkers() {
        let (r, stacks) = runSamplingStacks(LegionRuntimeTests.parkedProgram(100_000))
        XCTAssertEqual(r.stdout, "100000\n", r.stderr)
        XCTAssertEqual(r.status, 0)
        XCTAssertGreaterThan(stacks, 0)
        XCTAssertLessThanOrEqual(stacks, 16, "native stacks mapped at once with stackless parking on 2 workers")
    }

    func testWithoutStacklessParkingEveryParkedLegionKeepsItsStack() throws {
        var settings = LegionSettings()
        try settings.set("stackless", "off")
        let (r, stacks) = runSamplingStacks(LegionRuntimeTests.parkedProgram(5_000), legions: settings)
        XCTAssertEqual(r.stdout, "5000\n", r.stderr)
        XCTAssertGreaterThanOrEqual(stacks, 5_000, "native stacks mapped at once with stackless parking off")
    }

    func testTheRuntimeStartsAndStopsForEveryProgram() {
        for i in 0..<40 {
            let r = Harness.run("""
            fn main() {
                let ch = make[chan int](0);
                spawn { ch <- \(i); };
                spawn { let never = make[chan int](0); <-never; };
                println(<-ch);
            }
            """, workers: 1 + i % 3)
            XCTAssertEqual(r.stdout, "\(i)\n", r.stderr)
        }
    }

    func testStatsPrintTheRuntimeCountersAtExit() {
        var settings = LegionSettings()
        settings.printStats = true
        let r = Harness.run("""
        fn main() {
            let ch = make[chan int](0);
            spawn { ch <- 1; };
            println(<-ch);
        }
        """, workers: 2, legions: settings)
        XCTAssertEqual(r.stdout, "1\n")
        XCTAssertTrue(r.stderr.contains("runs"), r.stderr)
        XCTAssertTrue(r.stderr.contains("total"), r.stderr)
        XCTAssertTrue(r.stderr.contains("VM stacks:"), r.stderr)
    }

    func testTraceNamesSlicesByLegion() throws {
        let path = NSTemporaryDirectory() + "malphas-trace-\(getpid()).json"
        defer { unlink(path) }
        var settings = LegionSettings()
        settings.tracePath = path
        let r = Harness.run("""
        fn main() {
            let ch = make[chan int](0);
            spawn { ch <- 1; };
            println(<-ch);
        }
        """, workers: 2, legions: settings)
        XCTAssertEqual(r.stdout, "1\n", r.stderr)
        let json = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(json.hasPrefix("{\"displayTimeUnit\""), json)
        XCTAssertTrue(json.contains("\"name\":\"legion 1\""), json)
        XCTAssertTrue(json.contains("\"name\":\"legion 2\""), json)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(json.utf8)))
    }

    func testBadRuntimeSettingsAreRefusedWithTheirName() {
        var settings = LegionSettings()
        XCTAssertThrowsError(try settings.set("context", "fast")) { error in
            XCTAssertEqual("\(error)", "invalid value `fast` for the runtime setting `context`")
        }
        XCTAssertThrowsError(try settings.set("speed", "1"))
    }
}
