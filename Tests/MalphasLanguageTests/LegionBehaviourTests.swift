import XCTest
@testable import MalphasVM

/// LANGUAGE 6, one behaviour per test, on the legion runtime with several workers. Every
/// expected output is the same whatever the scheduling: where legions race, the program
/// makes its output deterministic (a rendezvous, a sum, a count).
final class LegionBehaviourTests: XCTestCase {
    // MARK: spawn

    func testEverySpawnFormStartsALegion() {
        expectOutput("""
        fn add(a: int, b: int, out: chan int) { out <- a + b; }
        fn main() {
            let out = make[chan int](0);
            spawn add(1, 2, out);
            legion add(10, 20, out);
            spawn { out <- 100; };
            legion { out <- 1000; };
            spawn |x: int| { out <- x; }(10000);
            let mut sum = 0;
            for i in 0..5 { sum += <-out; }
            println(sum);
        }
        """, "11133\n")
    }

    func testArgumentsAndCapturesAreCopiedWhenSpawned() {
        expectOutput("""
        fn show(v: Vec[int], go: chan int, out: chan string) { <-go; out <- format("arg {}", v); }
        fn main() {
            let go1 = make[chan int](0);
            let go2 = make[chan int](0);
            let out = make[chan string](0);
            let mut v = [1, 2];
            spawn show(v, go1, out);
            spawn { <-go2; out <- format("captured {}", v); };
            v.push(3);
            go1 <- 0;
            println(<-out);
            go2 <- 0;
            println(<-out);
            println(v);
        }
        """, "arg [1, 2]\ncaptured [1, 2]\n[1, 2, 3]\n")
    }

    func testAssigningToAnEnclosingVariableInASpawnedBlockIsACompileError() {
        expectCompileError("""
        fn main() {
            let mut n = 0;
            spawn { n = 1; };
        }
        """, ["legions share nothing"])
    }

    // MARK: channels

    func testUnbufferedSendWaitsForAReceiver() {
        expectOutput("""
        fn main() {
            let ch = make[chan int](0);
            spawn {
                sleep(20);
                println("receiver ready");
                <-ch;
            };
            ch <- 7;
            println("sent");
        }
        """, "receiver ready\nsent\n")
    }

    func testBufferedSendWaitsOnlyWhenTheBufferIsFull() {
        expectOutput("""
        fn main() {
            let ch = Channel[int]::new(2);
            ch <- 1;
            ch <- 2;
            println(ch.len(), "/", ch.cap());
            spawn {
                sleep(20);
                println("draining");
                println(<-ch);
            };
            ch <- 3;
            println("third sent");
            println(<-ch, " ", <-ch);
        }
        """, "2/2\ndraining\n1\nthird sent\n2 3\n")
    }

    func testReceiveFromAClosedDrainedChannelGivesNilToEveryWaiter() {
        expectOutput("""
        fn wait(ch: chan int, out: chan bool) { out <- (<-ch) == nil; }
        fn main() {
            let ch = make[chan int](0);
            let out = make[chan bool](8);
            for i in 0..8 { spawn wait(ch, out); }
            sleep(20);
            close(ch);
            let mut nils = 0;
            for i in 0..8 { if <-out { nils += 1; } }
            println(nils, " ", <-ch);
        }
        """, "8 nil\n")
    }

    func testClosingAChannelFailsItsWaitingSenders() {
        expectRuntimeError("""
        fn main() {
            let ch = make[chan int](0);
            spawn { ch <- 1; };
            sleep(20);
            close(ch);
            sleep(1000);
        }
        """, "error in legion 2: send on a closed channel\nstack trace (innermost call first):\n    at spawned block (main.mal:3)\n")
    }

    func testForOverAChannelEndsWhenItIsClosedAndDrained() {
        expectOutput("""
        fn produce(from: int, n: int, out: chan int, done: chan int) {
            for i in from..from + n { out <- i; }
            done <- 1;
        }
        fn main() {
            let out = Channel[int]::new(16);
            let done = make[chan int](0);
            for p in 0..4 { spawn produce(p * 1000, 1000, out, done); }
            spawn {
                for p in 0..4 { <-done; }
                close(out);
            };
            let mut sum = 0;
            let mut count = 0;
            for v in out { sum += v; count += 1; }
            println(count, " ", sum);
        }
        """, "4000 7998000\n")
    }

    // MARK: select

