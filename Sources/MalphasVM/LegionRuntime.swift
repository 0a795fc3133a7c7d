// The legion bridge: how Malphas legions run on CLegion, the M:N runtime (DESIGN 3, 4).
//
// Every Malphas legion, main included, is a resumable runtime legion
// (`lg_spawn_resumable`) whose user pointer is its `LegionState`, retained for as long as
// the runtime may call its step. Each time a worker schedules it, the step resumes
// `VM.run(legion)` with the running worker's preempt flag as the safe-point flag, and
// turns what `run` returns into what the runtime understands:
//
//   finished            -> LG_STEP_DONE (main's value is kept and the waiter woken)
//   yielded             -> LG_STEP_YIELD (a safe point found the flag set, or yield_now)
//   blocked on channels -> LG_STEP_PARK with a commit that releases the channel locks the
//                          legion queued itself under, after it has left its native stack:
//                          a parked legion holds no native stack, and a counterpart that
//                          takes the lock next may ready it at once (no lost wakeup)
//   blocked in sleep    -> LG_STEP_PARK with a deadline (`lg_park_deadline`)
//   blocked on I/O      -> LG_STEP_PARK on the descriptor (`lg_poll_park_commit`, std::net)
//   failed              -> LG_STEP_DONE, and the whole program aborts (below)
//
// A counterpart that completes a parked legion's operation writes the outcome into the
// legion's `completion` and calls `lg_ready` (which from a worker puts the legion in that
// worker's runnext slot: a channel hand-off runs the receiver next, on the same core).
//
// Program end (LANGUAGE 6). The thread that called `Interpreter.run` is not a worker: it
// spawns main and waits in `lg_wait`. Main's last step wakes it; it then waits for
// quiescence (nothing runnable, running, sleeping or in a blocking call), so legions that
// can still run keep the program alive and legions blocked forever do not. Quiescence
// while main has not finished is a deadlock: every legion still alive is parked on a
// channel, and the registry of live legions lists them with where they wait.
//
// Errors. A runtime error, a panic or `exit(n)` in any legion sets the abort word, asks
// every worker to stop at its next safe point (`lg_preempt_all`) and wakes the waiter;
// every legion's next step then ends at once. The waiter shuts the runtime down and
// `Interpreter.run` reports the failure and returns 1 (or n): no worker calls `_exit`,
// so programs can run in-process, many times over (the tests do).
//
// Threads and ownership: `current` is written by the waiting thread before `lg_start` and
// cleared after `lg_shutdown` (the runtime's thread start and join order it against the
// workers). The abort word, main's result and the failure are guarded by `endLock` or
// atomics; the registry by its shard locks.

import CLegion
import CMalphasSync
import Glibc

/// The legion runtime's settings for a run: the CLI's --workers, --stack-size,
/// --time-slice, --context, --preempt, --steal, --stackless, --stats and --trace.
public struct LegionSettings {
    /// Runtime switches by the names of `lg_config_set`, validated when set.
    public private(set) var switches: [(key: String, value: String)] = []
    /// Print the runtime's per-worker counters (and the VM's stack counters) at exit.
    public var printStats = false
    /// Write a Chrome trace-event file of which legion ran on which worker when.
    public var tracePath: String?
    /// The most legions alive at once; a spawn past it is a runtime error at the spawn,
    /// where runaway spawning would otherwise end in the kernel killing the process for
    /// want of memory, with no message.
    public var maxLegions = LegionSettings.defaultMaxLegions

    /// One legion per 2 KiB of physical memory (a parked legion takes under 1 KiB), at
    /// least 100,000 and at most 10 million.
    public static let defaultMaxLegions: Int = {
        let bytes = Int(sysconf(Int32(_SC_PHYS_PAGES))) &* Int(sysconf(Int32(_SC_PAGESIZE)))
        return min(max(bytes / 2048, 100_000), 10_000_000)
    }()

    public init() {}

    /// A setting that the runtime refused, with the reason.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Validates and records one runtime switch: `workers`, `stack-size`, `time-slice-us`,
    /// `context`, `preempt`, `steal`, `stackless` and the others `lg_config_set` knows.
    public mutating func set(_ key: String, _ value: String) throws {
        var config = lg_config()
        lg_config_init(&config)
        let status = key.withCString { k in value.withCString { v in lg_config_set(&config, k, v) } }
        if status == -1 { throw Invalid(description: "unknown runtime setting `\(key)`") }
        if status != 0 { throw Invalid(description: "invalid value `\(value)` for the runtime setting `\(key)`") }
        switches.append((key, value))
    }

    /// Worker threads, from the switches (nil: the runtime's default, one per CPU).
    public var workers: Int? {
        switches.last { $0.key == "workers" }.flatMap { Int($0.value) }
    }

    /// The seed of a deterministic schedule (`--seed`; the runtime's seeded policy: one
    /// worker, every choice from the seed, virtual time), or nil.
    public var seed: UInt64? {
        switches.last { $0.key == "seed" }.flatMap { UInt64($0.value) }
    }
}

