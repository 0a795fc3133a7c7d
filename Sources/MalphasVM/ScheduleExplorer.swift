// `malphas test --explore N`: runs every test under N seeded schedules and stops at the
// first failure, reporting its seed and the command that replays it (LANGUAGE 12).
//
// A schedule is a seed: the runtime's seeded policy (Sources/CLegion/schedule_seeded.c)
// derives everything from it, the kind of schedule (PCT or uniform), PCT's depth, its
// priorities and change points, so `malphas test --seed S --filter NAME FILE` replays
// exactly what the explorer ran. PCT draws its change points from the steps 1..k, and
// works best with k near the test's real length, so the explorer first runs each test
// once (schedule 0, no hint), reads how many steps it took (`lg_schedule_steps`), and
// puts the bit width of that count into bits 48-55 of every later seed of the test; the
// low 48 bits come from splitmix64 over the base seed and the schedule's number. The
// base is `--seed` when given (so an exploration can be repeated), else random.
//
// Parallelism. Schedules are independent runs, so after the calibration runs the
// explorer forks one process per core (or `--jobs`); child c runs schedules c+1,
// c+1+W, ... of every test in turn, each on a fresh runtime, and writes one byte per
// schedule that passed to a pipe, or a line `F test seed` when one failed, and exits.
// The parent counts, prints progress on a terminal, and at the first failure stops the
// other children and replays the failing seed itself: that run's output is the report
// (and proves the replay), and `--trace FILE` records it.

import CLegion
import Glibc

