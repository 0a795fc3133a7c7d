// A single-OS-thread cooperative scheduler for legions: the stand-in until the C legion
// runtime (CLegion) is joined, and small on purpose.
//
// Model: a FIFO run queue of ready legions and a list of sleepers ordered by wake time.
// The loop takes the first ready legion and calls `VM.run` on it. `run` returns at a
// safe point when the preempt flag is set (then the legion goes to the back of the
// queue), when the legion blocks on a channel or sleeps (it is then owned by the
// channel's wait queue or the sleeper list until readied), when it finishes, or when it
// fails (which ends the program). Nothing here runs Malphas code itself.
//
// The VM talks to it through four calls only: `spawn`, `ready`, `sleep`, `legionCount`.
// The runtime bridge provides the same four over lg_spawn/lg_ready/lg_park.
//
// Preemption (LANGUAGE 6: a CPU-bound loop cannot starve other legions): once a second
// legion exists, a ticker thread sets the preempt flag every time slice (10 ms); the
// running legion yields at its next safe point and goes to the back of the queue. The
// scheduler clears the flag before it runs the next legion (or keeps it set in the
// suspend-every-safe-point debug mode). The flag is a byte written by the ticker and
// read by the VM without synchronisation: a late or extra yield is harmless.
//
// Program end (LANGUAGE 6): when main has returned, the program waits while some legion
// can still run (ready or sleeping); legions blocked forever do not keep it alive. When
// main is blocked and nothing can run, that is a deadlock: every blocked legion is listed
// with the line it waits at, and the exit status is 2.

import Glibc

final class CooperativeScheduler {
    private var runQueue = FIFO<LegionState>()
    /// Sleeping legions with their wake time (monotonic ms), kept sorted by it.
    private var sleepers: [(wakeAt: Int64, sequence: Int, legion: LegionState)] = []
    private var sleepSequence = 0
    /// Legions parked on channels, by id (for deadlock reports).
    private(set) var blocked: [Int: LegionState] = [:]
    private var nextID = 1
    /// `malphas test` (TestRunner.swift): a byte another thread sets to end the run (a
    /// test's time limit). The run then fails with a "timed out" error as soon as the
    /// running legion reaches a safe point (the setter also sets the VM's preempt flag)
    /// or the scheduler is idle. Read without synchronisation: a late stop is harmless.
    var stopFlag: UnsafeMutablePointer<UInt8>?
    /// `malphas test`: the run ends when main returns; legions still running are dropped.
    var endsWhenMainFinishes = false
    /// The preempt flag the VM polls while this scheduler runs it.
    let preemptFlag: UnsafeMutablePointer<UInt8>
    private var ticker: TimeSliceTicker?

    init() {
        preemptFlag = .allocate(capacity: 1)
        preemptFlag.initialize(to: 0)
    }

    deinit {
        ticker?.stop()
        preemptFlag.deallocate()
    }

    /// Live legions (ready, sleeping or blocked), main included.
    var legionCount: Int { runQueue.count + sleepers.count + blocked.count }

    func newLegion() -> LegionState {
        let l = LegionState(id: nextID)
        nextID += 1
        return l
    }

    /// Makes a new legion runnable (and starts time slicing: there is now someone to
    /// share the thread with).
    func spawn(_ legion: LegionState) {
        runQueue.append(legion)
        if ticker == nil { ticker = TimeSliceTicker(flag: preemptFlag, sliceMs: 10) }
    }

    /// Makes a parked legion runnable again (its `completion` is already set).
    func ready(_ legion: LegionState) {
        blocked[legion.id] = nil
        runQueue.append(legion)
    }

    /// Parks `legion` until `wakeAt` (monotonic ms).
    func sleep(_ legion: LegionState, until wakeAt: Int64) {
        sleepSequence += 1
        let entry = (wakeAt, sleepSequence, legion)
        let i = sleepers.firstIndex { ($0.wakeAt, $0.sequence) > (wakeAt, sleepSequence) } ?? sleepers.count
        sleepers.insert(entry, at: i)
    }

    static func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// How a program run ended.
    enum Ending {
        /// Main returned this value and no legion could run any more.
        case finished(Value)
        case failed(RuntimeFailure)
        /// Main is blocked and nothing can run: the blocked legions, main first.
        case deadlock([LegionState])
    }

