// `malphas test`: finds `*_test.mal` files, runs every `fn test_*()` in them and reports
// one line per test, then `N passed, M failed`.
//
// Model. Each test file is compiled once, with an entry of its own for every test
// function (`CompileOptions.entryPrefix`); the compiled program is immutable from then on
// and shared. Each test then runs as a legion of its own on the legion runtime, beside
// the other tests (up to `--jobs` at once), with its own loaded program, VM and captured
// output. A test and the legions it spawns form a `LegionGroup`: a panic, a runtime
// error, `exit` or a deadlock in any of them fails that test only, and the test's other
// legions stop with it. What a failing test printed is shown under its line.
//
// Time limits. The runner's thread (the runtime's waiter) checks the deadlines between
// waits; a test past its time is settled as timed out and every worker is asked to stop
// at its next safe point (every call and loop iteration is one), where the test's
// legions end. A test stuck where there is no safe point (inside one native builtin)
// cannot be stopped: it is reported as timed out all the same, and the runtime is then
// left running rather than waited for (the process ends right after the summary).

import CLegion
import Glibc
import MalphasCompiler
import MalphasSyntax

/// Runs the tests of `*_test.mal` files.
public final class TestRunner {
    /// How to run the tests.
    public struct Options {
        /// Seconds a test may run before it fails as timed out.
        public var timeout: Double
        /// How many tests run at once.
        public var parallelism: Int
        /// Where the per-test lines and the summary go.
        public var output: Output
        /// Where compile errors and problems with the paths go.
        public var errorOutput: Output
        /// Only tests whose name contains this run (nil: all).
        public var filter: String?
        /// The legion runtime's settings (`--workers`, `--seed` and the like).
        public var legions: LegionSettings
        /// Run each test under this many seeded schedules (`--explore`), stopping at the
        /// first failure (ScheduleExplorer.swift); nil: run each test once.
        public var explore: Int?
        /// The command line that runs these tests (`malphas test`), for replay commands.
        public var command = "malphas test"

        public init(timeout: Double = 10, parallelism: Int = TestRunner.defaultParallelism, output: Output = .standardOutput,
                    errorOutput: Output = .standardError, filter: String? = nil, legions: LegionSettings = LegionSettings()) {
            self.timeout = timeout
            self.parallelism = parallelism
            self.output = output
            self.errorOutput = errorOutput
            self.filter = filter
            self.legions = legions
        }
    }

    /// Exit status when a path cannot be searched.
    public static let usageErrorStatus: Int32 = 2