/// splitmix64's output function (Steele, Lea and Flood, OOPSLA 2014): a 64-bit mix in
/// which every input bit affects every output bit. The runtime's seeded policy uses the
/// same generator.
func splitmix64(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

final class ScheduleExplorer {
    private let options: TestRunner.Options
    private let schedules: Int
    private let base: UInt64

    init(options: TestRunner.Options, schedules: Int) {
        self.options = options
        self.schedules = max(1, schedules)
        if let seed = options.legions.seed {
            base = seed
        } else {
            base = splitmix64(lg_now_ns() ^ UInt64(getpid()) << 32)
        }
    }

    // MARK: Seeds

    /// The seed of schedule `index` of a test whose calibration run took `steps` steps
    /// (nil for the calibration run itself).
    func seed(index: Int, steps: UInt64?) -> UInt64 {
        let low = splitmix64(base &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03) & 0xFFFF_FFFF_FFFF
        guard let steps else { return low }
        let hint = UInt64(min(max(64 - steps.leadingZeroBitCount, 1), 40))
        return hint << 48 | low
    }

    static func describe(seed: UInt64) -> String {
        var buffer = [CChar](repeating: 0, count: 160)
        _ = lg_schedule_describe(seed, &buffer, buffer.count)
        return String(cString: buffer)
    }

    // MARK: One schedule

    private enum Ran {
        case result(TestResult, steps: UInt64)
        case problem(String)
    }

    /// Runs `test` alone under `seed` on a fresh runtime, in this process.
    private func run(_ test: TestRun, seed: UInt64, tracePath: String? = nil) -> Ran {
        var legions = options.legions
        try? legions.set("seed", String(seed))
        legions.tracePath = tracePath
        let session = TestSession(seeded: test, timeout: options.timeout, legions: legions,
                                  errorOutput: options.errorOutput)
        var result: TestResult?
        if let problem = session.run(report: { _, r in result = r }) { return .problem(problem) }
        return .result(result ?? .failed("the test did not report", output: ""), steps: lg_schedule_steps())
    }

    // MARK: Exploring

    /// A failure found: which test, under which schedule.
    private struct Found {
        var test: Int
        var index: Int
        var seed: UInt64
    }

    /// Explores every test; returns the exit status (0: no schedule failed).
    func run(_ tests: [TestRun]) -> Int32 {
        let started = lg_now_ns()
        // Calibration: schedule 0 of each test, here, which also measures its steps.
        var steps: [UInt64] = []
        for (t, test) in tests.enumerated() {
            let seed = self.seed(index: 0, steps: nil)
            switch run(test, seed: seed) {
            case .problem(let problem):
                return fail(problem)
            case .result(let result, _) where result.isFailure:
                // Already run here: report it as it is (a test stopped by the wall clock may
                // have left the runtime running, so it could not be run again anyway).
                return report(Found(test: t, index: 0, seed: seed), tests, ran: t + 1, since: started, result: result)
            case .result(_, let count):
                steps.append(count)
            }
        }
        let plan = Plan(tests: tests.count, schedules: schedules,
                        workers: max(1, min(options.parallelism, schedules - 1)))
        var ran = tests.count
        if plan.workers > 0 && schedules > 1 {
            switch explore(tests, steps: steps, plan: plan, ran: &ran, since: started) {
            case .failure(let found): return report(found, tests, ran: ran, since: started)
            case .problem(let problem): return fail(problem)
            case .done: break
            }
        }
        for test in tests {
            options.output.write("ok   \(test.file)::\(test.name) (\(schedules) schedule\(schedules == 1 ? "" : "s"))\n")
        }
        options.output.write("\(tests.count) passed, 0 failed; \(summary(ran: ran, since: started))\n")
        options.output.flush()
        return 0
    }

    /// Which schedules each child runs: child c takes indices c+1, c+1+W, ... of every
    /// test, test after test.
    private struct Plan {
        let tests: Int
        let schedules: Int
        let workers: Int

        func work(of child: Int) -> [(test: Int, index: Int)] {
            var out: [(Int, Int)] = []
            for t in 0..<tests {
                for j in stride(from: 1 + child, to: schedules, by: workers) { out.append((t, j)) }
            }
            return out
        }
    }

    private enum Explored {
        case done
        case failure(Found)
        case problem(String)
    }

    /// A forked process running its share of the schedules, as the parent sees it.
    private struct Child {
        let pid: pid_t
        /// The read end of its pipe.
        let fd: Int32
        /// Its schedules, in the order it runs them.
        let work: [(test: Int, index: Int)]
        /// Schedules it reported passed: `work[passed]` is the one it runs now.
        var passed = 0
        /// A report line being read.
        var line: [UInt8] = []
        var open = true
    }

    private func explore(_ tests: [TestRun], steps: [UInt64], plan: Plan, ran: inout Int, since started: UInt64) -> Explored {
        options.output.flush()
        options.errorOutput.flush()
        fflush(stdout)
        fflush(stderr)
        var children: [Child] = []
        for c in 0..<plan.workers {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { break }
            let work = plan.work(of: c)
            let pid = fork()
            if pid == 0 {
                close(fds[0])
                runChild(tests, work: work, steps: steps, to: fds[1])
            }
            close(fds[1])
            if pid < 0 {
                close(fds[0])
                break
            }
            children.append(Child(pid: pid, fd: fds[0], work: work))
        }
        if children.isEmpty { return .problem("cannot start processes to explore schedules: \(String(cString: strerror(errno)))") }
        defer {
            for child in children where child.open { kill(child.pid, SIGKILL) }
            for child in children {
                close(child.fd)
                var status: Int32 = 0
                _ = waitpid(child.pid, &status, 0)
            }
        }

        let progress = isatty(STDERR_FILENO) == 1
        let total = tests.count * schedules
        var lastProgress: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        var outcome = Explored.done
        loop: while children.contains(where: { $0.open }) {
            var polls = children.map { pollfd(fd: $0.open ? $0.fd : -1, events: Int16(POLLIN), revents: 0) }
            _ = poll(&polls, nfds_t(polls.count), 200)
            for c in children.indices where children[c].open && polls[c].revents != 0 {
                let n = read(children[c].fd, &buffer, buffer.count)
                if n <= 0 {
                    children[c].open = false
                    var status: Int32 = 0
                    if waitpid(children[c].pid, &status, 0) == children[c].pid, status != 0, children[c].passed < children[c].work.count {
                        let (t, j) = children[c].work[children[c].passed]
                        let seed = self.seed(index: j, steps: steps[t])
                        outcome = .problem("the process running schedule \(j) of \(tests[t].file)::\(tests[t].name) "
                                           + "(seed \(seed)) ended with status \(status)")
                        break loop
                    }
                    continue
                }
                for byte in buffer[0..<n] {
                    if byte == UInt8(ascii: ".") && children[c].line.isEmpty {
                        children[c].passed += 1
                        ran += 1
                    } else if byte == UInt8(ascii: "\n") {
                        let line = String(decoding: children[c].line, as: UTF8.self)
                        children[c].line = []
                        let fields = line.split(separator: " ")
                        if fields.first == "F", fields.count == 4, let t = Int(fields[1]), let j = Int(fields[2]),
                           let seed = UInt64(fields[3]) {
                            ran += 1
                            outcome = .failure(Found(test: t, index: j, seed: seed))
                        } else {
                            outcome = .problem(String(line.drop(while: { $0 != " " }).dropFirst()))
                        }
                        break loop
                    } else {
                        children[c].line.append(byte)
                    }
                }
            }
            let now = lg_now_ns()
            if progress && now - lastProgress > 200_000_000 {
                lastProgress = now
                let rate = Double(ran) / max(Double(now - started) / 1e9, 1e-9)
                printProgress("explored \(ran) of \(total) schedules (\(Int(rate)) per second)")
            }
        }
        if progress { printProgress("") }
        return outcome
    }

    /// A child's life: its schedules, one byte per pass, a line at the first failure.
    private func runChild(_ tests: [TestRun], work: [(test: Int, index: Int)], steps: [UInt64], to fd: Int32) -> Never {
        func send(_ text: String) {
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { _exit(3) }
                offset += n
            }
        }
        for (t, j) in work {
            let seed = self.seed(index: j, steps: steps[t])
            switch run(tests[t], seed: seed) {
            case .problem(let problem):
                send("E \(problem.replacingNewlines)\n")
                _exit(0)
            case .result(.failed, _):
                send("F \(t) \(j) \(seed)\n")
                _exit(0)
            case .result(.passed, _):
                send(".")
            }
        }
        _exit(0)
    }

    private func printProgress(_ text: String) {
        let line = "\r\u{1B}[K" + text
        line.withCString { _ = fputs($0, stderr) }
        fflush(stderr)
    }

    private func summary(ran: Int, since started: UInt64) -> String {
        let seconds = Double(lg_now_ns() - started) / 1e9
        let rate = Double(ran) / max(seconds, 1e-9)
        let shown = (seconds * 100).rounded() / 100
        return "\(ran) schedule\(ran == 1 ? "" : "s") explored in \(shown) s (\(Int(rate)) per second) from base seed \(base)"
    }

    private func fail(_ problem: String) -> Int32 {
        options.errorOutput.write("error: \(problem)\n")
        options.errorOutput.flush()
        return 1
    }

    /// Replays the failing schedule here (unless its `result` is known already), prints
    /// its report and how to replay it.
    private func report(_ found: Found, _ tests: [TestRun], ran: Int, since started: UInt64,
                        result: TestResult? = nil) -> Int32 {
        let test = tests[found.test]
        let tracePath = options.legions.tracePath
        let replayed = result.flatMap { tracePath == nil ? Ran.result($0, steps: 0) : nil }
            ?? run(test, seed: found.seed, tracePath: tracePath)
        var text: String
        switch replayed {
        case .problem(let problem):
            return fail(problem)
        case .result(let result, _):
            if case .passed = result {
                text = "FAILED \(test.file)::\(test.name): failed under seed \(found.seed), but passed when replayed:"
                    + " the schedule is not deterministic (please report this)\n"
            } else {
                text = TestRunner.describe(test, result)
            }
        }
        text += "    found by schedule \(found.index + 1) of \(schedules): seed \(found.seed) (\(ScheduleExplorer.describe(seed: found.seed)))\n"
        text += "    replay: \(replayCommand(test, seed: found.seed))\n"
        if let path = tracePath { text += "    trace of the failing schedule: \(path)\n" }
        text += "0 passed, 1 failed; \(summary(ran: ran, since: started))\n"
        options.output.write(text)
        options.output.flush()
        return 1
    }

    private func replayCommand(_ test: TestRun, seed: UInt64) -> String {
        var words = ["--seed", String(seed), "--filter", test.name]
        if options.timeout != 10 { words += ["--timeout", String(TestRunner.describe(seconds: options.timeout).dropLast(2))] }
        words.append(test.file)
        return ([options.command] + words.map(ScheduleExplorer.shellQuoted)).joined(separator: " ")
    }

    /// `word` as a shell reads it back: unchanged when it is plain, else single-quoted.
    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:=@+,".contains($0)) }
        if plain && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

private extension String {
    var replacingNewlines: String { split(separator: "\n").joined(separator: "; ") }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
