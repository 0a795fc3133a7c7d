// The VM side of an interactive session (the REPL): one loaded program that grows with
// each input, and one VM and one legion runtime that outlive the inputs, so legions
// spawned by one input keep running (on the runtime's workers) while later inputs are
// typed and evaluated.
//
// An input runs as the *focus* legion: `evaluate` waits until the focus finishes, fails,
// deadlocks or is interrupted (`LegionRuntime.runFocus`); the session's other legions
// run beside it and go on running afterwards.
//
// Interrupts (Ctrl-C): `requestInterrupt` sets one byte, so a signal handler may call it.
// The thread waiting for the focus polls the byte; it then preempts every worker (the
// preempt flags the safe points poll, DESIGN 3.4) and the focus ends at its next safe
// point. The evaluation ends `.interrupted`.
//
// Loading new code (`synchronize`) happens with the world paused (`SessionControl.pause`):
// workers read those tables.
//
// Session variables are global slots, and global slots belong to a legion
// (`LegionState.globals`): legions share nothing. The session keeps the variables'
// values between inputs (`loaded.globals`, touched by the REPL's thread only); an input's
// focus legion starts with them and, when it finishes, what it leaves becomes the
// session's. A legion spawned by the focus (or by any legion) gets its own copy, as they
// are at the spawn: a function it runs reads and writes that copy, never the session's.
// The copies are copy-on-write, so a spawn costs O(1) and a write copies the slots once.
// An input that fails or is interrupted leaves nothing behind.
//
// Threads: everything but `requestInterrupt` is called on one thread, the REPL's.

import CLegion
import CMalphasSync
import Glibc
import MalphasCompiler
import MalphasSyntax

public final class SessionRuntime {
    /// How one evaluation ended.
    public enum Outcome {
        /// The input's value (`()` for an input without a final expression).
        case value(Value)
        /// A runtime error or panic, as the report to print.
        case failed(report: String)
        /// `exit(n)` was called: the session should end with status n.
        case exit(Int32)
        /// Ctrl-C (or `requestInterrupt`) stopped it.
        case interrupted
        /// The input is blocked and no legion can ever wake it: the report to print.
        case deadlocked(report: String)
    }

    /// What the legions of the session are doing, seen between inputs.
    public enum BackgroundState: Equatable {
        /// Nothing needs the caller before this monotonic time in ms (nil: nothing at all).
        case idle(nextWakeMs: Int64?)
        /// A legion called `exit(n)`: the session should end with status n.
        case exited(Int32)
    }

    /// One live legion, for `:legions`.
    public struct LegionSummary {
        public var id: Int
        /// `ready or running`, `sleeping`, `blocked receiving from a channel` and the like.
        public var state: String
        /// `file:line` of the code it is at.
        public var location: String
    }

    let compiled: CompiledProgram
    let loaded: LoadedProgram
    let runtime: LegionRuntime
    let control: SessionControl
    let vm: VM
    let context: BuiltinContext
    /// Where `read_line` reads; its hooks are the session's until `end`.
    private let input: Input
    /// Code objects replaced by redefinitions: frames may still run them (they refer to
    /// their code unretained), so they live as long as the session.
    private var replacedCodes: [CodeObject] = []
    /// Set by `requestInterrupt` (any thread, signal handlers); read and cleared by the
    /// REPL thread. Never freed: a signal handler may hold its address.
    public let interruptFlag: UnsafeMutablePointer<UInt8>
    /// Counters for `:stats`.
    public private(set) var evaluations = 0
    public private(set) var interruptions = 0
    private let backgroundFailureCount: UnsafeMutablePointer<Int64>

    /// A runtime for `program`, which a `CompilerSession` extends; call `synchronize`
    /// after each input it compiles.
    public init(program: CompiledProgram, options: RunOptions) {
        compiled = program
        loaded = LoadedProgram(program)
        let context = BuiltinContext(output: options.output, errorOutput: options.errorOutput,
                                     input: options.input, args: options.args)
        self.context = context
        runtime = LegionRuntime(settings: options.legions)
        let failures = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
        failures.initialize(to: 0)
        backgroundFailureCount = failures
        control = SessionControl(backgroundFailure: { failure in
            _ = mal_fetch_add_i64(failures, 1)
            context.output.flush()
            context.errorOutput.write(Interpreter.report(failure, mainID: -1))
            context.errorOutput.flush()
        })
        runtime.session = control
        // As in a program, a read that may block gives the worker's other legions to
        // another thread; the waiting legion does not hold up a pause; an interrupted
        // legion waiting for input gives up.
        options.input.willBlock = { [unowned control] in
            control.leaveForBlockingCall()
            lg_blocking_enter()
        }
        options.input.didBlock = { [unowned control] in
            lg_blocking_exit()
            control.returnFromBlockingCall()
        }
        options.input.isCancelled = { [unowned runtime, unowned control] in
            runtime.isAborting || control.isCurrentLegionCancelled()
        }
        input = options.input
        vm = VM(program: loaded, context: context, runtime: runtime, maxDepth: options.maxDepth,
                suspendEverySafePoint: options.suspendEverySafePoint)
        runtime.vm = vm
        interruptFlag = .allocate(capacity: 1)
        interruptFlag.initialize(to: 0)
    }

    deinit {
        end()
        loaded.tearDown()
        backgroundFailureCount.deallocate()
    }