    /// Twice the CPUs this process may use (tests often wait), at least 2.
    public static var defaultParallelism: Int {
        max(2, 2 * sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    private let options: Options

    public init(options: Options) {
        self.options = options
    }

    // MARK: - Finding test files

    /// The test files under `paths`: a file is taken as given; a directory is searched
    /// recursively for `*_test.mal` (hidden directories such as `.build` skipped). Sorted per
    /// path. Paths that do not exist come back in `missing`.
    public static func findTestFiles(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        for path in paths {
            guard let kind = Files.kind(path) else { missing.append(path); continue }
            if kind == .directory {
                var found: [String] = []
                search(path, into: &found)
                files += found.sorted()
            } else {
                files.append(path)
            }
        }
        return (files, missing)
    }

    private static func search(_ directory: String, into found: inout [String]) {
        guard case .success(let names) = Files.entries(of: directory) else { return }
        for name in names where !name.hasPrefix(".") {
            let path = directory == "." ? name : (directory.hasSuffix("/") ? directory + name : directory + "/" + name)
            guard let kind = Files.kind(path) else { continue }
            if kind == .directory {
                search(path, into: &found)
            } else if name.hasSuffix("_test.mal") {
                found.append(path)
            }
        }
    }

    // MARK: - Running

    /// Runs the tests of the files under `paths` and returns the exit status: 0 when every
    /// test passed, 1 when one failed (or a file did not compile), 2 when a path does not
    /// exist.
    public func run(paths: [String]) -> Int32 {
        let (files, missing) = TestRunner.findTestFiles(paths)
        for path in missing {
            options.errorOutput.write("error: cannot find `\(path)`: \(String(cString: strerror(ENOENT)))\n")
        }
        if !missing.isEmpty {
            options.errorOutput.flush()
            return TestRunner.usageErrorStatus
        }
        var tests: [TestRun] = []
        var failed = 0
        for file in files {
            switch compile(file) {
            case .success(let found): tests += found
            case .failure(let report):
                failed += 1
                options.errorOutput.write(report.text)
                options.errorOutput.flush()
                options.output.write("FAILED \(file): does not compile\n")
            }
        }
        options.output.flush()
        if files.isEmpty {
            options.errorOutput.write("no test files (`*_test.mal`) found in \(paths.joined(separator: ", "))\n")
            options.errorOutput.flush()
        }
        if let schedules = options.explore, !tests.isEmpty {
            let explorer = ScheduleExplorer(options: options, schedules: schedules)
            let status = explorer.run(tests)
            return failed > 0 ? max(status, 1) : status
        }
        var passed = 0
        if !tests.isEmpty {
            // Under a seed each test runs alone on a runtime of its own, so its schedule
            // depends on the seed only, not on the tests before it.
            let sessions = options.legions.seed == nil
                ? [TestSession(tests: tests, jobs: max(1, options.parallelism), timeout: options.timeout,
                               legions: options.legions, errorOutput: options.errorOutput)]
                : tests.map { TestSession(seeded: $0, timeout: options.timeout, legions: options.legions,
                                          errorOutput: options.errorOutput) }
            func report(_ test: TestRun, _ result: TestResult) {
                if case .passed = result { passed += 1 } else { failed += 1 }
                options.output.write(TestRunner.describe(test, result))
                options.output.flush()
            }
            var stuck: TestRun?
            for session in sessions {
                if let stuck {
                    // Under a seed every test needs a runtime of its own, and the stuck
                    // test still holds the process's one.
                    for test in session.tests {
                        report(test, .failed("not run: \(stuck.name) is stuck in a native call past its time limit,"
                                             + " and under --seed each test needs the legion runtime to itself", output: ""))
                    }
                    continue
                }
                let problem = session.run(report: report)
                if session.leftRuntimeRunning { stuck = session.tests.first }
                if let problem {
                    options.errorOutput.write("error: \(problem)\n")
                    options.errorOutput.flush()
                    return 1
                }
            }
        }
        options.output.write("\(passed) passed, \(failed) failed\n")
        options.output.flush()
        return failed > 0 ? 1 : 0
    }

    /// The tests of one file, or its compile errors rendered.
    private func compile(_ file: String) -> Result<[TestRun], CompileReport> {
        let sources = SourceMap()
        let bytes: [UInt8]
        switch Files.read(file) {
        case .success(let b): bytes = b
        case .failure(let error): return .failure(CompileReport(text: "error: cannot read `\(file)`: \(error.reason)\n"))
        }
        let id = sources.add(SourceFile(name: file, bytes: bytes))
        switch Interpreter.compile(id, in: sources, entryPrefix: "test_") {
        case .failure(let failure):
            return .failure(CompileReport(text: Interpreter.render(failure, sources: sources)))
        case .success(let program):
            let library = Set(program.libraryFiles.compactMap { sources.file($0)?.name })
            return .success(program.namedEntries
                .filter { options.filter == nil || $0.name.contains(options.filter!) }
                .map { TestRun(file: file, name: $0.name, entry: $0.entry, program: program, libraryFileNames: library) })
        }
    }

    private struct CompileReport: Error { var text: String }

    /// A test's line, `ok   FILE::TEST` or `FAILED FILE::TEST: MESSAGE`, with what a
    /// failing test printed indented under it.
    static func describe(_ test: TestRun, _ result: TestResult) -> String {
        switch result {
        case .passed:
            return "ok   \(test.file)::\(test.name)\n"
        case .failed(let message, let output):
            var text = "FAILED \(test.file)::\(test.name): \(message)\n"
            if !output.isEmpty {
                for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(output.hasSuffix("\n") ? 1 : 0) {
                    text += "    \(line)\n"
                }
            }
            return text
        }
    }

    /// "2 s", "0.5 s".
    static func describe(seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

/// How one test ended.
enum TestResult {
    case passed
    /// The one-line reason, and what the test printed.
    case failed(String, output: String)

    var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}

/// One test function of a compiled test file.
final class TestRun {
    let file: String
    let name: String
    let entry: Int
    let program: CompiledProgram
    /// Names of the standard library's files: a failure's location is the innermost
    /// frame outside them.
    let libraryFileNames: Set<String>
    // Set when the test starts, on the runner's thread.
    var group: LegionGroup?
    var loaded: LoadedProgram?
    var output: Output?
    var deadline: Double = 0

    init(file: String, name: String, entry: Int, program: CompiledProgram, libraryFileNames: Set<String>) {
        self.file = file
        self.name = name
        self.entry = entry
        self.program = program
        self.libraryFileNames = libraryFileNames
    }

    /// Spawns the test's main legion, with a program, VM and output of its own.
    func start(on runtime: LegionRuntime, timeout: Double) throws {
        let loaded = LoadedProgram(program)
        let output = Output.capture()
        let context = BuiltinContext(output: output, errorOutput: output, input: Input(text: ""), args: [file])
        let vm = VM(program: loaded, context: context, runtime: runtime, maxDepth: RunOptions.defaultMaxDepth,
                    suspendEverySafePoint: false)
        if runtime.vm == nil { runtime.vm = vm }
        let root = LegionState(id: runtime.newLegionID())
        root.start(loaded.closure(forFunction: entry), args: [], globals: loaded.globals)
        let group = LegionGroup(root: root, vm: vm) { [unowned self] legions in self.describeDeadlock(legions) }
        root.group = group
        group.added(root)
        self.loaded = loaded
        self.output = output
        self.group = group
        deadline = TestSession.seconds() + timeout
        try runtime.spawn(root)
    }

    /// The result of a settled test.
    func result(_ outcome: LegionGroup.Outcome, timeout: Double) -> TestResult {
        group?.vm.context.flush()
        let printed = output?.capturedText ?? ""
        switch outcome {
        case .passed:
            return .passed
        case .failed(let failure):
            return .failed(describe(failure), output: printed)
        case .deadlock(let description):
            return .failed(description, output: printed)
        case .timedOut:
            let at = group?.stopLocation.map { " at \($0)" } ?? ""
            let clock = group?.timedOutOnVirtualClock == true ? " of virtual time" : ""
            return .failed("timed out after \(TestRunner.describe(seconds: timeout))\(clock)\(at)", output: printed)
        }
    }

    /// A failure on one line: the message, then where it happened unless the message
    /// says so itself (std::testing's do).
    private func describe(_ failure: RuntimeFailure) -> String {
        let lines = failure.error.message.split(separator: "\n").map { $0.trimmingSpaces }
        var message = lines.joined(separator: "; ")
        let inRoot = failure.legionID == group?.root.id
        switch failure.error.kind {
        case .exit(let status):
            message = inRoot ? "the test called exit(\(status))" : "a legion of the test called exit(\(status))"
        case .panic:
            if !inRoot { message = "a legion of the test panicked: " + message }
        case .error:
            message = (inRoot ? "runtime error: " : "runtime error in a legion of the test: ") + message
        }
        let at = location(failure.trace)
        if !at.isEmpty && message.hasSuffix(at) { return message }
        return message + at
    }

    /// " at file:line" of the innermost frame outside the standard library, or "".
    private func location(_ trace: [(function: String, file: String, line: Int)]) -> String {
        guard let frame = trace.first(where: { !libraryFileNames.contains($0.file) && $0.function != "<entry>" }) else { return "" }
        return " at \(frame.file):\(frame.line)"
    }

    /// "deadlock: the test is blocked receiving from a channel at f.mal:9; a legion of the
    /// test is blocked ..." (called while none of the legions runs).
    private func describeDeadlock(_ legions: [LegionState]) -> String {
        guard let group else { return "deadlock" }
        let ordered = legions.sorted { ($0 === group.root ? 0 : 1, $0.id) < ($1 === group.root ? 0 : 1, $1.id) }
        let waits = ordered.map { l -> String in
            let who = l === group.root ? "the test" : "a legion of the test"
            return "\(who) is blocked \(Interpreter.describe(l.blockedReason)) at \(blockedLocation(l, vm: group.vm))"
        }
        return "deadlock: " + waits.joined(separator: "; ")
    }

    /// A seeded run's virtual clock reached the time limit while every legion of the
    /// test was blocked: the test timed out where its main legion waits.
    func timeOutOnVirtualClock() {
        guard let group else { return }
        group.timeOutOnVirtualClock(at: blockedLocation(group.root, vm: group.vm))
    }

    private func blockedLocation(_ legion: LegionState, vm: VM) -> String {
        guard legion.frameCount > 0 else { return "<finished>" }
        let top = legion.frames[legion.frameCount - 1].code.takeUnretainedValue()
        if !program.libraryFiles.contains(top.proto.file) { return vm.blockedLocation(legion) }
        // Blocked inside the library (a WaitGroup, a Mutex): show where it was called.
        return vm.callerLocation(legion)
    }
}

private extension Substring {
    var trimmingSpaces: String {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Runs tests on the legion runtime, `jobs` at a time, and hands their results back in
/// order, on the calling thread (the runtime's waiter), each as soon as it and all
/// before it are done.
final class TestSession {
    let tests: [TestRun]
    /// True after `run` left the runtime running: a test stuck where it could not be
    /// stopped (inside one native builtin) past its time limit.
    private(set) var leftRuntimeRunning = false
    private let jobs: Int
    private let timeout: Double

    private let legions: LegionSettings
    /// Where the runtime's `--stats` go.
    private let errorOutput: Output

    init(tests: [TestRun], jobs: Int, timeout: Double, legions: LegionSettings, errorOutput: Output) {
        self.tests = tests
        self.jobs = jobs
        self.timeout = timeout
        self.legions = legions
        self.errorOutput = errorOutput
    }

    /// One test alone under the seeded schedule of `legions` (which has a seed), its
    /// time limit counted on the virtual clock (the wall-clock one stays, for a test
    /// that loops without ever waiting).
    convenience init(seeded test: TestRun, timeout: Double, legions: LegionSettings, errorOutput: Output) {
        var settings = legions
        try? settings.set("clock-limit-ms", String(Int(min(timeout * 1000, Double(UInt32.max)).rounded(.up))))
        self.init(tests: [test], jobs: 1, timeout: timeout, legions: settings, errorOutput: errorOutput)
    }

    /// Runs every test; `report` is called for each, in order. Returns why the tests could
    /// not run, if they could not.
    func run(report: (TestRun, TestResult) -> Void) -> String? {
        let runtime = LegionRuntime(settings: legions)
        if let reason = runtime.start() { return reason }
        var next = 0
        var reported = 0
        var running: [Int] = []
        var timedOutAt: [Int: Double] = [:]
        while reported < tests.count {
            while running.count < jobs && next < tests.count {
                do {
                    try tests[next].start(on: runtime, timeout: timeout)
                    running.append(next)
                } catch {
                    tests[next].group = nil
                }
                next += 1
            }
            while reported < next {
                let test = tests[reported]
                guard let group = test.group else {
                    report(test, .failed("the legion runtime could not spawn the test", output: ""))
                    reported += 1
                    continue
                }
                guard let outcome = group.outcome else { break }
                // A time limit's report waits a moment for where the test was stopped.
                if case .timedOut = outcome, group.stopLocation == nil,
                   let at = timedOutAt[reported], TestSession.seconds() - at < 0.5 { break }
                report(test, test.result(outcome, timeout: timeout))
                reported += 1
            }
            let now = TestSession.seconds()
            running.removeAll { i in
                guard let group = tests[i].group else { return true }
                if group.outcome != nil { return true }
                if now > tests[i].deadline {
                    group.timeOut()
                    timedOutAt[i] = now
                }
                return false
            }
            if reported == tests.count { break }
            if lg_wait(20_000_000, nil) == LG_WAIT_QUIESCENT {
                // Nothing runs or can run: every test still going is parked forever, or,
                // under a seed, waits for a timer past its time limit.
                for i in running {
                    if lg_clock_limit_reached() { tests[i].timeOutOnVirtualClock() } else { tests[i].group?.settleAsDeadlocked() }
                }
            }
        }
        if timedOutAt.keys.contains(where: { tests[$0].group?.stopLocation == nil }) {
            // A test stopped by its time limit never reached a safe point (it may be stuck
            // in a native call, and its worker could not be joined): leave the runtime to
            // the end of the process.
            leftRuntimeRunning = true
            return nil
        }
        runtime.shutdown(errorOutput: errorOutput)
        runtime.releaseLegions()
        for test in tests {
            test.loaded?.tearDown()
            test.group = nil
        }
        return nil
    }

    static func seconds() -> Double {
        Double(lg_now_ns()) / 1e9
    }
}
