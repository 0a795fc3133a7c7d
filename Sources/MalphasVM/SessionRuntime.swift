// The VM side of an interactive session (the REPL): one loaded program that grows with
// each input, and one scheduler and one VM that outlive the inputs, so legions spawned by
// one input keep running while later inputs are typed and evaluated.
//
// An input runs as the *focus* legion: `evaluate` runs the scheduler until the focus
// finishes, fails, deadlocks or is interrupted, running other legions beside it. Between
// inputs the REPL calls `runBackground` in short slices while it waits for keys.
//
// Interrupts (Ctrl-C) travel on the preempt flag the safe points poll (DESIGN 3.4):
// `requestInterrupt` sets the interrupt byte and the preempt byte, two plain stores, so a
// signal handler may do it. The VM yields at its next safe point; the scheduler sees the
// interrupt request and discards the focus, and the evaluation ends `.interrupted`.
//
// Time slices: the scheduler's ticker thread sets the same preempt flag every 10 ms once a
// legion has been spawned, so a busy legion yields to the others and to the prompt.
//
// Threads: everything but `requestInterrupt` is called on one thread, the REPL's.

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

    /// What the legions of the session are doing, after a background slice.
    public enum BackgroundState: Equatable {
        /// Legions are ready to run: call again soon.
        case busy
        /// Nothing is ready; a sleeper wakes at this monotonic time in ms (nil: none sleeps).
        case idle(nextWakeMs: Int64?)
        /// A legion called `exit(n)`: the session should end with status n.
        case exited(Int32)
    }

    /// One live legion, for `:legions`.
    public struct LegionSummary {
        public var id: Int
        /// `ready`, `sleeping (N ms left)` or `blocked receiving from a channel` and the like.
        public var state: String
        /// `file:line` of the code it is at.
        public var location: String
    }

    let compiled: CompiledProgram
    let loaded: LoadedProgram
    let scheduler = CooperativeScheduler()
    let vm: VM
    let context: BuiltinContext
    /// Code objects replaced by redefinitions: frames may still run them (they refer to
    /// their code unretained), so they live as long as the session.
    private var replacedCodes: [CodeObject] = []
    /// The byte the VM polls at safe points (the scheduler's). Written by its ticker, by
    /// `requestInterrupt` (any thread, signal handlers) and by the REPL thread.
    public var preemptFlag: UnsafeMutablePointer<UInt8> { scheduler.preemptFlag }
    /// Set by `requestInterrupt`; read and cleared by the REPL thread.
    public let interruptFlag: UnsafeMutablePointer<UInt8>
    /// Counters for `:stats`.
    public private(set) var evaluations = 0
    public private(set) var interruptions = 0
    public private(set) var backgroundFailures = 0
    /// Set when a background legion calls `exit(n)`.
    private var exitStatus: Int32?
    private var stackGrowths = 0
    private var stackShrinks = 0

    /// A runtime for `program`, which a `SessionCompiler` extends; call `synchronize`
    /// after each input it compiles.
    public init(program: CompiledProgram, options: RunOptions) {
        compiled = program
        loaded = LoadedProgram(program)
        context = BuiltinContext(output: options.output, errorOutput: options.errorOutput,
                                 input: options.input, args: options.args)
        vm = VM(program: loaded, context: context, scheduler: scheduler, maxDepth: options.maxDepth,
                suspendEverySafePoint: options.suspendEverySafePoint)
        interruptFlag = .allocate(capacity: 1)
        interruptFlag.initialize(to: 0)
        vm.preemptFlag = scheduler.preemptFlag
    }

    deinit {
        loaded.tearDown()
        // The interrupt byte is not freed: a signal handler may still hold its address.
    }

    /// Stops the session's legions and its ticker, for a session that is replaced but
    /// kept (its flags' addresses may still be in a signal handler).
    public func retire() {
        scheduler.retire()
    }

    /// Loads what the compiler added to the program since the last call: new functions
    /// and types, and new bodies of redefined functions. Inline caches are emptied (type
    /// ids and method tables may have changed).
    public func synchronize() {
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

    /// Runs function `index` (an input's code, no parameters) as the focus legion, with
    /// the session's other legions beside it.
    public func evaluate(function index: Int) -> Outcome {
        interruptFlag.pointee = 0
        preemptFlag.pointee = 0
        let focus = scheduler.newLegion()
        focus.start(loaded.closure(forFunction: index), args: [])
        let stop = scheduler.runSession(vm: vm, focus: focus, deadlineMs: nil, stop: pollFlags,
                                        backgroundFailure: reportBackgroundFailure)
        evaluations += 1
        stackGrowths += focus.stackGrowths
        stackShrinks += focus.stackShrinks
        interruptFlag.pointee = 0
        preemptFlag.pointee = 0
        if let status = exitStatus { return .exit(status) }
        switch stop {
        case .focusFinished(let value):
            context.flush()
            return .value(value)
        case .focusFailed(let failure):
            context.flush()
            if case .exit(let status) = failure.error.kind { return .exit(status) }
            return .failed(report: Interpreter.report(failure, mainID: focus.id))
        case .focusDeadlocked:
            let text = "deadlock: this input is blocked \(describe(focus.blockedReason)) at \(vm.blockedLocation(focus))"
                + " and no legion can wake it\n"
            scheduler.discard(focus)
            context.flush()
            return .deadlocked(report: text)
        case .stopped:
            interruptions += 1
            context.flush()
            return .interrupted
        case .idle, .sliceEnded:
            // Only returned when there is no focus.
            context.flush()
            return .value(.unit)
        }
    }

    /// Runs the session's legions for up to `ms` milliseconds, or until none is ready or
    /// an interrupt is requested (the flag is left set for the caller).
    public func runBackground(forMs ms: Int) -> BackgroundState {
        let stop = scheduler.runSession(vm: vm, focus: nil, deadlineMs: CooperativeScheduler.monotonicMs() + Int64(ms),
                                        stop: pollFlags, backgroundFailure: reportBackgroundFailure)
        context.flush()
        if let status = exitStatus { return .exited(status) }
        switch stop {
        case .idle(let wake): return .idle(nextWakeMs: wake)
        default: return .busy
        }
    }

    /// Asks the running evaluation to stop at its next safe point. Callable from any
    /// thread and from a signal handler (two plain byte stores).
    public func requestInterrupt() {
        interruptFlag.pointee = 1
        preemptFlag.pointee = 1
    }

    /// Before each run of a legion: an interrupt (or an exit) ends the evaluation; a time
    /// slice just ends (the legion already went to the back of the queue), so the flag is
    /// cleared. Checked again after clearing: an interrupt that came in between must keep
    /// the flag set, or a lone busy legion would never see it.
    private func pollFlags() -> Bool {
        if interruptFlag.pointee != 0 || exitStatus != nil { return true }
        preemptFlag.pointee = vm.suspendEverySafePoint ? 1 : 0
        if interruptFlag.pointee != 0 { preemptFlag.pointee = 1 }
        return false
    }

    private func reportBackgroundFailure(_ failure: RuntimeFailure) {
        backgroundFailures += 1
        context.output.flush()
        if case .exit(let status) = failure.error.kind {
            // `exit(n)` in any legion ends the session, as it ends a program.
            if exitStatus == nil { exitStatus = status }
            return
        }
        context.errorOutput.write(Interpreter.report(failure, mainID: -1))
        context.errorOutput.flush()
    }

    private func describe(_ reason: BlockReason?) -> String {
        switch reason {
        case .send?: return "sending on a channel"
        case .receive?: return "receiving from a channel"
        case .select?: return "in a select"
        case .sleep?: return "sleeping"
        case nil: return "forever"
        }
    }

    // MARK: Session state

    /// The values of the global slots (session variables and constants), to put back
    /// after an input fails.
    public var globalValues: [Value] {
        get { loaded.globals }
        set {
            for i in newValue.indices where i < loaded.globals.count { loaded.globals[i] = newValue[i] }
        }
    }

    /// The value in global slot `slot`.
    public func globalValue(_ slot: Int) -> Value {
        slot < loaded.globals.count ? loaded.globals[slot] : .nil
    }

    /// Live legions spawned by earlier inputs, by id.
    public var legions: [LegionSummary] {
        scheduler.sessionLegions().map { entry in
            let l = entry.legion
            var state = entry.state
            if state == "blocked" { state = "blocked \(describe(l.blockedReason))" }
            return LegionSummary(id: l.id, state: state, location: location(of: l, ready: entry.state == "ready"))
        }
    }

    /// `file:line` where a live legion is: the instruction it blocked at, or the one it
    /// resumes at.
    private func location(of legion: LegionState, ready: Bool) -> String {
        if !ready { return vm.blockedLocation(legion) }
        guard legion.frameCount > 0 else { return "<finished>" }
        let frame = legion.frames[legion.frameCount - 1]
        let code = frame.code.takeUnretainedValue()
        return "\(compiled.sources.file(code.proto.file)?.name ?? "<unknown>"):\(code.line(at: frame.pc))"
    }

    /// Counters for `:stats`, as (name, value) rows.
    public var statistics: [(String, String)] {
        let live = scheduler.sessionLegions()
        return [
            ("scheduler", "cooperative (one OS thread, 10 ms time slices once legions are spawned)"),
            ("evaluations", "\(evaluations)"),
            ("interrupted evaluations", "\(interruptions)"),
            ("functions loaded", "\(loaded.codes.count)"),
            ("function bodies replaced", "\(replacedCodes.count)"),
            ("struct types", "\(loaded.structTypes.count)"),
            ("enum types", "\(loaded.enumTypes.count)"),
            ("global slots", "\(loaded.globals.count)"),
            ("legions created", "\(scheduler.legionsCreated)"),
            ("legions live", "\(live.count)"),
            ("legions failed in the background", "\(backgroundFailures)"),
            ("VM stack growths / shrinks", "\(stackGrowths + live.reduce(0) { $0 + $1.legion.stackGrowths })"
                + " / \(stackShrinks + live.reduce(0) { $0 + $1.legion.stackShrinks })"),
        ]
    }
}