    func testSelectWaitsForWhicheverCaseBecomesReady() {
        expectOutput("""
        fn main() {
            let a = make[chan int](0);
            let b = make[chan string](0);
            spawn { sleep(20); b <- "from b"; };
            select {
                case let v = <-a => { println("a ", v); },
                case let s = <-b => { println(s); }
            }
        }
        """, "from b\n")
    }

    func testSelectSendCaseHandsTheValueToAReceiver() {
        expectOutput("""
        fn main() {
            let out = make[chan int](0);
            let never = make[chan int](0);
            let turn = make[chan int](0);
            spawn { sleep(20); let v = <-out; <-turn; println("got ", v); turn <- 0; };
            select {
                case out <- 42 => { println("sent"); },
                case <-never => { println("impossible"); }
            }
            turn <- 0;
            <-turn;
        }
        """, "sent\ngot 42\n")
    }

    func testSelectWithDefaultNeverWaitsAndEmptySelectDoesNothing() {
        expectOutput("""
        fn main() {
            let a = make[chan int](0);
            select {
                case <-a => { println("impossible"); },
                default => { println("default"); }
            }
            select {}
            println("after empty select");
        }
        """, "default\nafter empty select\n")
    }

    func testSelectChoosesUniformlyAmongReadyCases() {
        expectOutput("""
        fn main() {
            let a = Channel[int]::new(1);
            let b = Channel[int]::new(1);
            let c = Channel[int]::new(1);
            let mut counts = [0, 0, 0];
            for i in 0..3000 {
                a <- 0; b <- 1; c <- 2;
                select {
                    case <-a => { counts[0] += 1; },
                    case <-b => { counts[1] += 1; },
                    case <-c => { counts[2] += 1; }
                }
                select { case <-a => {}, default => {} }
                select { case <-b => {}, default => {} }
                select { case <-c => {}, default => {} }
            }
            println(counts[0] > 800 && counts[1] > 800 && counts[2] > 800);
        }
        """, "true\n")
    }

    func testSelectAcrossManyLegionsClaimsEachValueOnce() {
        // Four producers, two selecting consumers on two workers: every value is
        // received exactly once, whichever consumer's waiter is claimed.
        expectOutput("""
        fn produce(ch: chan int, n: int) { for i in 1..=n { ch <- i; } }
        fn consume(a: chan int, b: chan int, quit: chan int, total: chan int) {
            let mut sum = 0;
            loop {
                select {
                    case let v = <-a => { sum += v; },
                    case let v = <-b => { sum += v; },
                    case <-quit => { break; }
                }
            }
            total <- sum;
        }
        fn main() {
            let a = make[chan int](0);
            let b = make[chan int](0);
            let quit = make[chan int](0);
            let total = make[chan int](2);
            spawn consume(a, b, quit, total);
            spawn consume(a, b, quit, total);
            let done = make[chan int](4);
            for p in 0..2 {
                spawn { produce(a, 500); done <- 1; };
                spawn { produce(b, 500); done <- 1; };
            }
            for p in 0..4 { <-done; }
            close(quit);
            println(<-total + <-total);
        }
        """, "501000\n")
    }

    // MARK: scheduling builtins

    func testSleepParksTheLegionNotTheWorker() {
        expectOutput("""
        fn main() {
            let out = Channel[string]::new(4);
            spawn { sleep(50); out <- "sleeper woke"; };
            spawn { out <- "other ran"; };
            println(<-out);
            println(<-out);
        }
        """, "other ran\nsleeper woke\n", workers: 1)
    }

    func testYieldNowLetsOtherLegionsRun() {
        expectOutput("""
        fn take_turns(name: string, out: chan string) {
            for i in 0..3 { out <- name; yield_now(); }
        }
        fn main() {
            let out = Channel[string]::new(6);
            spawn take_turns("a", out);
            spawn take_turns("b", out);
            let mut s = "";
            for i in 0..6 { s = s + <-out; }
            println(s != "aaabbb" && s != "bbbaaa");
        }
        """, "true\n", workers: 1)
    }

    func testLegionIdsCountFromMainInSpawnOrder() {
        expectOutput("""
        fn report(out: chan int) { out <- legion_id(); }
        fn main() {
            let out = make[chan int](0);
            println(legion_id());
            for i in 0..3 { spawn report(out); }
            let mut ids = [<-out, <-out, <-out];
            ids.sort();
            println(ids);
        }
        """, "1\n[2, 3, 4]\n")
    }

    func testNumWorkersIsTheRuntimesWorkerCount() {
        for workers in [1, 2, 4] {
            expectOutput("fn main() { println(num_workers()); }", "\(workers)\n", workers: workers)
        }
    }