/// Runs one program's legions on the CLegion runtime (one at a time per process).
public final class LegionRuntime {
    /// The runtime bridge of the program running now (read by every step, unretained:
    /// the waiting thread keeps it alive while the runtime runs).
    static var current: LegionRuntime? {
        get { currentReference?.takeUnretainedValue() }
        set { currentReference = newValue.map { Unmanaged.passUnretained($0) } }
    }
    static var currentReference: Unmanaged<LegionRuntime>?

    let settings: LegionSettings
    /// See `checkLegionLimit`: a power of two minus one.
    private let limitCheckMask: Int
    /// The run's instruction budget and time limit (RunLimits.swift), or nil.
    let budget: SafePointBudget?
    let timeLimit: Duration?
    /// Under a seeded schedule every safe point asks the runtime whether to yield there
    /// (`lg_schedule_safe_point`) and select's choices come from the schedule.
    let isSeeded: Bool
    /// A byte that is always 1: the safe-point flag of every step when safe points are
    /// counted (a budget, a seeded schedule), so that each returns to the step; nil
    /// otherwise.
    private let countingFlag: UnsafeMutablePointer<UInt8>?
    /// Set by a signal handler to the signal's number (`RunOptions.interrupt`), or nil.
    let interrupt: UnsafeMutablePointer<UInt32>?
    /// Set once, before the runtime starts.
    var vm: VM! {
        get { vmReference?.takeUnretainedValue() }
        set { vmReference = newValue.map { Unmanaged.passUnretained($0) } }
    }
    /// `vm`, as every step reads it: unretained (it lives as long as the program), so a
    /// step pays no retain and release for it.
    private var vmReference: Unmanaged<VM>?
    private(set) var main: LegionState?
    /// The last legion number given out (main is 1); a relaxed atomic counter.
    private let lastLegionID: UnsafeMutablePointer<Int64>
    /// Runtime legion ids and Malphas legion numbers, recorded only while tracing (the
    /// trace file is rewritten to show Malphas numbers). Guarded by `endLock`.
    private var traceNames: [(runtimeID: UInt64, id: Int)] = []

    /// Non-zero once a legion failed or called exit: every step ends at once.
    private let abortWord: UnsafeMutablePointer<UInt32>
    /// Guards `failure`, `mainResult`, `mainFinished` and `focusGlobals`.
    private let endLock: UnsafeMutablePointer<UInt32>
    private var failure: RuntimeFailure?
    private var mainResult: Value = .unit
    private var mainFinished = false
    /// A session's focus legion's global slots as it finished: the session variables the
    /// input left.
    private var focusGlobals: [Value] = []

    let registry = LegionRegistry()
    /// Set by a REPL session before the runtime starts (the extension at the end of this
    /// file); nil when running a program.
    var session: SessionControl?
    /// VM stack growths and shrinks of ended legions (`--stats`); relaxed atomics.
    private let stackCounters: UnsafeMutablePointer<Int64>

    init(settings: LegionSettings, budget: SafePointBudget? = nil, timeLimit: Duration? = nil,
         interrupt: UnsafeMutablePointer<UInt32>? = nil) {
        self.interrupt = interrupt
        self.settings = settings
        var interval = 1
        while interval < 1024 && interval * 2 <= settings.maxLegions / 64 { interval *= 2 }
        limitCheckMask = interval - 1
        self.budget = budget
        self.timeLimit = timeLimit
        isSeeded = settings.seed != nil
        if let budget {
            countingFlag = budget.alwaysSet
        } else if isSeeded {
            countingFlag = .allocate(capacity: 1)
            countingFlag?.initialize(to: 1)
        } else {
            countingFlag = nil
        }
        abortWord = .allocate(capacity: 1)
        abortWord.initialize(to: 0)
        endLock = .allocate(capacity: 1)
        endLock.initialize(to: 0)
        stackCounters = .allocate(capacity: 2)
        stackCounters.initialize(repeating: 0, count: 2)
        lastLegionID = .allocate(capacity: 1)
        lastLegionID.initialize(to: 0)
    }

    /// The number of a new legion: main is 1, the others count up in spawn order.
    func newLegionID() -> Int {
        Int(mal_fetch_add_i64(lastLegionID, 1) + 1)
    }

    /// Refuses legion number `id` when `settings.maxLegions` legions are alive. An exact
    /// count would make every spawn and every end touch one shared counter; instead the
    /// runtime's per-worker counts are summed at every `limitCheckMask + 1`-th legion, so
    /// the limit may be passed by that many (at most 1,024, and a 64th of the limit).
    @inline(__always)
    func checkLegionLimit(newID id: Int) throws {
        guard _slowPath(id & limitCheckMask == 0) else { return }
        let alive = lg_legions_alive()
        if alive >= settings.maxLegions {
            throw RuntimeError("cannot spawn a legion: \(alive) legions are alive, the limit"
                               + " (raise it with --max-legions N or MALPHAS_MAX_LEGIONS=N)")
        }
    }

    deinit {
        if budget == nil { countingFlag?.deallocate() }
        abortWord.deallocate()
        endLock.deallocate()
        stackCounters.deallocate()
        lastLegionID.deallocate()
    }

