import ArgumentParser
import Glibc
import MalphasVM

/// `malphas test [PATH...]`: runs the `fn test_*()` functions of the `*_test.mal` files.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the tests of `*_test.mal` files: every `fn test_*()`, each in its own legion, in parallel.",
        discussion: """
        Prints `ok   FILE::TEST` or `FAILED FILE::TEST: MESSAGE at FILE:LINE` per test, then \
        `N passed, M failed`. Exits 1 when a test failed, 2 when a path does not exist. \
        With --seed S each test runs alone on one worker under the schedule of seed S, on a \
        virtual clock (--timeout counts virtual time); --explore N searches N such \
        schedules per test (docs/CONCURRENCY.md).
        """
    )

    @Argument(help: "Test files, or directories searched recursively for `*_test.mal` (default: the current directory).")
    var paths: [String] = []

    @Option(help: "Seconds a test may run before it fails as timed out.")
    var timeout: Double = 10

    @Option(help: "How many tests run at once (default: twice the CPUs).")
    var jobs: Int?

    @Option(help: "Run only the tests whose name contains this text.")
    var filter: String?

    @Option(help: ArgumentHelp("Run each test under N deterministic schedules chosen to reach rare interleavings, on every core (--jobs processes), and stop at the first failure with the seed that replays it (with --seed S: explore from base seed S).",
                               valueName: "N"))
    var explore: Int?

    @OptionGroup(title: "Legion runtime") var runtime: RuntimeOptions

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let explore, explore < 1 { throw ValidationError("--explore must be at least 1 schedule, got \(explore)") }
    }

    func run() throws {
        let legions = try runtime.settings()
        // Exploring runs one process per core; plain runs twice the CPUs in tests at once.
        let parallelism = jobs ?? (explore != nil ? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) : TestRunner.defaultParallelism)
        var options = TestRunner.Options(timeout: timeout, parallelism: parallelism, filter: filter, legions: legions)
        options.explore = explore
        let status = TestRunner(options: options).run(paths: paths.isEmpty ? ["."] : paths)
        if status != 0 { throw ExitCode(status) }
    }
}
