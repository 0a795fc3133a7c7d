// The driver API the CLI, the REPL and the tests call: compile a file, run a compiled
// program, disassemble it. Everything a run needs (output, input, arguments, limits,
// debug modes) comes in `RunOptions`, so a test can run a program in-process and read
// what it printed.

import CLegion
import Glibc
import MalphasCompiler
import MalphasSyntax

/// How to run a program.
public struct RunOptions {
    /// The deepest Malphas call nesting before "stack overflow" (`MALPHAS_MAX_DEPTH`).
    public var maxDepth: Int
    /// Debug mode proving the suspend/resume contract: every safe point returns to the
    /// scheduler, which resumes the legion (`MALPHAS_SUSPEND_EVERY_SAFEPOINT=1`).
    public var suspendEverySafePoint: Bool
    /// Emit safe-point checks (`MALPHAS_NO_SAFEPOINTS=1` turns them off; a compile option,
    /// read by `Interpreter.compile`).
    public var safePointsEnabled: Bool
    public var output: Output
    public var errorOutput: Output
    public var input: Input
    /// The program's arguments (`args()`).
    public var args: [String]
    /// The legion runtime's settings (workers, time slice, stacks, switches, stats, trace).
    public var legions: LegionSettings
    /// Safe points (function calls and loop iterations, all legions together) the program
    /// may pass before it ends with "instruction budget of N exhausted" (`MALPHAS_BUDGET`,
    /// `--budget`); nil: no limit. See RunLimits.swift.
    public var instructionBudget: Int?
    /// Wall-clock time the program may run before it ends with "time limit of N ms
    /// exceeded" (`MALPHAS_TIME_LIMIT` in milliseconds, `--time-limit`); nil: no limit.
    public var timeLimit: Duration?
    /// A word a signal handler sets to the signal's number (Ctrl-C's SIGINT, SIGTERM): the
    /// program then ends as it would on a failure, with "interrupted", its output flushed
    /// and status 128 + the number. The waiting thread looks at it every 50 ms.
    public var interrupt: UnsafeMutablePointer<UInt32>?

    public static let defaultMaxDepth = 2_000_000

    public init(maxDepth: Int = RunOptions.defaultMaxDepth, suspendEverySafePoint: Bool = false,
                safePointsEnabled: Bool = true, output: Output = .standardOutput,
                errorOutput: Output = .standardError, input: Input = .standardInput, args: [String] = [],
                legions: LegionSettings = LegionSettings(), instructionBudget: Int? = nil,
                timeLimit: Duration? = nil) {
        self.maxDepth = maxDepth
        self.suspendEverySafePoint = suspendEverySafePoint
        self.safePointsEnabled = safePointsEnabled
        self.output = output
        self.errorOutput = errorOutput
        self.input = input
        self.args = args
        self.legions = legions
        self.instructionBudget = instructionBudget
        self.timeLimit = timeLimit
    }