    /// How a program run ended.
    enum Ending {
        /// Main returned this value and no legion could run any more.
        case finished(Value)
        /// A legion failed, or called `exit` (a failure of kind `.exit`).
        case failed(RuntimeFailure)
        /// Main is blocked and nothing can run: the blocked legions, main first.
        case deadlock([LegionState])
        /// The runtime could not start.
        case notStarted(String)
    }

    // MARK: - Running a program

    /// Whether `start` succeeded and `shutdown` has not run yet (the waiting thread's).
    private(set) var isRunning = false

    /// Runs `entry` as main, with `globals` as its global slots, and every legion it
    /// spawns, until the program ends: starts the runtime, runs main, shuts the runtime
    /// down. The caller reports the ending, then calls `releaseLegions`.
    func run(entry: ClosureBox, globals: [Value], errorOutput: Output) -> Ending {
        if let reason = start() { return .notStarted(reason) }
        let ending = runMain(entry: entry, globals: globals, errorOutput: errorOutput)
        shutdown(errorOutput: errorOutput)
        return ending
    }

    /// Runs `entry` as a new main legion on the started runtime and waits until main has
    /// finished and no legion can run any more (`.finished`; the runtime keeps running,
    /// with the legions blocked forever still parked: a REPL session's next input may
    /// wake them), or until a legion fails or main deadlocks (then the runtime is shut
    /// down before this returns, so the report can read every legion safely).
    func runMain(entry: ClosureBox, globals: [Value], errorOutput: Output) -> Ending {
        mal_store_release_u32(abortWord, 0)
        mal_lock(endLock)
        failure = nil
        mainFinished = false
        mainResult = .unit
        mal_unlock(endLock)
        let main = LegionState(id: newLegionID())
        main.start(entry, args: [], globals: globals)
        self.main = main
        do {
            try spawn(main)
        } catch {
            shutdown(errorOutput: errorOutput)
            return .notStarted("cannot spawn the main legion")
        }
        var deadlocked = false
        let deadline = timeLimit.map { lg_now_ns() &+ min($0.nanoseconds, UInt64.max / 2) }
        // A signal handler cannot wake the waiter safely, so with an interrupt word the
        // wait is cut into 50 ms slices.
        let slice: UInt64 = interrupt == nil ? UInt64.max : 50_000_000
        while true {
            let result = lg_wait(min(deadline.map { $0 &- min(lg_now_ns(), $0) } ?? UInt64.max, slice), nil)
            if mal_load_acquire_u32(abortWord) != 0 { break }
            if interruptingSignal != nil {
                abort(with: RuntimeFailure(error: RuntimeError("interrupted"), legionID: main.id, trace: []))
                break
            }
            if result == LG_WAIT_TIMEOUT, let limit = timeLimit, let d = deadline, lg_now_ns() >= d {
                abort(with: RuntimeFailure(error: RunOptions.timeLimitExceeded(limit), legionID: main.id, trace: []))
                break
            }
            if result == LG_WAIT_QUIESCENT {
                mal_lock(endLock)
                deadlocked = !mainFinished
                mal_unlock(endLock)
                break
            }
            // Woken: main has finished; wait for the legions that can still run.
        }
        if mal_load_acquire_u32(abortWord) == 0 && !deadlocked {
            mal_lock(endLock)
            let value = mainResult
            mainResult = .unit
            mal_unlock(endLock)
            return .finished(value)
        }
        shutdown(errorOutput: errorOutput)
        // The workers are joined: what they wrote is visible here.
        if let f = failure { return .failed(f) }
        var stuck = registry.all().sorted { $0.id < $1.id }
        if let m = stuck.firstIndex(where: { $0 === main }) { stuck.insert(stuck.remove(at: m), at: 0) }
        return .deadlock(stuck)
    }

    /// Prints the statistics if asked, stops the runtime and joins its threads. Legions
    /// still parked stay in the registry until `releaseLegions`.
    func shutdown(errorOutput: Output) {
        guard isRunning else { return }
        if settings.printStats {
            // The program's own output comes first, as it would on a terminal.
            vm.context.output.flush()
            printStats(to: errorOutput)
        }
        lg_shutdown()
        NetHandles.forgetAll() // lg_shutdown closed their descriptors
        LegionRuntime.current = nil
        isRunning = false
        if let path = settings.tracePath { renameTraceSlices(path) }
    }

    /// Starts CLegion with the settings; nil, or why it could not start.
    func start() -> String? {
        var config = lg_config()
        lg_config_init(&config)
        // lg_config_set keeps pointers to the strings until lg_start copies them.
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        for (key, value) in settings.switches {
            let v = strdup(value)!
            strings.append(v)
            _ = key.withCString { lg_config_set(&config, $0, v) }
        }
        let hint = strdup("rerun with a larger --stack-size (e.g. --stack-size 1M)")!
        strings.append(hint)
        config.overflow_hint = UnsafePointer(hint)
        config.stack_failure = legionCannotRun
        if let path = settings.tracePath {
            let p = strdup(path)!
            strings.append(p)
            config.trace = true
            config.trace_path = UnsafePointer(p)
        }
        if lg_start(&config) != 0 {
            return errno == EBUSY ? "the legion runtime is already running in this process"
                                  : "cannot start the legion runtime: \(String(cString: strerror(errno)))"
        }
        LegionRuntime.current = self
        isRunning = true
        return nil
    }

