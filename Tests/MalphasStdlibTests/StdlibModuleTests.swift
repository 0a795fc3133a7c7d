// The standard library's modules: each behaves as docs/STDLIB.md says, the golden
// examples in examples/std print what their .out files hold, and the copy embedded in the
// binary is the one in stdlib/.

import Foundation
import Testing
@testable import MalphasVM

@Suite("The standard library")
struct StdlibModuleTests {
    // MARK: Shipping

    @Test("the embedded library is exactly stdlib/std (run stdlib/embed.sh after changing it)")
    func embeddedCopyMatchesTheSources() throws {
        let std = repositoryRoot.appendingPathComponent("stdlib/std")
        let enumerator = FileManager.default.enumerator(atPath: std.path)
        var onDisk: [String: String] = [:]
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".mal") else { continue }
            onDisk["std/" + relative] = try String(contentsOf: std.appendingPathComponent(relative), encoding: .utf8)
        }
        #expect(!onDisk.isEmpty)
        #expect(Set(onDisk.keys) == Set(EmbeddedStdlib.files.keys), "files differ: run stdlib/embed.sh")
        for (path, text) in onDisk {
            #expect(EmbeddedStdlib.files[path] == text, "\(path) differs from its embedded copy: run stdlib/embed.sh")
        }
    }

    @Test("the library's modules are listed from the embedded copy and from a directory alike")
    func moduleNames() {
        let expected = ["collections", "io", "math", "net", "strings", "sync", "testing", "time"]
        #expect(StandardLibrary.embedded.moduleNames == expected)
        #expect(StandardLibrary.directory(repositoryRoot.appendingPathComponent("stdlib").path).moduleNames == expected)
    }

    @Test("golden examples: examples/std/NAME.mal prints examples/std/NAME.out, also suspending at every safe point",
          arguments: ["collections", "io", "math", "net", "strings", "sync", "testing", "time"])
    func goldenExample(_ name: String) throws {
        let dir = repositoryRoot.appendingPathComponent("examples/std")
        let expected = try String(contentsOf: dir.appendingPathComponent(name + ".out"), encoding: .utf8)
        let tree = SourceTree(existing: dir)
        for suspend in [false, true] {
            let r = tree.run(name + ".mal", suspendEverySafePoint: suspend)
            #expect(r.stdout == expected, "\(name) (suspend: \(suspend)): \(r.stderr)")
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
    }

    @Test("the multi-file example examples/modules/main.mal prints main.out")
    func modulesExample() throws {
        let dir = repositoryRoot.appendingPathComponent("examples/modules")
        let expected = try String(contentsOf: dir.appendingPathComponent("main.out"), encoding: .utf8)
        let r = SourceTree(existing: dir).run("main.mal")
        #expect(r == ProgramRun(stdout: expected, stderr: "", status: 0))
    }

    // MARK: std::math

    @Test("math: integer helpers check their arguments and stay exact near the int limits")
    func mathIntegers() throws {
        let r = try runProgram("""
        use std::math::*;
        fn main() {
            println(gcd(-12, 18), " ", lcm(0, 5), " ", lcm(-4, 6));
            println(pow_mod(3, 200, MAX_INT), " ", pow_mod(5, 0, 1), " ", mul_mod(MAX_INT - 1, MAX_INT - 1, MAX_INT));
            println(isqrt(0), isqrt(1), isqrt(15), isqrt(16), " ", isqrt(MAX_INT));
            println(sign(0), sign(-0.5), " ", clamp(1.5, 0.0, 1.0), " ", is_even(-4), is_odd(7));
            println(binomial(5, 7), " ", fib(0), fib(1), fib(10), " ", factorial(0));
            println(primes_up_to(1), " ", is_prime(1), is_prime(2), is_prime(1000000007));
        }
        """)
        #expect(r == ProgramRun(stdout: """
        6 0 12
        7480851290986031919 0 1
        0134 3037000499
        0-1 1 truetrue
        0 0155 1
        [] falsetruetrue

        """, stderr: "", status: 0))
    }

    @Test("math: a factorial that overflows is a runtime error; clamp with crossed bounds panics")
    func mathErrors() throws {
        let overflow = try runProgram("use std::math;\nfn main() { math::factorial(21); }\n")
        #expect(overflow.status == 1)
        #expect(overflow.stderr.contains("overflow"))
        let clamp = try runProgram("use std::math;\nfn main() { math::clamp(1, 5, 2); }\n")
        #expect(clamp.stderr.contains("panicked: clamp: the lower bound 5 is above the upper bound 2"))
    }

    // MARK: std::strings

    @Test("strings: widths count characters, not bytes")
    func stringWidths() throws {
        let r = try runProgram("""
        use std::strings;
        fn main() {
            println("[", strings::pad_left("né", 4, "."), "] [", strings::pad_right("é", 3, "*"), "] ", strings::char_count("héllo"));
            println(strings::substring("héllo", 1, 100), " ", strings::char_at("héllo", 9), " ", strings::truncate("héllo", 4, "…"));
        }
        """)
        #expect(r == ProgramRun(stdout: "[..né] [é**] 5\néllo nil hél…\n", stderr: "", status: 0))
    }

    // MARK: std::collections

    @Test("collections: a Deque used as a queue and a stack keeps its order across rebalancing")
    func dequeOrder() throws {
        let r = try runProgram("""
        use std::collections::Deque;
        fn main() {
            let mut d = Deque::new();
            for i in 0..10 { d.push_back(i); }
            let mut out = [];
            for _ in 0..3 { out.push(d.pop_front().unwrap()); }
            for _ in 0..3 { out.push(d.pop_back().unwrap()); }
            d.push_front(100);
            out.push(d.pop_front().unwrap());
            println(out, " ", d.to_vec(), " ", d.len());
            let mut e = Deque::new();
            println(e.pop_front(), e.pop_back(), e.peek_front(), " ", e.is_empty());
        }
        """)
        #expect(r == ProgramRun(stdout: "[0, 1, 2, 9, 8, 7, 100] [3, 4, 5, 6] 4\nnilnilnil true\n", stderr: "", status: 0))
    }

    @Test("collections: sets compare by value and are copied like every value")
    func setSemantics() throws {
        let r = try runProgram("""
        use std::collections::Set;
        fn main() {
            let mut a = Set::from([1, 2, 3]);
            let b = a;
            a.remove(2);
            println(a.to_vec(), " ", b.to_vec(), " ", a.difference(b).to_vec(), " ", b.difference(a).to_vec());
            println(a.is_subset(b), b.is_subset(a), " ", Set::from([1, 1]).len());
        }
        """)
        #expect(r == ProgramRun(stdout: "[1, 3] [1, 2, 3] [] [2]\ntruefalse 1\n", stderr: "", status: 0))
    }

    // MARK: std::io

    @Test("io: failures name the path and the system's reason")
    func ioErrors() throws {
        let tree = try SourceTree(["main.mal": """
        use std::io;
        fn main() {
            println(io::try_write_file("/nonexistent-dir/x.txt", "x").err());
            println(io::try_remove("/nonexistent-dir/x.txt").err());
            io::list_dir("/nonexistent-dir");
        }
        """])
        let r = tree.run()
        #expect(r.stdout == """
        cannot write `/nonexistent-dir/x.txt`: No such file or directory
        cannot remove `/nonexistent-dir/x.txt`: No such file or directory

        """)
        #expect(r.status == 1)
        #expect(r.stderr.contains("panicked: cannot list `/nonexistent-dir`: No such file or directory"))
    }

    @Test("io: read_line and read_lines read standard input; eprintln writes standard error")
    func standardStreams() throws {
        let r = try runProgram("""
        use std::io;
        fn main() {
            let first = io::read_line();
            let rest = io::read_lines();
            io::eprintln("to stderr");
            println(first, " ", rest);
        }
        """, input: "one\ntwo\nthree\n")
        #expect(r == ProgramRun(stdout: "one [\"two\", \"three\"]\n", stderr: "to stderr\n", status: 0))
    }

    // MARK: std::sync

    @Test("sync: 200 legions updating one Mutex lose no update, also when every safe point switches legions")
    func mutexUnderContention() throws {
        for suspend in [false, true] {
            let r = try runProgram("""
            use std::sync::{Mutex, WaitGroup};
            fn main() {
                let m = Mutex::new(0);
                let wg = WaitGroup::new();
                for i in 0..200 {
                    wg.add(1);
                    spawn {
                        let v = m.lock();
                        yield_now();
                        m.unlock(v + 1);
                        wg.done();
                    };
                }
                wg.wait();
                println(m.get(), " ", wg.count());
            }
            """, suspendEverySafePoint: suspend)
            #expect(r == ProgramRun(stdout: "200 0\n", stderr: "", status: 0), "suspend: \(suspend)")
        }
    }

    @Test("sync: several legions may wait on one WaitGroup; wait on a zero counter returns at once")
    func waitGroupWaiters() throws {
        let r = try runProgram("""
        use std::sync::WaitGroup;
        fn main() {
            let wg = WaitGroup::new();
            wg.wait();
            wg.add(1);
            let woken = Channel[int]::new(3);
            for i in 0..3 { spawn { wg.wait(); woken <- i; }; }
            sleep(5);
            println(woken.len());
            wg.done();
            let mut sum = 0;
            for _ in 0..3 { sum += <-woken; }
            println(sum);
        }
        """)
        #expect(r == ProgramRun(stdout: "0\n3\n", stderr: "", status: 0))
    }

    @Test("sync: misuse panics with a clear message; a wait that never ends is a deadlock")
    func syncMisuse() throws {
        let negative = try runProgram("use std::sync::WaitGroup;\nfn main() { WaitGroup::new().done(); }\n")
        #expect(negative.stderr.contains("panicked: WaitGroup: the counter went negative (-1): more `done` than `add`"))
        let release = try runProgram("use std::sync::Semaphore;\nfn main() { Semaphore::new(1).release(); }\n")
        #expect(release.stderr.contains("panicked: Semaphore::release: more releases than acquires"))
        let unlock = try runProgram("use std::sync::Mutex;\nfn main() { Mutex::new(1).unlock(2); }\n")
        #expect(unlock.stderr.contains("panicked: Mutex::unlock: the mutex is not locked"))
        let stuck = try runProgram("use std::sync::WaitGroup;\nfn main() {\n    let wg = WaitGroup::new();\n    wg.add(1);\n    wg.wait();\n}\n")
        #expect(stuck.status == 2)
        #expect(stuck.stderr.contains("deadlock"))
    }

    @Test("sync: a semaphore's try_acquire does not wait")
    func semaphoreTryAcquire() throws {
        let r = try runProgram("""
        use std::sync::Semaphore;
        fn main() {
            let s = Semaphore::new(2);
            println(s.try_acquire(), s.try_acquire(), s.try_acquire(), " ", s.available());
            s.release();
            println(s.available(), " ", s.with(|| 42), " ", s.available());
        }
        """)
        #expect(r == ProgramRun(stdout: "truetruefalse 0\n1 42 1\n", stderr: "", status: 0))
    }

    // MARK: std::time

    @Test("time: durations convert between units and print in the largest fitting one")
    func durations() throws {
        let r = try runProgram("""
        use std::time::Duration;
        fn main() {
            let d = Duration::from_secs(2).plus(Duration::from_ms(5));
            println(d.as_ms(), " ", d.as_micros(), " ", d.as_secs(), " ", d.to_string());
            println(Duration::from_ms(3).to_string(), " ", Duration::from_nanos(1500).to_string(), " ",
                    Duration::from_nanos(-2000000).to_string(), " ", Duration::from_ms(10).minus(Duration::from_ms(4)).times(3).as_ms());
        }
        """)
        #expect(r == ProgramRun(stdout: "2005 2005000 2 2.005s\n3ms 1.5µs -2ms 18\n", stderr: "", status: 0))
    }

    // MARK: std::testing

    @Test("testing: a failed assertion shows both values and the caller's file:line")
    func assertionMessages() throws {
        let tree = try SourceTree(["main.mal": """
        use std::testing::*;
        fn check_pair(a: string, b: string) {
            assert_eq(a, b);
        }
        fn main() {
            assert_eq(1, 1);
            check_pair("x", "y");
        }
        """])
        let r = tree.run()
        #expect(r.status == 1)
        #expect(r.stderr.contains("panicked: assert_eq failed: left: \"x\", right: \"y\" at \(tree.path("main.mal")):3"))
    }

    @Test("testing: every assertion's failure message", arguments: [
        ("assert(1 > 2)", "assertion failed"),
        ("assert_true(false)", "assert_true failed: got false"),
        ("assert_false(true)", "assert_false failed: got true"),
        ("assert_ne([1], [1])", "assert_ne failed: both are [1]"),
        ("assert_near(1.0, 1.5, 0.1)", "assert_near failed: left: 1, right: 1.5, difference 0.5 is more than 0.1"),
        ("assert_lt(3, 2)", "assert_lt failed: 3 is not less than 2"),
        ("assert_ge(1, 2)", "assert_ge failed: 1 is not greater than or equal to 2"),
        ("assert_contains(\"abc\", \"z\")", "assert_contains failed: \"abc\" does not contain \"z\""),
        ("assert_nil(3)", "assert_nil failed: got 3"),
        ("assert_not_nil(nil)", "assert_not_nil failed: got nil"),
        ("expect(false, \"custom reason\")", "custom reason"),
        ("fail(\"given up\")", "given up"),
    ])
    func failureMessages(_ call: String, _ message: String) throws {
        let tree = try SourceTree(["main.mal": "use std::testing::*;\nfn main() {\n    \(call);\n}\n"])
        let r = tree.run()
        #expect(r.status == 1)
        #expect(r.stderr.contains("panicked: \(message) at \(tree.path("main.mal")):3"), "\(r.stderr)")
    }
}

extension SourceTree {
    /// A tree over an existing directory (nothing is written).
    init(existing root: URL) {
        self.root = root
    }
}
