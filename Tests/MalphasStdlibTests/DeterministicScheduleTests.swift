// Deterministic schedules (LANGUAGE 12): `--seed` replays one interleaving on a virtual
// clock, and `malphas test --explore` searches schedules for a failing one. Through the
// built binary, as a user runs them.

import Foundation
import Testing

/// Writes `source` to a fresh directory as `name` and returns its path.
private func sourceFile(_ source: String, name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-seed-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try source.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Three legions send their letters through a small buffer, with safe points and
/// yields between sends, and a select between two ready channels: every kind of
/// choice a schedule makes shows in the order of the output.
private let interleaving = """
    fn send_all(name: string, out: chan string) {
        for i in 0..4 {
            let mut spin = 0;
            for j in 0..(i * 3) {
                spin += j;
            }
            out <- format("{}{}", name, i);
            if i % 2 == 1 {
                yield_now();
            }
        }
    }

    fn main() {
        let out = Channel[string]::new(2);
        spawn send_all("a", out);
        spawn send_all("b", out);
        spawn send_all("c", out);
        let mut line = "";
        for i in 0..12 {
            line = line + <-out + " ";
        }
        println(line);
        let left = Channel[int]::new(1);
        let right = Channel[int]::new(1);
        left <- 1;
        right <- 2;
        let picked = select {
            case let v = <-left => v,
            case let v = <-right => v,
        };
        println("select took ", picked);
    }
    """

/// Sleeps 10 s of virtual time in all: a plain sleep, two timeouts racing in a select,
/// and a ticker; prints the virtual clock as it goes.
private let sleeper = """
    use std::time;

    fn main() {
        println("start ", now_ms());
        sleep(2500);
        println("slept ", now_ms());
        let r = select {
            case <-time::after(3000) => "3 s",
            case <-time::after(4000) => "4 s",
        };
        println(r, " first at ", now_ms());
        let ticks = time::tick(1500);
        for i in 0..3 {
            let n = <-ticks;
            println("tick ", n, " at ", now_ms());
        }
        let t0 = time::now();
        sleep(500);
        println("end ", now_ms(), " after ", t0.elapsed().as_ms(), " ms");
    }
    """

@Suite("deterministic schedules")
struct DeterministicScheduleTests {
    @Test("the same seed prints byte-identical output on every run, from --seed or MALPHAS_SEED")
    func sameSeedSameOutput() throws {
        let path = try sourceFile(interleaving, name: "interleave.mal")
        for seed in ["7", "1234567", "1970324836974609"] {
            let first = try malphasBinary(["run", "--seed", seed, path])
            #expect(first.status == 0, "\(first.stderr)")
            for _ in 0..<3 {
                let again = try malphasBinary(["run", "--seed", seed, path])
                #expect(again.stdout == first.stdout)
            }
            let fromEnvironment = try malphasBinary(["run", path], environment: ["MALPHAS_SEED": seed])
            #expect(fromEnvironment.stdout == first.stdout)
        }
    }

    @Test("different seeds give different interleavings")
    func seedsDiffer() throws {
        let path = try sourceFile(interleaving, name: "interleave.mal")
        var outputs = Set<String>()
        for seed in 1...16 {
            let run = try malphasBinary(["run", "--seed", String(seed), path])
            #expect(run.status == 0, "\(run.stderr)")
            outputs.insert(run.stdout)
        }
        #expect(outputs.count >= 6, "16 seeds gave \(outputs.count) interleavings")
        #expect(outputs.contains { $0.hasSuffix("select took 1\n") } && outputs.contains { $0.hasSuffix("select took 2\n") },
                "the seed chooses select's case")
    }

    @Test("under a seed, time is virtual: 10 s of sleeps run at once, the clock starting at 0")
    func virtualTime() throws {
        let path = try sourceFile(sleeper, name: "sleeper.mal")
        let started = Date()
        let run = try malphasBinary(["run", "--seed", "5", path])
        #expect(run.stdout == """
            start 0
            slept 2500
            3 s first at 5500
            tick 1 at 7000
            tick 2 at 8500
            tick 3 at 10000
            end 10500 after 500 ms

            """)
        #expect(run.status == 0, "\(run.stderr)")
        // Only a broken virtual clock could make this take the 10.5 s it sleeps.
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test("under a seed, --timeout counts virtual time and names where the test waits")
    func virtualTimeout() throws {
        let path = try sourceFile("""
            fn test_waits_too_long() {
                sleep(60000);
            }
            """, name: "slow_test.mal")
        let run = try malphasBinary(["test", "--seed", "3", "--timeout", "2", path])
        #expect(run.stdout == """
            FAILED \(path)::test_waits_too_long: timed out after 2 s of virtual time at \(path):2
            0 passed, 1 failed

            """)
        #expect(run.status == 1)
    }

    @Test("a bad seed is a usage error naming the option")
    func badSeed() throws {
        let run = try malphasBinary(["run", "--seed", "twelve", "examples/hello.mal"], directory: repositoryRoot)
        #expect(run.status == 64)
        #expect(run.stderr.contains("invalid value `twelve` for --seed"))
        let env = try malphasBinary(["run", "examples/hello.mal"], directory: repositoryRoot, environment: ["MALPHAS_SEED": "-1"])
        #expect(env.stderr.contains("MALPHAS_SEED"))
    }

    @Test("--seed with --trace writes the schedule as a Chrome trace, the same on every run")
    func traceOfASeed() throws {
        let path = try sourceFile(interleaving, name: "interleave.mal")
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        let first = dir.appendingPathComponent("first.json").path, second = dir.appendingPathComponent("second.json").path
        _ = try malphasBinary(["run", "--seed", "11", "--trace", first, path])
        _ = try malphasBinary(["run", "--seed", "11", "--trace", second, path])
        let text = try String(contentsOfFile: first, encoding: .utf8)
        #expect(text.contains(#""name":"legion 1","cat":"run","ph":"X""#))
        #expect(text.contains(#""name":"legion 4","cat":"run","ph":"X""#))
        #expect(try String(contentsOfFile: second, encoding: .utf8) == text)
    }
}

@Suite("malphas test --explore")
struct ExploreTests {
    /// The explorer's report of a failure: the replay command's seed, or nil.
    private func replaySeed(_ stdout: String, test: String, file: String) -> String? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.contains("replay: malphas test --seed ") }) else { return nil }
        let words = line.split(separator: " ")
        guard let at = words.firstIndex(of: "--seed"), at + 1 < words.count else { return nil }
        #expect(line.hasSuffix("--filter \(test) \(file)"), "\(line)")
        return String(words[at + 1])
    }

    @Test("each example bug is found within 300 schedules, and its seed replays the failure",
          arguments: [
              ("examples/concurrency/lost_update_test.mal", "test_two_increments_count_two", "assert_eq failed: left: 1, right: 2"),
              ("examples/concurrency/lock_order_test.mal", "test_opposite_transfers_both_finish", "deadlock: the test is blocked receiving from a channel at examples/concurrency/lock_order_test.mal:"),
              ("examples/concurrency/order_violation_test.mal", "test_every_line_gets_the_prefix", "assert_eq failed: left: \"one;"),
          ])
    func examplesFoundAndReplayed(file: String, test: String, failure: String) throws {
        // A fixed base seed makes the search itself repeatable.
        let run = try malphasBinary(["test", "--explore", "300", "--seed", "20261203", file], directory: repositoryRoot)
        #expect(run.status == 1)
        #expect(run.stdout.hasPrefix("FAILED \(file)::\(test): \(failure)"), "\(run.stdout)")
        #expect(run.stdout.contains("found by schedule "))
        let seed = try #require(replaySeed(run.stdout, test: test, file: file), "\(run.stdout)")
        let replay = try malphasBinary(["test", "--seed", seed, "--filter", test, file], directory: repositoryRoot)
        #expect(replay.status == 1)
        let failedLine = run.stdout.split(separator: "\n").first.map(String.init)
        #expect(replay.stdout.split(separator: "\n").first.map(String.init) == failedLine)
        #expect(replay.stdout.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test("the lock-order deadlock names the line each legion is blocked at")
    func deadlockLines() throws {
        let file = "examples/concurrency/lock_order_test.mal"
        let run = try malphasBinary(["test", "--explore", "300", "--seed", "20261203", file], directory: repositoryRoot)
        let first = run.stdout.split(separator: "\n").first.map(String.init) ?? ""
        // main waits for a transfer; both lock legions wait for their holder's release;
        // both transfers wait to be granted their second lock.
        #expect(first.contains("the test is blocked receiving from a channel at \(file):"))
        #expect(first.components(separatedBy: "a legion of the test is blocked").count - 1 == 4, "\(first)")
    }

    @Test("a legion waiting in a yield_now loop never starves the legion it waits for")
    func waitingLoopsEnd() throws {
        let path = try sourceFile("""
            fn test_spin_waits_for_a_value() {
                let ch = Channel[int]::new(1);
                spawn {
                    for i in 0..3 {
                        yield_now();
                    }
                    ch <- 1;
                };
                let mut got = 0;
                while got == 0 {
                    select {
                        case let v = <-ch => got = v,
                        default => yield_now(),
                    }
                }
            }
            """, name: "spin_test.mal")
        let run = try malphasBinary(["test", "--explore", "300", "--seed", "5", "--timeout", "2", path])
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.hasPrefix("ok   \(path)::test_spin_waits_for_a_value (300 schedules)"), "\(run.stdout)")
    }

    @Test("the fixed examples pass every one of 300 schedules")
    func fixedExamplesPass() throws {
        let files = ["lost_update_fixed_test.mal", "lock_order_fixed_test.mal", "order_violation_fixed_test.mal"]
            .map { "examples/concurrency/" + $0 }
        let run = try malphasBinary(["test", "--explore", "300"] + files, directory: repositoryRoot)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("ok   ") && $0.hasSuffix("(300 schedules)") }.count == 3, "\(run.stdout)")
        #expect(lines.last?.hasPrefix("3 passed, 0 failed; 900 schedules explored in ") == true, "\(run.stdout)")
    }

    @Test("--explore and --seed compose with --filter: only the matching tests run")
    func filterComposes() throws {
        let path = try sourceFile("""
            use std::testing::assert_eq;

            fn add_one(counter: chan int, done: chan bool) {
                let v = <-counter;
                counter <- v + 1;
                done <- true;
            }

            fn racy_read_then_write(counter: chan int) -> int {
                let seen = <-counter;
                counter <- seen;
                seen
            }

            fn test_sequential_is_fine() {
                let counter = Channel[int]::new(1);
                counter <- 0;
                let done = Channel[bool]::new(0);
                spawn add_one(counter, done);
                <-done;
                spawn add_one(counter, done);
                <-done;
                assert_eq(<-counter, 2);
            }

            fn test_racing_reader_sees_a_middle_value() {
                let counter = Channel[int]::new(1);
                counter <- 0;
                let done = Channel[bool]::new(0);
                spawn add_one(counter, done);
                spawn add_one(counter, done);
                assert_eq(racy_read_then_write(counter), 0);
                <-done;
                <-done;
            }
            """, name: "mixed_test.mal")
        let fine = try malphasBinary(["test", "--explore", "300", "--filter", "sequential", path])
        #expect(fine.status == 0, "\(fine.stdout)")
        #expect(fine.stdout.hasPrefix("ok   \(path)::test_sequential_is_fine (300 schedules)\n1 passed, 0 failed; 300 schedules"),
                "\(fine.stdout)")
        let racy = try malphasBinary(["test", "--explore", "300", "--seed", "99", "--filter", "racing", path])
        #expect(racy.status == 1)
        #expect(racy.stdout.hasPrefix("FAILED \(path)::test_racing_reader_sees_a_middle_value: assert_eq failed"), "\(racy.stdout)")
        let seed = try #require(replaySeed(racy.stdout, test: "test_racing_reader_sees_a_middle_value", file: path))
        // The replay runs only the filtered test, under that seed.
        let replay = try malphasBinary(["test", "--seed", seed, "--filter", "racing", path])
        #expect(!replay.stdout.contains("test_sequential_is_fine"))
        #expect(replay.stdout.hasSuffix("0 passed, 1 failed\n"))
    }
}