    /// Breaks the reference cycles of the legions that never ended (blocked forever, or
    /// abandoned by an abort) and lets them go. Call after the ending was reported.
    func releaseLegions() {
        let rest = registry.removeAll()
        for legion in rest {
            legion.clear()
            Unmanaged.passUnretained(legion).release()
        }
        main = nil
    }

    /// The runtime's counters as a table, then the VM's stack counters.
    private func printStats(to output: Output) {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return }
        lg_stats_print(stream)
        fclose(stream)
        var text = buffer.map { String(cString: $0) } ?? ""
        free(buffer)
        text += "VM stacks: \(mal_load_relaxed_i64(stackCounters)) growths, \(mal_load_relaxed_i64(stackCounters + 1)) shrinks\n"
        output.write(text)
        output.flush()
    }

    // MARK: - What the VM calls

    /// Makes a new legion runnable (from a worker: onto its deque).
    func spawn(_ legion: LegionState) throws {
        registry.insert(legion)
        let user = Unmanaged.passRetained(legion).toOpaque()
        if lg_spawn_resumable(legionStep, user) == 0 {
            let reason = String(cString: strerror(errno))
            Unmanaged<LegionState>.fromOpaque(user).release()
            registry.remove(legion)
            if let config = lg_current_config(), !config.pointee.stackless {
                throw RuntimeError("cannot spawn a legion: no native stack of \(Self.describe(bytes: config.pointee.stack_size))"
                                   + " could be mapped for it (\(reason): the process is out of memory or of memory"
                                   + " mappings); with --stackless off every legion keeps a native stack of its own"
                                   + " (rerun with --stackless on, or a smaller --stack-size)")
            }
            throw RuntimeError("cannot spawn a legion: the legion runtime is out of memory (\(reason))")
        }
    }

    /// A legion could not be given a native stack to run a step on (the runtime's
    /// `stack_failure`, on a worker's scheduler stack): it fails, and with it the program
    /// (or its test), as any failing legion does.
    fileprivate func cannotRun(_ legion: LegionState, error: Int32) {
        let size = lg_current_config().map { Self.describe(bytes: $0.pointee.stack_size) } ?? "its size"
        let machine: VM = legion.group?.vm ?? vm
        let f = machine.failure(RuntimeError("legion \(legion.id) cannot run: no native stack of \(size) could be"
                                             + " mapped for it (\(String(cString: strerror(error))): the process is out of"
                                             + " memory or of memory mappings; rerun with a smaller --stack-size)"),
                                legion: legion)
        if let group = legion.group { group.failed(f) } else { abort(with: f) }
        _ = end(legion)
    }

    /// A byte count as the options take it: 256K, 1M, 64G.
    static func describe(bytes: Int) -> String {
        for (shift, unit) in [(30, "G"), (20, "M"), (10, "K")] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return "\(bytes) bytes"
    }

    /// Makes a parked legion runnable again; its `completion` is already set. The legion
    /// is not touched after `lg_ready`: from then on it may run, and end, on another worker.
    @inline(__always)
    func ready(_ legion: Unmanaged<LegionState>) {
        legion._withUnsafeGuaranteedRef { legion in
            if _slowPath(legion.group != nil) { legion.group?.readied() }
            lg_ready(legion.runtimeLegion)
        }
    }

    // MARK: - The step

    /// One step of `legion` on the worker that scheduled it (see the file comment).
    fileprivate func step(_ legion: LegionState, _ runtimeLegion: OpaquePointer) -> lg_step_result {
        if _slowPath(!legion.hasRun) { firstStep(legion, runtimeLegion) }
        legion.runtimeLegion = runtimeLegion
        if _slowPath(mal_load_acquire_u32(abortWord) != 0) { return end(legion) }
        // A test that has ended (passed, failed, timed out) takes its legions with it.
        if _slowPath(legion.group != nil), legion.group.unsafelyUnwrapped.isStopped(legion) { return end(legion) }
        // In a session, a paused world may be reading `blockedReason` (`:legions`): it
        // changes only inside the gate.
        if _slowPath(session != nil), let result = sessionStepStart(legion) { return result }
        // Inside a session's gate now: leave it when the step is over, whatever its outcome.
        // A legion that ends leaves only once it is gone, since a paused world may be
        // walking the live legions (`:legions`).
        defer { if _slowPath(session != nil) { session.unsafelyUnwrapped.leave() } }
        if let reason = legion.blockedReason {
            if case .sleep = reason { legion.completion = .timerFired }
            if case .io(let wait) = reason { legion.completion = .ioWoken(wait) }
            legion.blockedReason = nil
        }
        // Unretained: the VM lives as long as the program (a test's, as long as its group).
        let machine = legion.group == nil ? vmReference.unsafelyUnwrapped : Unmanaged.passUnretained(legion.group.unsafelyUnwrapped.vm)
        let outcome = machine._withUnsafeGuaranteedRef { machine in
            if let flag = machine.alwaysSetFlag {
                legion.safePointFlag = flag
            } else if _slowPath(countingFlag != nil) {
                legion.safePointFlag = countingFlag.unsafelyUnwrapped
            } else {
                legion.safePointFlag = lg_preempt_flag()
            }
            let outcome = machine.run(legion)
            return _slowPath(countingFlag != nil) ? resumeAtSafePoints(legion, outcome, on: machine) : outcome
        }
        if case .blocked(let reason) = outcome { legion.blockedReason = reason }
        switch outcome {
        case .yielded:
            return LG_STEP_YIELD
        case .blocked(let reason):
            switch reason {
            case .send, .receive, .select:
                if _slowPath(legion.group != nil) { legion.group.unsafelyUnwrapped.parkedOnChannel(legion) }
                lg_park_commit(releaseChannelLocks, Unmanaged.passUnretained(legion).toOpaque())
            case .sleep(let until):
                lg_park_deadline(until)
            case .io(let wait):
                lg_poll_park_commit(wait.descriptor, wait.direction, wait.deadline)
            }
            return LG_STEP_PARK
        case .finished(let value):
            if _slowPath(session != nil) { sessionFocusFinished(legion, value) }
            if legion === main {
                mal_lock(endLock)
                mainResult = value
                mainFinished = true
                mal_unlock(endLock)
                lg_wake_waiter()
            }
            legion.group?.finished(legion)
            return end(legion)
        case .failed(let f):
            if _slowPath(session != nil), let result = sessionFailure(f, of: legion) { return result }
            // A failing test fails alone; anything else ends the program.
            if let group = legion.group { group.failed(f) } else { abort(with: f) }
            return end(legion)
        }
    }

    /// Seeds of `select`'s random source: distinct per legion and per process (the time
    /// of the first seeding, mixed with the legion's number by splitmix64), never 0, and
    /// without a clock read per legion.
    private static let runSeed = lg_now_ns()
    static func randomSeed(for id: Int) -> UInt64 {
        splitmix64(runSeed &+ UInt64(truncatingIfNeeded: id) &* 0x9E37_79B9_7F4A_7C15) | 1
    }

    private func firstStep(_ legion: LegionState, _ runtimeLegion: OpaquePointer) {
        legion.randomState = LegionRuntime.randomSeed(for: legion.id)
        if settings.tracePath != nil {
            mal_lock(endLock)
            traceNames.append((lg_legion_id(runtimeLegion), legion.id))
            mal_unlock(endLock)
        }
    }

    /// The runtime names trace slices by its own legion ids; rewrite them as the
    /// Malphas legion numbers that reports and `legion_id()` show.
    private func renameTraceSlices(_ path: String) {
        guard let file = fopen(path, "r") else { return }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 1 << 16)
        while fgets(&buffer, Int32(buffer.count), file) != nil { text += String(cString: buffer) }
        fclose(file)
        var names: [UInt64: Int] = [:]
        for (runtimeID, id) in traceNames { names[runtimeID] = id }
        traceNames = []
        // Each event is one line; a number follows `"name":"legion ` and `"legion":`.
        func renumber(_ line: [UInt8], after marker: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(line.count)
            var i = 0
            while i < line.count {
                if line[i] == marker[0], i + marker.count <= line.count, Array(line[i..<i + marker.count]) == marker {
                    out.append(contentsOf: marker)
                    i += marker.count
                    var j = i
                    var runtimeID: UInt64 = 0
                    while j < line.count, line[j] >= 48, line[j] <= 57 { runtimeID = runtimeID &* 10 &+ UInt64(line[j] - 48); j += 1 }
                    if j > i, let id = names[runtimeID] {
                        out.append(contentsOf: Array(String(id).utf8))
                        i = j
                    }
                    continue
                }
                out.append(line[i])
                i += 1
            }
            return out
        }
        var bytes = Array(text.utf8)
        bytes = renumber(bytes, after: Array("\"name\":\"legion ".utf8))
        bytes = renumber(bytes, after: Array("\"legion\":".utf8))
        let out = String(decoding: bytes, as: UTF8.self)
        guard let w = fopen(path, "w") else { return }
        fputs(out, w)
        fclose(w)
    }

    /// The legion has ended (or is abandoned by an abort): free its registers, which
    /// breaks its cycles, and let the runtime forget it.
    private func end(_ legion: LegionState) -> lg_step_result {
        if settings.printStats {
            _ = mal_fetch_add_i64(stackCounters, Int64(legion.stackGrowths))
            _ = mal_fetch_add_i64(stackCounters + 1, Int64(legion.stackShrinks))
        }
        legion.group?.ended(legion)
        legion.clear()
        registry.remove(legion)
        Unmanaged.passUnretained(legion).release()
        return LG_STEP_DONE
    }

    /// With an instruction budget or a seeded schedule every safe point returns here
    /// (RunLimits.swift): count it and resume the legion at once, unless the worker's
    /// preempt flag asks it to yield, the program is ending, the legion called
    /// `yield_now`, the budget is spent, or the seeded schedule preempts it here.
    private func resumeAtSafePoints(_ legion: LegionState, _ first: StepOutcome, on vm: VM) -> StepOutcome {
        let preempt = lg_preempt_flag()
        var outcome = first
        var lease = 0
        defer { budget?.giveBack(lease) }
        while case .yielded = outcome {
            if let budget {
                if lease == 0 {
                    lease = budget.lease()
                    if lease == 0 { return .failed(vm.failure(budget.exhausted, legion: legion)) }
                }
                lease -= 1
            }
            if vm.alwaysSetFlag != nil || mal_load_relaxed_u8(preempt) != 0 || isAborting
                || legion.stoppedAtBuiltinCall { break }
            if isSeeded && lg_schedule_safe_point() { break }
            outcome = vm.run(legion)
        }
        return outcome
    }

    /// True once the program is ending (a failure, `exit`, a limit); any thread.
    var isAborting: Bool { mal_load_acquire_u32(abortWord) != 0 }

    /// The signal that interrupted the program, if one did.
    var interruptingSignal: UInt32? {
        guard let interrupt else { return nil }
        let signal = mal_load_acquire_u32(interrupt)
        return signal == 0 ? nil : signal
    }

    /// Ends the program: the first failure (or exit) wins; every legion stops at its next
    /// step or safe point, and the waiter wakes.
    private func abort(with f: RuntimeFailure) {
        mal_lock(endLock)
        if failure == nil { failure = f }
        mal_unlock(endLock)
        mal_store_release_u32(abortWord, 1)
        lg_preempt_all()
        lg_wake_waiter()
    }
}