    /// Runs `main` and every legion it spawns until the program ends.
    func run(main: LegionState, vm: VM) -> Ending {
        runQueue.append(main)
        vm.preemptFlag = preemptFlag
        defer {
            ticker?.stop()
            ticker = nil
        }
        var mainResult: Value?
        while true {
            if let stop = stopFlag, stop.pointee != 0 {
                return .failed(vm.failure(RuntimeError("timed out"), legion: main))
            }
            wakeSleepers(now: CooperativeScheduler.monotonicMs())
            guard let legion = runQueue.popFirst() else {
                if let first = sleepers.first {
                    let wait = first.wakeAt - CooperativeScheduler.monotonicMs()
                    // With a stop flag, wake often enough to notice it.
                    if wait > 0 { usleep(useconds_t(min(wait, stopFlag == nil ? 1000 : 10) * 1000)) }
                    continue
                }
                if let result = mainResult { return .finished(result) }
                var stuck = Array(blocked.values).sorted { $0.id < $1.id }
                if let m = stuck.firstIndex(where: { $0 === main }) { stuck.insert(stuck.remove(at: m), at: 0) }
                return .deadlock(stuck)
            }
            preemptFlag.pointee = vm.suspendEverySafePoint ? 1 : 0
            // A stop requested just before that clear must still interrupt the legion.
            if let stop = stopFlag, stop.pointee != 0 { preemptFlag.pointee = 1 }
            switch vm.run(legion) {
            case .finished(let value):
                legion.clear()
                if legion === main {
                    mainResult = value
                    if endsWhenMainFinishes { return .finished(value) }
                }
            case .yielded:
                runQueue.append(legion)
            case .blocked(let reason):
                legion.blockedReason = reason
                switch reason {
                case .sleep(let wakeAt): sleep(legion, until: wakeAt)
                case .send, .receive, .select: blocked[legion.id] = legion
                }
            case .failed(let failure):
                return .failed(failure)
            }
        }
    }

    private func wakeSleepers(now: Int64) {
        while let first = sleepers.first, first.wakeAt <= now {
            sleepers.removeFirst()
            first.legion.completion = .timerFired
            runQueue.append(first.legion)
        }
    }
}

/// A thread that sets a preempt flag every `sliceMs` milliseconds until stopped.
final class TimeSliceTicker {
    private final class State {
        let flag: UnsafeMutablePointer<UInt8>
        let sliceMs: Int
        var mutex = pthread_mutex_t()
        var condition = pthread_cond_t()
        /// Guarded by `mutex`.
        var stopping = false
        init(flag: UnsafeMutablePointer<UInt8>, sliceMs: Int) {
            self.flag = flag
            self.sliceMs = sliceMs
            pthread_mutex_init(&mutex, nil)
            pthread_cond_init(&condition, nil)
        }
        deinit {
            pthread_cond_destroy(&condition)
            pthread_mutex_destroy(&mutex)
        }
    }

    private let state: State
    private var thread = pthread_t()
    private var running = false

    init(flag: UnsafeMutablePointer<UInt8>, sliceMs: Int) {
        state = State(flag: flag, sliceMs: sliceMs)
        let context = Unmanaged.passRetained(state).toOpaque()
        running = pthread_create(&thread, nil, { raw in
            let state = Unmanaged<State>.fromOpaque(raw!).takeRetainedValue()
            pthread_mutex_lock(&state.mutex)
            while !state.stopping {
                var deadline = timespec()
                clock_gettime(CLOCK_REALTIME, &deadline)
                let ns = Int(deadline.tv_nsec) + state.sliceMs * 1_000_000
                deadline.tv_sec += ns / 1_000_000_000
                deadline.tv_nsec = ns % 1_000_000_000
                if pthread_cond_timedwait(&state.condition, &state.mutex, &deadline) == ETIMEDOUT {
                    state.flag.pointee = 1
                }
            }
            pthread_mutex_unlock(&state.mutex)
            return nil
        }, context) == 0
        if !running { Unmanaged<State>.fromOpaque(context).release() }
    }

    /// Stops the thread and waits for it.
    func stop() {
        guard running else { return }
        running = false
        pthread_mutex_lock(&state.mutex)
        state.stopping = true
        pthread_cond_signal(&state.condition)
        pthread_mutex_unlock(&state.mutex)
        pthread_join(thread, nil)
    }

    deinit { stop() }
}
