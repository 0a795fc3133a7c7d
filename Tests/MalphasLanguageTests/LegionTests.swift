import XCTest

/// LANGUAGE 6: legions and channels on the cooperative scheduler.
final class LegionTests: XCTestCase {
    func testSpawnAndUnbufferedChannel() {
        expectOutput("""
        fn worker(id: int, out: chan int) { out <- id * 10; }
        fn main() {
            let ch = make[chan int](0);
            spawn worker(1, ch);
            spawn worker(2, ch);
            let a = <-ch;
            let b = <-ch;
            println(a + b);
        }
        """, "30\n")
    }

    func testBufferedChannelCloseAndDrain() {
        expectOutput("""
        fn main() {
            let ch = Channel[int]::new(3);
            ch <- 1; ch <- 2;
            println(ch.len(), " ", ch.cap(), " ", len(ch));
            close(ch);
            println(<-ch, " ", <-ch, " ", <-ch);
        }
        """, "2 3 2\n1 2 nil\n")
    }

    func testForOverAChannelUntilClosed() {
        expectOutput("""
        fn produce(n: int, out: chan int) {
            for i in 0..n { out <- i; }
            out.close();
        }
        fn main() {
            let ch = make[chan int](2);
            spawn produce(5, ch);
            let mut total = 0;
            for v in ch { total += v; }
            println(total);
        }
        """, "10\n")
    }

    func testSpawnedBlocksCopyWhatTheyCapture() {
        expectOutput("""
        fn main() {
            let results = make[chan string](0);
            let mut v = [1, 2];
            spawn {
                let mut mine = v;
                mine.push(3);
                results <- format("{}", mine);
            };
            println(<-results);
            v.push(9);
            println(v);
            spawn |x: int| { results <- format("got {}", x); }(42);
            println(<-results);
        }
        """, "[1, 2, 3]\n[1, 2, 9]\ngot 42\n")
    }

    func testSelectWithDefaultNeverWaits() {
        expectOutput("""
        fn main() {
            let a = make[chan int](1);
            select {
                case let v = <-a => { println("got ", v); }
                default => { println("nothing"); }
            }
            a <- 7;
            select {
                case let v = <-a => { println("got ", v); }
                default => { println("nothing"); }
            }
            select {}
        }
        """, "nothing\ngot 7\n")
    }

    func testSelectWaitsForTheFirstReadyCase() {
        expectOutput("""
        fn slow(ch: chan string) { sleep(20); ch <- "slow"; }
        fn fast(ch: chan string) { ch <- "fast"; }
        fn main() {
            let a = make[chan string](0);
            let b = make[chan string](0);
            spawn slow(a);
            spawn fast(b);
            for i in 0..2 {
                select {
                    case let s = <-a => println(s),
                    case let s = <-b => println(s),
                }
            }
            let out = make[chan int](1);
            select { case out <- 5 => println("sent"), }
            println(<-out);
        }
        """, "fast\nslow\nsent\n5\n")
    }

    func testSelectPicksAmongReadyCasesAtRandom() {
        expectOutput("""
        fn main() {
            let a = make[chan int](100);
            let b = make[chan int](100);
            for i in 0..100 { a <- 1; b <- 2; }
            let mut seen_a = 0;
            let mut seen_b = 0;
            for i in 0..100 {
                select { case <-a => { seen_a += 1; } case <-b => { seen_b += 1; } }
            }
            println(seen_a > 10 && seen_b > 10);
        }
        """, "true\n")
    }

    func testSendOnClosedChannelAndDoubleCloseAreErrors() {
        expectRuntimeError("fn main() { let c = make[chan int](1); close(c); c <- 1; }", "error: send on a closed channel")
        expectRuntimeError("fn main() { let c = make[chan int](1); close(c); c.close(); }", "error: close of a closed channel")
    }

    func testSchedulingBuiltins() {
        expectOutput("""
        fn main() {
            println(legion_id(), " ", num_workers());
            let t0 = now_ms();
            sleep(15);
            println(now_ms() - t0 >= 15);
            yield_now();
            let ch = make[chan int](0);
            spawn { ch <- legion_id(); };
            println(<-ch);
        }
        """, "1 1\ntrue\n2\n", workers: 1)
    }

    func testProgramWaitsForRunnableLegionsAfterMain() {
        expectOutput("""
        fn late() { sleep(10); println("late"); }
        fn stuck(ch: chan int) { <-ch; println("never"); }
        fn main() {
            spawn late();
            spawn stuck(make[chan int](0));
            println("main done");
        }
        """, "main done\nlate\n")
    }

    func testDeadlockListsBlockedLegions() {
        let r = Harness.run("""
        fn main() {
            let ch = make[chan int](0);
            spawn { ch <- 1; ch <- 2; };
            <-ch;
            let other = make[chan int](0);
            <-other;
        }
        """)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("deadlock: all legions are blocked and none can run again\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("legion 1 (main) is blocked receiving from a channel at main.mal:6"), r.stderr)
        XCTAssertTrue(r.stderr.contains("legion 2 is blocked sending on a channel at main.mal:3"), r.stderr)
    }

    func testErrorsInLegionsNameTheLegion() {
        expectRuntimeError("""
        fn boom(x: int) -> int { x / 0 }
        fn main() {
            spawn boom(1);
            sleep(50);
        }
        """, "error in legion 2: division by zero\nstack trace (innermost call first):\n    at boom (main.mal:1)\n")
        expectRuntimeError("""
        fn main() {
            spawn { panic("oops"); };
            sleep(50);
        }
        """, "legion 2 panicked: oops")
    }

    func testCpuBoundLegionsInterleaveAtSafePoints() {
        // With a preempting scheduler (every safe point yields in the suspend mode) two
        // spinning legions both make progress; without, they run to completion in turn.
        expectOutput("""
        fn spin(id: int, n: int, done: chan int) {
            let mut i = 0;
            while i < n { i += 1; }
            done <- id;
        }
        fn main() {
            let done = make[chan int](2);
            spawn spin(1, 1000, done);
            spawn spin(2, 1000, done);
            println(<-done + <-done);
        }
        """, "3\n")
    }

    func testCpuBoundLegionsDoNotStarveOthers() {
        // The spinner never blocks; time slicing lets main wake from its sleep and print
        // while the spinner still runs.
        expectOutput("""
        fn spin(ms: int, done: chan string) {
            let start = now_ms();
            let mut n = 0;
            while now_ms() - start < ms { n += 1; }
            done <- "spinner done";
        }
        fn main() {
            let done = make[chan string](1);
            spawn spin(100, done);
            sleep(5);
            println("main woke");
            println(<-done);
        }
        """, "main woke\nspinner done\n")
    }
}