// MARK: - Interactive sessions

// A REPL session keeps the runtime running for its whole life. Each input runs as the
// *focus* legion: `runFocus` waits until that legion finishes, fails, deadlocks or is
// interrupted, not until every legion is done, so legions spawned by earlier inputs keep
// running on the workers while the prompt waits. A failure ends only the legion that
// failed (the focus's is the input's error; another's is reported); `exit(n)` in any
// legion still ends everything, as in a program.
//
// The session's program grows between inputs (new code, new types, replaced function
// bodies). Those tables are read by every running legion, so the session changes them
// only while the world is paused: `pause` stops new steps from entering the VM
// (they yield at once), preempts every worker, and waits until no step is inside the VM.

/// The session side of the runtime: the pause gate, the focus legion, and what happens
/// to failures.
final class SessionControl {
    /// Guards `paused`, `inVM`, `focusID`, `cancelled`, `focusFailure` and `focusEnded`.
    private let lock: UnsafeMutablePointer<UInt32>
    private var paused = false
    /// Steps inside `vm.run` now.
    private var inVM = 0
    /// The id of the focus legion (0: none).
    private var focusID = 0
    /// Ids of interrupted or deadlocked focus legions: each ends at its next step.
    private var cancelled: Set<Int> = []
    /// The focus most recently cancelled, so that its end still counts as the focus's.
    private var cancelledFocusID = 0
    private var focusFailure: RuntimeFailure?
    private var focusEnded = false
    /// Reports a runtime error of a legion other than the focus (on a worker thread).
    let backgroundFailure: (RuntimeFailure) -> Void

