import ArgumentParser
import MalphasVM

/// `malphas test [PATH...]`: runs the `fn test_*()` functions of the `*_test.mal` files.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the tests of `*_test.mal` files: every `fn test_*()`, each in its own legion, in parallel.",
        discussion: """
        Prints `ok   FILE::TEST` or `FAILED FILE::TEST: MESSAGE at FILE:LINE` per test, then \
        `N passed, M failed`. Exits 1 when a test failed, 2 when a path does not exist.
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

    @OptionGroup(title: "Legion runtime") var runtime: RuntimeOptions

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be a positive number of seconds") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let legions = try runtime.settings()
        let options = TestRunner.Options(timeout: timeout, parallelism: jobs ?? TestRunner.defaultParallelism, filter: filter,
                                         legions: legions)
        let status = TestRunner(options: options).run(paths: paths.isEmpty ? ["."] : paths)
        if status != 0 { throw ExitCode(status) }
    }
}