    /// Stops the runtime and drops every legion (the end of the session; also what
    /// `deinit` does). The runtime is one per process: a new session can start after this.
    public func end() {
        runtime.endSession(errorOutput: context.errorOutput)
        input.isCancelled = nil
        input.willBlock = nil
        input.didBlock = nil
    }

    /// Loads what the compiler added to the program since the last call: new functions
    /// and types, and new bodies of redefined functions. Inline caches are emptied (type
    /// ids and method tables may have changed). The world is paused meanwhile.
    public func synchronize() {
        control.whilePaused {
            var replaced: [Int] = []
            for i in loaded.codes.indices where loaded.codes[i].proto !== compiled.functions[i] {
                replacedCodes.append(loaded.codes[i])
                let code = CodeObject(proto: compiled.functions[i])
                code.makeValue()
                loaded.codes[i] = code
                replaced.append(i)
            }
            loaded.load(from: loaded.codes.count, typesFrom: (loaded.structTypes.count, loaded.enumTypes.count))
            for i in replaced {
                let code = loaded.codes[i]
                for (j, k) in code.proto.constants.enumerated() { code.constants[j] = loaded.value(of: k) }
            }
            for code in loaded.codes {
                code.caches.update(repeating: 0, count: max(code.proto.sites.count, 1))
            }
        }
    }

    /// Runs function `index` (an input's code, no parameters) as the focus legion, on the
    /// session variables; if it finishes, the variables it leaves are the session's.
    public func evaluate(function index: Int) -> Outcome {
        mal_store_relaxed_u8(interruptFlag, 0)
        let ending = runtime.runFocus(entry: loaded.closure(forFunction: index), globals: loaded.globals,
                                      interrupt: interruptFlag)
        evaluations += 1
        mal_store_relaxed_u8(interruptFlag, 0)
        context.flush()
        switch ending {
        case .finished(let value, let globals):
            loaded.globals = globals
            return .value(value)
        case .failed(let failure):
            if case .exit(let status) = failure.error.kind { return .exit(status) }
            return .failed(report: Interpreter.report(failure, mainID: failure.legionID))
        case .deadlock(let focus):
            let location = control.whilePaused { vm.blockedLocation(focus) }
            return .deadlocked(report: "deadlock: this input is blocked \(describe(focus.blockedReason)) at \(location)"
                                       + " and no legion can wake it\n")
        case .interrupted:
            interruptions += 1
            return .interrupted
        case .notStarted(let reason):
            return .failed(report: "error: \(reason)\n")
        }
    }

    /// What the session's legions need from the caller between inputs: the end, if one
    /// called `exit(n)`. They run on the runtime's workers meanwhile; `ms` is how long
    /// the caller may wait before asking again.
    public func runBackground(forMs ms: Int) -> BackgroundState {
        if let exit = runtime.pendingExit, case .exit(let status) = exit.error.kind { return .exited(status) }
        return .idle(nextWakeMs: monotonicMs() + Int64(max(ms, 100)))
    }

    /// Waits until none of the session's legions can run any more (ready, running or
    /// sleeping): the end of a piped session. Returns `exit(n)`'s n if one called it.
    public func waitForLegions() -> Int32? {
        guard let exit = runtime.waitUntilQuiescent() else { return nil }
        if case .exit(let status) = exit.error.kind { return status }
        return nil
    }

    /// Asks the running evaluation to stop at its next safe point. Callable from any
    /// thread and from a signal handler (one byte store).
    public func requestInterrupt() {
        mal_store_relaxed_u8(interruptFlag, 1)
    }

    private func describe(_ reason: BlockReason?) -> String {
        switch reason {
        case .send?: return "sending on a channel"
        case .receive?: return "receiving from a channel"
        case .select?: return "in a select"
        case .sleep?: return "sleeping"
        case .io(let wait)?: return wait.description
        case nil: return "forever"
        }
    }

    private func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    // MARK: Session state

    /// Live legions spawned by earlier inputs, by id.
    public var legions: [LegionSummary] {
        control.whilePaused {
            runtime.liveLegions().map { l in
                LegionSummary(id: l.id, state: l.blockedReason.map { "blocked " + describe($0) } ?? "ready or running",
                              location: location(of: l))
            }
        }
    }

    /// `file:line` where a live legion is: the instruction it blocked at, or the one it
    /// resumes at.
    private func location(of legion: LegionState) -> String {
        if legion.blockedReason != nil { return vm.blockedLocation(legion) }
        guard legion.frameCount > 0 else { return "<finished>" }
        let frame = legion.frames[legion.frameCount - 1]
        let code = frame.code.takeUnretainedValue()
        return "\(compiled.sources.file(code.proto.file)?.name ?? "<unknown>"):\(code.line(at: frame.pc))"
    }

    /// Counters for `:stats`, as (name, value) rows.
    public var statistics: [(String, String)] {
        let live = control.whilePaused { runtime.liveLegions().count }
        return [
            ("workers", "\(lg_num_workers())"),
            ("evaluations", "\(evaluations)"),
            ("interrupted evaluations", "\(interruptions)"),
            ("functions loaded", "\(loaded.codes.count)"),
            ("function bodies replaced", "\(replacedCodes.count)"),
            ("struct types", "\(loaded.structTypes.count)"),
            ("enum types", "\(loaded.enumTypes.count)"),
            ("global slots", "\(loaded.globals.count)"),
            ("legions live", "\(live)"),
            ("legions failed in the background", "\(mal_load_relaxed_i64(backgroundFailureCount))"),
        ]
    }
}