    func testNowMsIsWallClockMilliseconds() {
        expectOutput("""
        fn main() {
            let t0 = now_ms();
            sleep(30);
            let t1 = now_ms();
            println(t0 > 1600000000000, " ", t1 - t0 >= 30, " ", t1 - t0 < 5000);
        }
        """, "true true true\n")
    }

    func testACpuBoundLoopCannotStarveOtherLegions() {
        // One worker: the spinner never blocks, so main's sleep can only end because the
        // spinner is preempted at a safe point. It stops by itself after 5 s at most.
        expectOutput("""
        fn spin(stop: chan int, out: chan string) {
            let deadline = now_ms() + 5000;
            let mut n = 0;
            loop {
                n += 1;
                select {
                    case <-stop => { out <- "stopped by main"; break; },
                    default => {}
                }
                if now_ms() > deadline { out <- "never preempted"; break; }
            }
        }
        fn main() {
            let stop = Channel[int]::new(1);
            let out = make[chan string](0);
            spawn spin(stop, out);
            sleep(20);
            stop <- 1;
            println(<-out);
        }
        """, "stopped by main\n", workers: 1)
    }

    // MARK: errors

    func testARuntimeErrorInAnyLegionEndsTheProgram() {
        expectRuntimeError("""
        fn fail(xs: Vec[int]) -> int { xs[5] }
        fn worker(n: int, out: chan int) {
            if n == 2 { out <- fail([1, 2]); }
            out <- n;
        }
        fn main() {
            let out = make[chan int](0);
            println("before");
            spawn { loop { yield_now(); } };
            spawn worker(1, out);
            sleep(10);
            spawn worker(2, out);
            loop { <-out; }
        }
        """, "error in legion 4: index 5 out of range for list of length 2\nstack trace (innermost call first):\n    at fail (main.mal:1)\n    at worker (main.mal:3)\n",
        stdout: "before\n")
    }

    func testAPanicInALegionNamesTheLegionAndItsTrace() {
        expectRuntimeError("""
        fn check(n: int) { if n > 2 { panic(format("too big: {}", n)); } }
        fn main() {
            spawn { sleep(5); check(3); };
            loop { sleep(1); }
        }
        """, "legion 2 panicked: too big: 3\nstack trace (innermost call first):\n    at check (main.mal:1)\n    at spawned block (main.mal:3)\n")
    }

    func testExitInALegionEndsTheProgramWithItsStatus() {
        expectOutput("""
        fn main() {
            spawn { println("bye"); exit(3); };
            loop { yield_now(); }
        }
        """, "bye\n", status: 3)
    }

    // MARK: program end

    func testMainReturningWaitsForLegionsThatCanStillRun() {
        for workers in [1, 2] {
            let r = Harness.run("""
            fn work(id: int) { let mut s = 0; for i in 0..20000 { s += i; } println(id, " ", s); }
            fn main() {
                for id in 0..4 { spawn work(id); }
                spawn { sleep(30); println("sleeper"); };
            }
            """, workers: workers)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout.split(separator: "\n").sorted(),
                           ["0 199990000", "1 199990000", "2 199990000", "3 199990000", "sleeper"])
        }
    }

    func testLegionsBlockedForeverDoNotKeepTheProgramAlive() {
        expectOutput("""
        fn main() {
            let gate = make[chan int](0);
            for i in 0..1000 { spawn { <-gate; }; }
            spawn { let c = make[chan int](0); c <- 1; };
            println("main done");
        }
        """, "main done\n")
    }

    func testDeadlockReportListsEveryBlockedLegionWithItsPlace() {
        let r = Harness.run("""
        fn send_forever(ch: chan int) {
            ch <- 1;
            ch <- 2;
        }
        fn select_forever(a: chan int, b: chan int) {
            select { case <-a => {}, case <-b => {} }
        }
        fn main() {
            let ch = make[chan int](0);
            spawn send_forever(ch);
            <-ch;
            spawn select_forever(make[chan int](0), make[chan int](0));
            let never = make[chan int](0);
            <-never;
        }
        """, name: "deadlock.mal")
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
        deadlock: all legions are blocked and none can run again
          legion 1 (main) is blocked receiving from a channel at deadlock.mal:14
          legion 2 is blocked sending on a channel at deadlock.mal:3
          legion 3 is blocked in a select at deadlock.mal:6

        """)
    }

    func testASleepingLegionIsNotADeadlock() {
        expectOutput("""
        fn main() {
            let ch = make[chan int](0);
            spawn { sleep(40); ch <- 5; };
            println(<-ch);
        }
        """, "5\n")
    }
}