    init(backgroundFailure: @escaping (RuntimeFailure) -> Void) {
        self.backgroundFailure = backgroundFailure
        lock = .allocate(capacity: 1)
        lock.initialize(to: 0)
    }

    deinit { lock.deallocate() }

    private func locked<T>(_ body: () -> T) -> T {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return body()
    }

    /// A step may enter the VM unless the world is paused.
    fileprivate func enter() -> Bool {
        locked {
            if paused { return false }
            inVM += 1
            return true
        }
    }

    func leave() { locked { inVM -= 1 } }

    /// A step that blocks in native code (`read_line` waiting for input) touches none of
    /// the tables a pause protects while it waits, so it counts as out of the VM: a
    /// legion waiting for a line cannot hold up the next input. On the way back it
    /// waits for a pause to end before it reads them again.
    func leaveForBlockingCall() { leave() }

    /// See `leaveForBlockingCall`.
    func returnFromBlockingCall() {
        while !enter() { usleep(100) }
    }

    fileprivate func isFocus(_ legion: LegionState) -> Bool { locked { legion.id == focusID } }
    fileprivate func isCancelled(_ legion: LegionState) -> Bool { locked { cancelled.contains(legion.id) } }

    /// Whether the legion running on this thread has been cancelled: a legion waiting
    /// for input polls this, so an interrupted `read_line` gives up instead of reading
    /// what is typed at the next prompt.
    func isCurrentLegionCancelled() -> Bool {
        guard let running = lg_current(), let user = lg_legion_user(running) else { return false }
        return isCancelled(Unmanaged<LegionState>.fromOpaque(user).takeUnretainedValue())
    }

    fileprivate func setFocus(_ id: Int) {
        locked {
            focusID = id
            cancelledFocusID = 0
            focusFailure = nil
            focusEnded = false
        }
    }

    /// Ends the focus at its next step (it may be running, ready or parked).
    fileprivate func cancelFocus() {
        locked {
            cancelled.insert(focusID)
            cancelledFocusID = focusID
            focusID = 0
        }
    }

    fileprivate func recordFocusFailure(_ f: RuntimeFailure) { locked { focusFailure = f } }
    fileprivate var failureOfFocus: RuntimeFailure? { locked { focusFailure } }
    fileprivate var hasFocusEnded: Bool { locked { focusEnded } }

