import ArgumentParser
import CLegion
import CMalphasSync
import Glibc
import MalphasCompiler
import MalphasREPL
import MalphasSyntax
import MalphasVM

/// `malphas`: the root command. A first argument that is not a subcommand is a file to run,
/// so `malphas prog.mal` is `malphas run prog.mal`.
struct MalphasCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "malphas",
        abstract: "Run Malphas programs: Rust-like syntax, Go-like legions and channels.",
        version: "malphas \(version)",
        subcommands: [RunCommand.self, CheckCommand.self, DisasmCommand.self, TestCommand.self, ReplCommand.self,
                      FormatCommand.self, LanguageServerCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// The program to work on, as named on the command line.
struct SourceOptions: ParsableArguments {
    @Argument(help: "The program to read (`-` for standard input).")
    var file: String

    /// Loads the program into a new source map, or prints why it cannot and exits with status 2.
    func load() throws -> (SourceMap, SourceFileID) {
        let sources = SourceMap()
        do {
            let bytes = try SourceReader.read(path: file)
            let name = file == "-" ? "<stdin>" : file
            return (sources, sources.add(SourceFile(name: name, bytes: bytes)))
        } catch let error as SourceReader.Failure {
            printError("error: \(error.description)")
            throw ExitCode(Interpreter.compileErrorStatus)
        }
    }

    /// Compiles the program, printing its diagnostics and exiting with status 2 on failure.
    func compile() throws -> CompiledProgram {
        let (sources, id) = try load()
        switch Interpreter.compile(id, in: sources) {
        case .success(let program):
            // Warnings (a match on ints without a catch-all) are shown and never fatal.
            if !program.warnings.isEmpty { printError(DiagnosticRenderer(sources: sources).render(program.warnings), terminator: "") }
            return program
        case .failure(let failure):
            printError(Interpreter.render(failure, sources: sources), terminator: "")
            throw ExitCode(Interpreter.compileErrorStatus)
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compile and run a program; its exit status is the program's."
    )

    @OptionGroup var source: SourceOptions

    @Option(name: .customLong("max-depth"), help: "The deepest Malphas call nesting before `stack overflow`.")
    var maxDepth: Int?

    // Limits for running untrusted or generated programs (fuzzing, sandboxes); shown by
    // --help-hidden. They override MALPHAS_BUDGET and MALPHAS_TIME_LIMIT.
    @Option(name: .customLong("budget"),
            help: ArgumentHelp("End the program after N function calls and loop iterations (all legions together).",
                               valueName: "N", visibility: .hidden))
    var budget: Int?

    @Option(name: .customLong("time-limit"),
            help: ArgumentHelp("End the program after MS milliseconds of wall-clock time.",
                               valueName: "MS", visibility: .hidden))
    var timeLimit: Int?

    @OptionGroup var runtime: RuntimeOptions

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the program (`args()`).")
    var programArguments: [String] = []

    func run() throws {
        let legions = try runtime.settings()
        let program = try source.compile()
        var options = RunOptions.fromEnvironment(args: [source.file] + programArguments)
        if let depth = maxDepth {
            guard depth > 0 else { throw ValidationError("--max-depth must be positive") }
            options.maxDepth = depth
        }
        if let n = budget {
            guard n > 0 else { throw ValidationError("--budget must be positive") }
            options.instructionBudget = n
        }
        if let ms = timeLimit {
            guard ms > 0 else { throw ValidationError("--time-limit must be a positive number of milliseconds") }
            options.timeLimit = .milliseconds(ms)
        }
        options.legions = legions
        options.interrupt = installInterruptHandlers()
        let status = Interpreter.run(program, options: options)
        if status != 0 { throw ExitCode(status) }
    }
}

/// Where SIGINT and SIGTERM write their number (a C signal handler captures nothing).
private var interruptWord: UnsafeMutablePointer<UInt32>?

/// Makes Ctrl-C (SIGINT) and SIGTERM end a running program the orderly way, output
/// flushed (`RunOptions.interrupt`). The handlers are one-shot: a second Ctrl-C, for a
/// program stuck in a long native operation, ends the process at once.
private func installInterruptHandlers() -> UnsafeMutablePointer<UInt32> {
    let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    word.initialize(to: 0)
    interruptWord = word
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { signal in
        // Any thread may take the signal; the waiting thread reads the word.
        if let word = interruptWord { mal_store_release_u32(word, UInt32(signal)) }
    }
    sigemptyset(&action.sa_mask)
    action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
    for signal in [SIGINT, SIGTERM] {
        var old = sigaction()
        sigaction(signal, nil, &old)
        // A shell that started us in the background ignores SIGINT for us: keep that.
        if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { continue }
        sigaction(signal, &action, nil)
        // A parent may have started us with the signal blocked; the mask is inherited
        // (and passed on to the workers, which this thread starts).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, signal)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
    return word
}

/// How legions run: the legion runtime's options (DESIGN 3.3-3.5).
struct RuntimeOptions: ParsableArguments {
    @Option(name: .customLong("workers"),
            help: ArgumentHelp("Worker threads running legions (default: MALPHAS_WORKERS, else one per CPU).",
                               valueName: "N"))
    var workers: Int?

    @Option(name: .customLong("time-slice"),
            help: ArgumentHelp("Milliseconds a legion runs before it is preempted at a safe point (default 10).",
                               valueName: "MS"))
    var timeSlice: Double?

    @Option(name: .customLong("stack-size"),
            help: ArgumentHelp("Native stack size of a legion, e.g. 256K or 1M (default 256K).", valueName: "SIZE"))
    var stackSize: String?

    @Option(name: .customLong("context"), help: ArgumentHelp("Context switch: asm or ucontext.", valueName: "asm|ucontext"))
    var context: String?

    @Option(name: .customLong("preempt"),
            help: ArgumentHelp("Preemption of long-running legions: on, off or signal.", valueName: "on|off|signal"))
    var preempt: String?

    @Option(name: .customLong("steal"),
            help: ArgumentHelp("How idle workers choose whom to steal from: random, most-loaded or off.",
                               valueName: "random|most-loaded|off"))
    var steal: String?

    @Option(name: .customLong("stackless"),
            help: ArgumentHelp("Parked legions give their native stack back: on or off.", valueName: "on|off"))
    var stackless: String?

    @Option(name: .customLong("max-legions"),
            help: ArgumentHelp("The most legions alive at once; a spawn past it is a runtime error (default: MALPHAS_MAX_LEGIONS, else one per 2 KiB of memory, at most 10 million).",
                               valueName: "N"))
    var maxLegions: Int?

    @Option(name: .customLong("seed"),
            help: ArgumentHelp("Run on one worker under the deterministic schedule of seed N, on a virtual clock (default: MALPHAS_SEED): the same seed replays the same interleaving.",
                               valueName: "N"))
    var seed: String?

    @Flag(name: .customLong("stats"), help: "Print the runtime's per-worker counters on stderr at exit.")
    var stats = false

    @Option(name: .customLong("trace"),
            help: ArgumentHelp("Write a Chrome trace-event JSON file (open it in Perfetto): one track per worker, one slice per legion run.",
                               valueName: "FILE"))
    var trace: String?

    /// A count given by `option` (`value`), else by the environment variable, checked
    /// against `range`; nil when neither gives one.
    static func count(_ value: Int?, option: String, environment name: String, in range: ClosedRange<Int>) throws -> Int? {
        let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                                                 : "between \(range.lowerBound) and \(range.upperBound)"
        if let n = value {
            guard range.contains(n) else { throw ValidationError("\(option) must be \(bounds), got \(n)") }
            return n
        }
        guard let text = getenv(name).map({ String(cString: $0) }), !text.isEmpty else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw ValidationError("\(name) must be a number \(range.upperBound == Int.max ? "of " : "")\(bounds), got `\(text)`")
        }
        return n
    }

    /// The settings, validated; a bad value is a usage error naming the option.
    func settings() throws -> LegionSettings {
        var s = LegionSettings()
        func set(_ option: String, _ key: String, _ value: String, _ expected: String) throws {
            do { try s.set(key, value) } catch {
                throw ValidationError("invalid value `\(value)` for \(option): expected \(expected)")
            }
        }
        if let n = try RuntimeOptions.count(workers, option: "--workers", environment: "MALPHAS_WORKERS", in: 1...1024) {
            try set("--workers", "workers", String(n), "a count of worker threads")
        }
        if let ms = timeSlice {
            guard ms.isFinite, ms >= 0.05, ms <= 60_000 else {
                throw ValidationError("--time-slice must be between 0.05 and 60000 milliseconds, got \(ms)")
            }
            try set("--time-slice", "time-slice-us", String(Int((ms * 1000).rounded())), "milliseconds")
        }
        if let size = stackSize {
            let bytes = lg_parse_size(size)
            // Up to 64G: a native stack is address space, committed only as it is used.
            guard bytes >= 16 * 1024 && bytes <= 64 << 30 else {
                throw ValidationError("invalid value `\(size)` for --stack-size: expected a size between 16K and 64G, e.g. 256K or 1M")
            }
            try set("--stack-size", "stack-size", String(bytes), "a size such as 256K or 1M")
        }
        if let v = context { try set("--context", "context", v, "asm or ucontext") }
        if let v = preempt { try set("--preempt", "preempt", v, "on, off or signal") }
        if let v = steal { try set("--steal", "steal", v, "random, most-loaded or off") }
        if let v = stackless { try set("--stackless", "stackless", v, "on or off") }
        if let n = try RuntimeOptions.count(maxLegions, option: "--max-legions", environment: "MALPHAS_MAX_LEGIONS",
                                            in: 1...Int.max) {
            s.maxLegions = n
        }
        if let text = seed ?? getenv("MALPHAS_SEED").map({ String(cString: $0) }), !text.isEmpty {
            guard UInt64(text) != nil else {
                let source = seed != nil ? "--seed" : "MALPHAS_SEED"
                throw ValidationError("invalid value `\(text)` for \(source): expected a seed between 0 and \(UInt64.max)")
            }
            try set("--seed", "seed", text, "a seed")
        }
        s.printStats = stats
        s.tracePath = trace
        return s
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report compile errors without running the program."
    )

    @OptionGroup var source: SourceOptions

    func run() throws {
        _ = try source.compile()
    }
}

struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Print the program's bytecode, function by function."
    )

    @OptionGroup var source: SourceOptions

    func run() throws {
        let program = try source.compile()
        print(Interpreter.disassemble(program), terminator: "")
    }
}

struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Start an interactive session (what `malphas` with no arguments does).",
        discussion: """
            On a terminal: line editing, history (~/.malphas_history, or MALPHAS_HISTORY), Tab \
            completion; `:help` lists the commands. With standard input not a terminal, the \
            inputs are read from it without prompts; the exit status is 2 if any input failed \
            to compile, 1 if any failed at run time, 0 otherwise.
            """
    )

    @Option(name: .customLong("max-depth"), help: "The deepest Malphas call nesting before `stack overflow`.")
    var maxDepth: Int?

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        var options = RunOptions.fromEnvironment()
        options.legions = try runtime.settings()
        if let depth = maxDepth {
            guard depth > 0 else { throw ValidationError("--max-depth must be positive") }
            options.maxDepth = depth
        }
        let status = isatty(STDIN_FILENO) == 1
            ? ReplTerminal.run(options: options, banner: "Malphas \(MalphasCommand.version): :help for help, Ctrl-D to leave")
            : PipedRepl.run(options: options)
        if status != 0 { throw ExitCode(status) }
    }
}

func printError(_ text: String, terminator: String = "\n") {
    var out = text + terminator
    out.withUTF8 { buffer in _ = fwrite(buffer.baseAddress, 1, buffer.count, stderr) }
    fflush(stderr)
}
