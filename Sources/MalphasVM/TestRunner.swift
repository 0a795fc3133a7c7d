// `malphas test`: finds `*_test.mal` files, runs every `fn test_*()` in them and reports
// one line per test, then `N passed, M failed`.
//
// Model. Each test file is compiled once, with an entry of its own for every test
// function (`CompileOptions.entryPrefix`); the compiled program is immutable from then on
// and shared. Each test then runs as the main legion of its own run (its own loaded
// program, VM and scheduler), on a pool of OS threads, so tests run in parallel and are
// isolated: a panic, a runtime error, `exit`, a deadlock or a time limit ends that test
// only, and whatever legions it spawned die with it. Output a test prints is captured
// and shown under its line when it fails.
//
// Time limits. A watchdog (the thread that started the pool) sets a running test's stop
// flag and its VM's preempt flag when its time is up: the legion yields at its next safe
// point (every call and loop iteration is one) and the scheduler ends the run with
// "timed out". A test stuck where there is no safe point (inside one native builtin) is
// abandoned after a grace period: reported as timed out, its thread left behind, and the
// process exits at the end anyway.
//
// The isolation sits in `TestRun.execute` alone: moving tests onto the multi-threaded
// legion runtime means replacing the per-test scheduler there with a legion group on the
// runtime (spawn, a failure hook, cancel), nothing else.

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

        public init(timeout: Double = 10, parallelism: Int = TestRunner.defaultParallelism, output: Output = .standardOutput,
                    errorOutput: Output = .standardError, filter: String? = nil) {
            self.timeout = timeout
            self.parallelism = parallelism
            self.output = output
            self.errorOutput = errorOutput
            self.filter = filter
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
    /// recursively for `*_test.mal` (hidden directories and `.build` skipped). Sorted per
    /// path. Paths that do not exist come back in `missing`.
    public static func findTestFiles(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { missing.append(path); continue }
            if info.st_mode & S_IFMT == S_IFDIR {
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
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let path = directory == "." ? name : (directory.hasSuffix("/") ? directory + name : directory + "/" + name)
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                if name != ".build" { search(path, into: &found) }
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
        var compileFailures = 0
        for file in files {
            switch compile(file) {
            case .success(let found): tests += found
            case .failure(let report):
                compileFailures += 1
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
        let pool = TestPool(tests: tests, parallelism: max(1, options.parallelism), timeout: options.timeout)
        var passed = 0
        var failed = compileFailures
        pool.run { test, result in
            switch result {
            case .passed:
                passed += 1
                self.options.output.write("ok   \(test.file)::\(test.name)\n")
            case .failed(let message, let output):
                failed += 1
                var text = "FAILED \(test.file)::\(test.name): \(message)\n"
                // What the test printed, indented under its line.
                if !output.isEmpty {
                    for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(output.hasSuffix("\n") ? 1 : 0) {
                        text += "    \(line)\n"
                    }
                }
                self.options.output.write(text)
            }
            self.options.output.flush()
        }
        options.output.write("\(passed) passed, \(failed) failed\n")
        options.output.flush()
        return failed > 0 ? 1 : 0
    }

    /// The tests of one file, or its compile errors rendered.
    private func compile(_ file: String) -> Result<[TestRun], CompileReport> {
        let sources = SourceMap()
        let bytes: [UInt8]
        switch ModuleLoader.readFile(file) {
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
}

/// How one test ended.
enum TestResult {
    case passed
    /// The one-line reason, and what the test printed.
    case failed(String, output: String)
}

/// One test function of a compiled test file, and how to run it in isolation.
final class TestRun {
    let file: String
    let name: String
    let entry: Int
    let program: CompiledProgram
    /// Names of the standard library's files: a failure's location is the innermost
    /// frame outside them.
    let libraryFileNames: Set<String>
    /// Set by the watchdog when the time is up (read by the scheduler).
    let stopFlag: UnsafeMutablePointer<UInt8>
    /// The flag the VM polls, which the watchdog sets with `stopFlag`. Set once, by the
    /// test's thread, before the run starts.
    var preemptFlag: UnsafeMutablePointer<UInt8>?

    init(file: String, name: String, entry: Int, program: CompiledProgram, libraryFileNames: Set<String>) {
        self.file = file
        self.name = name
        self.entry = entry
        self.program = program
        self.libraryFileNames = libraryFileNames
        stopFlag = .allocate(capacity: 1)
        stopFlag.initialize(to: 0)
    }

    deinit { stopFlag.deallocate() }

    /// Asks the run to stop at its next safe point (called from the watchdog thread).
    func stop(preempt: UnsafeMutablePointer<UInt8>?) {
        stopFlag.pointee = 1
        preempt?.pointee = 1
    }

    /// Runs the test to its end on the calling thread.
    func execute(timeout: Double, willStart: (UnsafeMutablePointer<UInt8>) -> Void) -> TestResult {
        let loaded = LoadedProgram(program)
        defer { loaded.tearDown() }
        let output = Output.capture()
        let context = BuiltinContext(output: output, errorOutput: output, input: Input(text: ""), args: [file])
        let scheduler = CooperativeScheduler()
        scheduler.stopFlag = stopFlag
        scheduler.endsWhenMainFinishes = true
        let vm = VM(program: loaded, context: context, scheduler: scheduler, maxDepth: RunOptions.defaultMaxDepth,
                    suspendEverySafePoint: false)
        willStart(scheduler.preemptFlag)
        let main = scheduler.newLegion()
        main.start(loaded.closure(forFunction: entry), args: [])
        let ending = scheduler.run(main: main, vm: vm)
        context.flush()
        let printed = output.capturedText
        switch ending {
        case .finished:
            return .passed
        case .failed(let failure):
            if stopFlag.pointee != 0 {
                return .failed("timed out after \(TestRunner.describe(seconds: timeout))\(location(failure.trace))", output: printed)
            }
            return .failed(describe(failure, mainID: main.id), output: printed)
        case .deadlock(let legions):
            let waits = legions.map { l -> String in
                let who = l === main ? "legion \(l.id) (the test)" : "legion \(l.id)"
                return "\(who) is blocked \(TestRun.describe(l.blockedReason)) at \(blockedLocation(l, vm: vm))"
            }
            return .failed("deadlock: " + waits.joined(separator: "; "), output: printed)
        }
    }

    /// A failure on one line: the message, then where it happened unless the message
    /// says so itself (std::testing's do).
    private func describe(_ failure: RuntimeFailure, mainID: Int) -> String {
        let lines = failure.error.message.split(separator: "\n").map { $0.trimmingSpaces }
        var message = lines.joined(separator: "; ")
        switch failure.error.kind {
        case .exit(let status):
            message = "the test called exit(\(status))"
        case .panic:
            if failure.legionID != mainID { message = "legion \(failure.legionID) panicked: " + message }
        case .error:
            message = (failure.legionID != mainID ? "runtime error in legion \(failure.legionID): " : "runtime error: ") + message
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

    private func blockedLocation(_ legion: LegionState, vm: VM) -> String {
        guard legion.frameCount > 0 else { return "<finished>" }
        let top = legion.frames[legion.frameCount - 1].code.takeUnretainedValue()
        if !program.libraryFiles.contains(top.proto.file) { return vm.blockedLocation(legion) }
        // Blocked inside the library (a WaitGroup, a Mutex): show where it was called.
        return vm.callerLocation(legion)
    }

    private static func describe(_ reason: BlockReason?) -> String {
        switch reason {
        case .send?: return "sending on a channel"
        case .receive?: return "receiving from a channel"
        case .select?: return "in a select"
        case .sleep?: return "sleeping"
        default: return "forever"
        }
    }
}

extension TestRunner {
    /// "2 s", "0.5 s".
    static func describe(seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
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

/// Runs tests on a pool of threads and hands their results back in order, on the calling
/// thread, as soon as each one and all before it are done. The calling thread is the
/// watchdog: it stops tests that run past their time.
final class TestPool {
    private let tests: [TestRun]
    private let parallelism: Int
    private let timeout: Double
    /// How long after its stop a test that does not end is abandoned.
    private let grace: Double = 2

    // Guarded by `mutex`.
    private var next = 0
    private var results: [TestResult?]
    private var startedAt: [Double?]
    private var preempt: [UnsafeMutablePointer<UInt8>?]
    private var stopped: [Bool]
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(tests: [TestRun], parallelism: Int, timeout: Double) {
        self.tests = tests
        self.parallelism = parallelism
        self.timeout = timeout
        results = Array(repeating: nil, count: tests.count)
        startedAt = Array(repeating: nil, count: tests.count)
        preempt = Array(repeating: nil, count: tests.count)
        stopped = Array(repeating: false, count: tests.count)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs every test; `report` is called for each, in order.
    func run(report: (TestRun, TestResult) -> Void) {
        guard !tests.isEmpty else { return }
        for _ in 0..<min(parallelism, tests.count) { startWorker() }
        var reported = 0
        pthread_mutex_lock(mutex)
        while reported < tests.count {
            while reported < tests.count, let result = results[reported] {
                let test = tests[reported]
                reported += 1
                pthread_mutex_unlock(mutex)
                report(test, result)
                pthread_mutex_lock(mutex)
            }
            if reported == tests.count { break }
            watch()
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            let ns = Int(deadline.tv_nsec) + 20_000_000
            deadline.tv_sec += ns / 1_000_000_000
            deadline.tv_nsec = ns % 1_000_000_000
            pthread_cond_timedwait(condition, mutex, &deadline)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Stops tests past their time and abandons those that do not stop (under `mutex`).
    private func watch() {
        let now = TestPool.seconds()
        for i in 0..<tests.count {
            guard results[i] == nil, let start = startedAt[i] else { continue }
            if !stopped[i] && now - start > timeout {
                stopped[i] = true
                tests[i].stop(preempt: preempt[i])
            } else if stopped[i] && now - start > timeout + grace {
                results[i] = .failed("timed out after \(TestRunner.describe(seconds: timeout)) (it did not reach a safe point; abandoned)",
                                     output: "")
                // Its thread is stuck: start another so the remaining tests still run.
                startWorker()
            }
        }
    }

    private func startWorker() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let created = pthread_create(&thread, &attributes, { raw in
            let pool = Unmanaged<TestPool>.fromOpaque(raw!).takeRetainedValue()
            pool.work()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        if created != 0 {
            Unmanaged<TestPool>.fromOpaque(context).release()
            // No thread: run the work here, without a watchdog.
            work()
        }
    }

    /// A worker: takes the next test, runs it, stores its result, until none is left.
    private func work() {
        while true {
            pthread_mutex_lock(mutex)
            guard next < tests.count else {
                pthread_mutex_unlock(mutex)
                return
            }
            let i = next
            next += 1
            pthread_mutex_unlock(mutex)
            let result = tests[i].execute(timeout: timeout) { flag in
                pthread_mutex_lock(mutex)
                preempt[i] = flag
                startedAt[i] = TestPool.seconds()
                pthread_mutex_unlock(mutex)
            }
            pthread_mutex_lock(mutex)
            if results[i] == nil { results[i] = result }
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
        }
    }

    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