    fileprivate func noteEnded(_ legion: LegionState) {
        locked {
            cancelled.remove(legion.id)
            if legion.id == focusID || legion.id == cancelledFocusID { focusEnded = true }
        }
    }

    /// Stops legions from entering the VM and waits until none is inside it. A legion
    /// inside a builtin that blocks (`read_line`) is waited for.
    func pause() {
        locked { paused = true }
        guard lg_num_workers() > 0 else { return }
        lg_preempt_all()
        while locked({ inVM }) > 0 { usleep(100) }
    }

    func resume() { locked { paused = false } }

    /// Runs `body` with the world paused.
    func whilePaused<T>(_ body: () -> T) -> T {
        pause()
        defer { resume() }
        return body()
    }
}

extension LegionRuntime {
    /// How one session input ended.
    enum FocusEnding {
        /// The focus's value, and its global slots (the session variables it left).
        case finished(Value, globals: [Value])
        /// The focus failed, or some legion called `exit` (a failure of kind `.exit`).
        case failed(RuntimeFailure)
        /// The focus is blocked and no legion can run or wake it.
        case deadlock(LegionState)
        /// `interrupt` was set: the focus ends at its next safe point.
        case interrupted
        case notStarted(String)
    }

    /// Runs `entry` as the session's focus legion (starting the runtime on first use),
    /// with `globals` as its global slots, and waits until it finishes, fails, deadlocks,
    /// or `interrupt` is set (polled every 10 ms; the byte a SIGINT handler writes). Other
    /// legions keep running throughout.
    func runFocus(entry: ClosureBox, globals: [Value], interrupt: UnsafeMutablePointer<UInt8>) -> FocusEnding {
        guard let session else { return .notStarted("internal error: not a session runtime") }
        if !isRunning, let reason = start() { return .notStarted(reason) }
        if let exit = pendingExit { return .failed(exit) }
        mal_lock(endLock)
        mainFinished = false
        mainResult = .unit
        mal_unlock(endLock)
        let focus = LegionState(id: newLegionID())
        focus.start(entry, args: [], globals: globals)
        session.setFocus(focus.id)
        do {
            try spawn(focus)
        } catch {
            return .notStarted("cannot spawn a legion for the input")
        }
        while true {
            let result = lg_wait(10_000_000, nil)
            if let exit = pendingExit { return .failed(exit) }
            mal_lock(endLock)
            let finished = mainFinished
            let value = mainResult
            var globals: [Value] = []
            if finished {
                mainResult = .unit
                swap(&globals, &focusGlobals)
            }
            mal_unlock(endLock)
            let failure = session.failureOfFocus
            if let failure { return .failed(failure) }
            if finished { return .finished(value, globals: globals) }
            if mal_load_relaxed_u8(interrupt) != 0 {
                session.cancelFocus()
                lg_preempt_all()
                // Give a running focus the moment it needs to reach a safe point and end.
                for _ in 0..<50 where !session.hasFocusEnded { _ = lg_wait(2_000_000, nil) }
                return .interrupted
            }
            if result == LG_WAIT_QUIESCENT {
                session.cancelFocus()
                return .deadlock(focus)
            }
        }
    }

    /// The `exit(n)` (or, for a program, the failure) that ended everything, if any.
    var pendingExit: RuntimeFailure? {
        guard mal_load_acquire_u32(abortWord) != 0 else { return nil }
        mal_lock(endLock)
        defer { mal_unlock(endLock) }
        return failure
    }

    /// Waits until no legion can run any more (the end of a piped session), or until
    /// `exit` ends everything; nil, or that exit.
    func waitUntilQuiescent() -> RuntimeFailure? {
        guard isRunning else { return nil }
        while true {
            let result = lg_wait(50_000_000, nil)
            if let exit = pendingExit { return exit }
            if result == LG_WAIT_QUIESCENT { return nil }
        }
    }

    /// Live legions (a session's, with the world paused).
    func liveLegions() -> [LegionState] {
        registry.all().sorted { $0.id < $1.id }
    }

    /// Stops the runtime and lets every legion go (the end of a session).
    func endSession(errorOutput: Output) {
        // Every legion stops at its next step; one waiting for input gives up.
        mal_store_release_u32(abortWord, 1)
        shutdown(errorOutput: errorOutput)
        releaseLegions()
    }

    fileprivate func sessionStepStart(_ legion: LegionState) -> lg_step_result? {
        let session = self.session.unsafelyUnwrapped
        guard session.enter() else { return LG_STEP_YIELD }
        if session.isCancelled(legion) {
            session.noteEnded(legion)
            defer { session.leave() }
            return end(legion)
        }
        return nil
    }

    fileprivate func sessionFocusFinished(_ legion: LegionState, _ value: Value) {
        let session = self.session.unsafelyUnwrapped
        guard session.isFocus(legion) else { return }
        session.noteEnded(legion)
        mal_lock(endLock)
        mainResult = value
        focusGlobals = legion.globals
        mainFinished = true
        mal_unlock(endLock)
        lg_wake_waiter()
    }