    /// Defaults overridden by `MALPHAS_MAX_DEPTH`, `MALPHAS_SUSPEND_EVERY_SAFEPOINT`,
    /// `MALPHAS_NO_SAFEPOINTS`, `MALPHAS_BUDGET` and `MALPHAS_TIME_LIMIT` (milliseconds).
    public static func fromEnvironment(args: [String] = []) -> RunOptions {
        var options = RunOptions(args: args)
        if let depth = environment("MALPHAS_MAX_DEPTH").flatMap(Int.init), depth > 0 { options.maxDepth = depth }
        options.suspendEverySafePoint = environment("MALPHAS_SUSPEND_EVERY_SAFEPOINT") == "1"
        options.safePointsEnabled = environment("MALPHAS_NO_SAFEPOINTS") != "1"
        if let budget = environment("MALPHAS_BUDGET").flatMap(Int.init), budget > 0 { options.instructionBudget = budget }
        if let ms = environment("MALPHAS_TIME_LIMIT").flatMap(Int64.init), ms > 0 { options.timeLimit = .milliseconds(ms) }
        return options
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// Compile, run and disassemble Malphas programs.
public enum Interpreter {
    /// Exit status of a program that ended with a runtime error or panic.
    public static let runtimeErrorStatus: Int32 = 1
    /// Exit status of a deadlock and of a compile error.
    public static let deadlockStatus: Int32 = 2
    public static let compileErrorStatus: Int32 = 2

    /// Parses, resolves and compiles the file `file` of `sources`, with the module files
    /// it declares and the standard library modules it names (from `library`). On
    /// failure, the diagnostics of every stage that ran (render them with
    /// `DiagnosticRenderer`). `entryPrefix` compiles a test file (`CompileOptions`).
    /// `analysis` keeps the front end's tables for tools (`FrontEndAnalysis`).
    /// Runs on a thread of its own with a large stack (`LargeStack`), whatever the caller's.
    public static func compile(_ file: SourceFileID, in sources: SourceMap,
                               safePoints: Bool = RunOptions.fromEnvironment().safePointsEnabled,
                               library: LibrarySource = StandardLibrary.current,
                               entryPrefix: String? = nil,
                               analysis: FrontEndAnalysis? = nil)
        -> Result<CompiledProgram, CompileFailure> {
        LargeStack.run {
            let parsed = Parser.parse(file, in: sources)
            if parsed.diagnostics.contains(where: { $0.severity == .error }) {
                let failure = CompileFailure(diagnostics: parsed.diagnostics)
                ASTRelease.release(consume parsed)
                return .failure(failure)
            }
            let modules = ModuleLoader(sources: sources, library: library).load(parsed.unit)
            ASTRelease.release(consume parsed)
            if modules.diagnostics.contains(where: { $0.severity == .error }) {
                let failure = CompileFailure(diagnostics: modules.diagnostics)
                LoadedModules.release(consume modules)
                return .failure(failure)
            }
            let preludeFile = sources.add(SourceFile(name: "<prelude>", text: Prelude.source))
            let prelude = Parser.parse(preludeFile, in: sources)
            precondition(prelude.diagnostics.isEmpty, "the prelude must parse: \(prelude.diagnostics)")
            let result = BytecodeCompiler.compile(modules.unit, prelude: prelude.unit, modules: modules, sources: sources,
                                                  options: CompileOptions(safePoints: safePoints, entryPrefix: entryPrefix),
                                                  analysis: analysis)
            // The compiler's references to the trees are gone; free them without recursion
            // (operator chains can make them far deeper than the nesting limit).
            LoadedModules.release(consume modules)
            return result
        }
    }

    /// Compiles source text given by name (tests, `-e`).
    public static func compile(source: String, name: String = "main.mal",
                               safePoints: Bool = RunOptions.fromEnvironment().safePointsEnabled)
        -> (SourceMap, Result<CompiledProgram, CompileFailure>) {
        let sources = SourceMap()
        let id = sources.add(SourceFile(name: name, text: source))
        return (sources, compile(id, in: sources, safePoints: safePoints))
    }

    /// Runs a compiled program to its end. Returns the exit status: what `main` returned
    /// if it returned an int (else 0), `exit(n)`'s n, 1 after a runtime error or panic
    /// (reported on `options.errorOutput`), 2 after a deadlock.
    public static func run(_ program: CompiledProgram, options: RunOptions) -> Int32 {
        let loaded = LoadedProgram(program)
        defer { loaded.tearDown() }
        let context = BuiltinContext(output: options.output, errorOutput: options.errorOutput,
                                     input: options.input, args: options.args)
        // A read that may block gives the worker's other legions to another thread.
        options.input.willBlock = { lg_blocking_enter() }
        options.input.didBlock = { lg_blocking_exit() }
        let runtime = LegionRuntime(settings: options.legions, budget: options.instructionBudget.map { SafePointBudget(total: $0) },
                                    timeLimit: options.timeLimit, interrupt: options.interrupt)
        // A legion waiting for input gives up (end of input) once the program is ending.
        options.input.isCancelled = { [unowned runtime] in runtime.isAborting }
        // Nothing else reads the descriptor here (a REPL's terminal has its own gate): a
        // legion waiting for a line parks on the poller instead of pinning a thread. Not
        // in a seeded schedule, whose one thread never idles to poll while a legion runs
        // on the virtual clock (and whose replays must not hang on when input arrives).
        options.input.parksOnPoller = options.input.readUnlessHeld == nil && !runtime.isSeeded
        defer {
            options.input.isCancelled = nil
            options.input.parksOnPoller = false
            options.input.forgetPoller() // the runtime, and its registration, have ended
        }
        let vm = VM(program: loaded, context: context, runtime: runtime, maxDepth: options.maxDepth,
                    suspendEverySafePoint: options.suspendEverySafePoint)
        runtime.vm = vm
        let ending = runtime.run(entry: loaded.closure(forFunction: program.entry), globals: loaded.globals,
                                 errorOutput: options.errorOutput)
        defer {
            context.flush()
            runtime.releaseLegions()
        }
        switch ending {
        case .finished(let value):
            context.output.flush()
            if case .int(let status) = value { return Int32(truncatingIfNeeded: status) }
            return 0
        case .failed(let failure):
            context.output.flush()
            if case .exit(let status) = failure.error.kind { return status }
            if let signal = runtime.interruptingSignal {
                options.errorOutput.write("interrupted\n")
                options.errorOutput.flush()
                return 128 + Int32(signal)
            }
            options.errorOutput.write(report(failure, mainID: 1))
            options.errorOutput.flush()
            return runtimeErrorStatus
        case .deadlock(let legions):
            context.output.flush()
            options.errorOutput.write(deadlockReport(legions, main: runtime.main, vm: vm))
            options.errorOutput.flush()
            return deadlockStatus
        case .notStarted(let reason):
            context.output.flush()
            options.errorOutput.write("error: \(reason)\n")
            options.errorOutput.flush()
            return runtimeErrorStatus
        }
    }

    /// The report of a deadlock: every blocked legion with the line it waits at.
    static func deadlockReport(_ legions: [LegionState], main: LegionState?, vm: VM) -> String {
        var text = "deadlock: all legions are blocked and none can run again\n"
        for l in legions {
            let who = l === main ? "legion \(l.id) (main)" : "legion \(l.id)"
            text += "  \(who) is blocked \(describe(l.blockedReason)) at \(vm.blockedLocation(l))\n"
        }
        return text
    }

    static func describe(_ reason: BlockReason?) -> String {
        switch reason {
        case .send?: return "sending on a channel"
        case .receive?: return "receiving from a channel"
        case .select?: return "in a select"
        case .sleep?: return "sleeping"
        case .io(let wait)?: return wait.description
        case nil: return "forever"
        }
    }

    /// The report of a runtime error: the message (naming the legion unless it is main),
    /// then the Malphas stack trace, innermost call first; a trace deeper than 20 frames
    /// shows its first and last 10.
    public static func report(_ failure: RuntimeFailure, mainID: Int) -> String {
        let inMain = failure.legionID == mainID
        var text: String
        switch failure.error.kind {
        case .panic:
            text = inMain ? "panicked: \(failure.error.message)\n" : "legion \(failure.legionID) panicked: \(failure.error.message)\n"
        default:
            text = inMain ? "error: \(failure.error.message)\n" : "error in legion \(failure.legionID): \(failure.error.message)\n"
        }
        if failure.isStackOverflow {
            text += "help: if the recursion is meant to go this deep, raise the limit with MALPHAS_MAX_DEPTH=<calls>\n"
        }
        let frames = failure.trace.filter { $0.function != "<entry>" }
        // A run stopped from outside (its time limit) has no legion to blame.
        if frames.isEmpty { return text }
        text += "stack trace (innermost call first):\n"
        func line(_ f: (function: String, file: String, line: Int)) -> String {
            "    at \(f.function) (\(f.file):\(f.line))\n"
        }
        if frames.count > 20 {
            for f in frames.prefix(10) { text += line(f) }
            text += "    ... \(frames.count - 20) frames omitted ...\n"
            for f in frames.suffix(10) { text += line(f) }
        } else {
            for f in frames { text += line(f) }
        }
        return text
    }

    /// The program's bytecode, function by function (`malphas disasm`).
    public static func disassemble(_ program: CompiledProgram) -> String {
        Disassembler.disassemble(program)
    }

    /// Compile errors rendered as rustc does, ready to print on stderr.
    public static func render(_ failure: CompileFailure, sources: SourceMap) -> String {
        DiagnosticRenderer(sources: sources).render(failure.diagnostics)
    }
}

/// Functions written in Malphas that the VM calls in place of builtin methods taking a
/// Malphas function, so the callback runs as ordinary frames: it can suspend at safe
/// points and block on channels like any code.
enum Prelude {
    static let source = """
    fn __prelude_map[T, U](v: Vec[T], f: fn(T) -> U) -> Vec[U] {
        let mut out = [];
        for x in v { out.push(f(x)); }
        out
    }
    fn __prelude_filter[T](v: Vec[T], f: fn(T) -> bool) -> Vec[T] {
        let mut out = [];
        for x in v { if f(x) { out.push(x); } }
        out
    }
    """
}