    /// A failure in a session: the focus's ends the input, another's is reported; nil for
    /// `exit(n)`, which ends the session as it ends a program.
    fileprivate func sessionFailure(_ f: RuntimeFailure, of legion: LegionState) -> lg_step_result? {
        if case .exit = f.error.kind { return nil }
        let session = self.session.unsafelyUnwrapped
        if session.isCancelled(legion) || isAborting {
            // An interrupted legion, or one of a session that is ending, that failed on
            // its way out (a `read_line` that gave up): the interruption or the end is
            // what the person sees, not this error.
            session.noteEnded(legion)
        } else if session.isFocus(legion) {
            session.recordFocusFailure(f)
            session.noteEnded(legion)
            lg_wake_waiter()
        } else {
            session.backgroundFailure(f)
        }
        return end(legion)
    }
}

/// The step function of every Malphas legion. (The C callbacks are functions, not global
/// closure constants, whose every use would pass through a lazy-initialisation check.)
private func legionStep(_ runtimeLegion: OpaquePointer?, _ user: UnsafeMutableRawPointer?) -> lg_step_result {
    // Both unretained and borrowed for the step: the runtime holds the legion (its spawn
    // reference) and the waiting thread holds the bridge.
    Unmanaged<LegionState>.fromOpaque(user!)._withUnsafeGuaranteedRef { legion in
        LegionRuntime.currentReference.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.step(legion, runtimeLegion!) }
    }
}

/// The runtime's `stack_failure`: the legion ends without running (see `cannotRun`).
private func legionCannotRun(_ runtimeLegion: OpaquePointer?, _ user: UnsafeMutableRawPointer?, _ error: Int32) {
    Unmanaged<LegionState>.fromOpaque(user!)._withUnsafeGuaranteedRef { legion in
        LegionRuntime.currentReference.unsafelyUnwrapped._withUnsafeGuaranteedRef { $0.cannotRun(legion, error: error) }
    }
}

/// The park commit of a channel operation: runs on the worker's scheduler stack once the
/// legion has left its native stack, and releases the channel lock(s) it queued itself
/// under. From the first release on, a counterpart may claim and ready the legion; the
/// runtime then resumes it only after this commit returns.
private func releaseChannelLocks(_ runtimeLegion: OpaquePointer?, _ arg: UnsafeMutableRawPointer?) -> Bool {
    Unmanaged<LegionState>.fromOpaque(arg!)._withUnsafeGuaranteedRef { $0.releaseHeldChannels() }
    return true
}

/// Every live legion, for deadlock reports and for freeing what an abnormal end left:
/// intrusive doubly linked lists in shards, each under its own lock. A legion goes in
/// when spawned (into the shard of the spawning worker) and out when it ends.
final class LegionRegistry {
    private static let shardCount = 16
    /// Lock words, one cache line apart.
    private let locks: UnsafeMutablePointer<UInt32>
    private let heads: UnsafeMutablePointer<Unmanaged<LegionState>?>
    private static let lockStride = 16

    init() {
        locks = .allocate(capacity: LegionRegistry.shardCount * LegionRegistry.lockStride)
        locks.initialize(repeating: 0, count: LegionRegistry.shardCount * LegionRegistry.lockStride)
        heads = .allocate(capacity: LegionRegistry.shardCount)
        heads.initialize(repeating: nil, count: LegionRegistry.shardCount)
    }

    deinit {
        locks.deallocate()
        heads.deallocate()
    }

    func insert(_ legion: LegionState) {
        let shard = Int(lg_worker_index() + 1) % LegionRegistry.shardCount
        legion.registryShard = Int32(shard)
        let lock = locks + shard * LegionRegistry.lockStride
        let me = Unmanaged.passUnretained(legion)
        mal_lock(lock)
        legion.registryPrevious = nil
        legion.registryNext = heads[shard]
        if let next = heads[shard] { next._withUnsafeGuaranteedRef { $0.registryPrevious = me } }
        heads[shard] = me
        mal_unlock(lock)
    }

    func remove(_ legion: LegionState) {
        let shard = Int(legion.registryShard)
        let lock = locks + shard * LegionRegistry.lockStride
        mal_lock(lock)
        let previous = legion.registryPrevious, next = legion.registryNext
        if let p = previous { p._withUnsafeGuaranteedRef { $0.registryNext = next } } else { heads[shard] = next }
        if let n = next { n._withUnsafeGuaranteedRef { $0.registryPrevious = previous } }
        legion.registryPrevious = nil
        legion.registryNext = nil
        mal_unlock(lock)
    }

    /// Every live legion: when no worker runs, or in a paused session (legions spawn
    /// and end only inside the pause gate; the shard locks also keep the walk safe).
    func all() -> [LegionState] {
        var out: [LegionState] = []
        for shard in 0..<LegionRegistry.shardCount {
            let lock = locks + shard * LegionRegistry.lockStride
            mal_lock(lock)
            var l = heads[shard]
            while let u = l {
                let legion = u.takeUnretainedValue()
                out.append(legion)
                l = legion.registryNext
            }
            mal_unlock(lock)
        }
        return out
    }

    /// Empties the registry, returning what it held (when no worker runs).
    func removeAll() -> [LegionState] {
        let out = all()
        for legion in out {
            legion.registryPrevious = nil
            legion.registryNext = nil
        }
        for shard in 0..<LegionRegistry.shardCount { heads[shard] = nil }
        return out
    }
}
