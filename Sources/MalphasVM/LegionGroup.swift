// A legion group: the legions of one test of `malphas test` (its main legion and every
// legion spawned from it), which pass, fail and stop together while other tests run on
// the same legion runtime (TestRunner.swift).
//
// The runtime bridge calls the hooks below from its step (LegionRuntime.swift): a failure
// in a grouped legion settles its group instead of aborting the program; a settled group
// is stopped, and each of its legions ends at its next step. Deadlock is found per group:
// the group counts its live legions and those parked on a channel operation (`ready`
// decrements, a channel park increments). A test's channels are reachable only from its
// own legions (legions share nothing else, and constants cannot hold channels), so when
// every live legion of a group is parked on a channel, none of them can ever be readied:
// the test is deadlocked, whatever the other tests do. Legions parked in `sleep` are not
// counted as parked (their timer wakes them).
//
// Threads: the hooks run on workers, `timeOut` and the reads of the outcome on the test
// runner's thread. Everything mutable is guarded by `lock`; `stopWord` is also read
// without it (acquire) by every step.

import CLegion
import CMalphasSync

final class LegionGroup {
    enum Outcome {
        /// The main legion returned.
        case passed
        /// A runtime error, a panic or `exit` in one of the group's legions.
        case failed(RuntimeFailure)
        /// Every live legion was parked on a channel: their description.
        case deadlock(String)
        /// The time limit passed.
        case timedOut
    }

    /// The test's main legion.
    let root: LegionState
    /// The VM the group's legions run on (the group keeps it alive).
    let vm: VM
    /// Describes the legions of a deadlock (called under `lock`, while none of them runs).
    private let describeDeadlock: ([LegionState]) -> String

    private let lock: UnsafeMutablePointer<UInt32>
    private let stopWord: UnsafeMutablePointer<UInt32>
    // Guarded by `lock`.
    private var members: [ObjectIdentifier: Unmanaged<LegionState>] = [:]
    private var parkedOnChannels = 0
    private var settled: Outcome?
    private var rootStopLocation: String?
    private var virtualTimeOut = false

    init(root: LegionState, vm: VM, describeDeadlock: @escaping ([LegionState]) -> String) {
        self.root = root
        self.vm = vm
        self.describeDeadlock = describeDeadlock
        lock = .allocate(capacity: 1)
        lock.initialize(to: 0)
        stopWord = .allocate(capacity: 1)
        stopWord.initialize(to: 0)
    }

    deinit {
        lock.deallocate()
        stopWord.deallocate()
    }

    /// How the test ended, once it has.
    var outcome: Outcome? {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return settled
    }

    /// Where the main legion was when the group was stopped, if it ran since.
    var stopLocation: String? {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return rootStopLocation
    }

    // MARK: Hooks of the runtime bridge (on workers)

    /// A legion joined the group (before it is spawned).
    func added(_ legion: LegionState) {
        mal_lock(lock)
        members[ObjectIdentifier(legion)] = Unmanaged.passUnretained(legion)
        mal_unlock(lock)
    }

    /// A legion of the group ended.
    func ended(_ legion: LegionState) {
        mal_lock(lock)
        members[ObjectIdentifier(legion)] = nil
        mal_unlock(lock)
    }

    /// A legion parked on a channel operation was readied by its counterpart.
    func readied() {
        mal_lock(lock)
        parkedOnChannels -= 1
        mal_unlock(lock)
    }

    /// A legion is parking on a channel operation (its state is saved, its wait queued).
    func parkedOnChannel(_ legion: LegionState) {
        mal_lock(lock)
        parkedOnChannels += 1
        if settled == nil && parkedOnChannels >= members.count {
            let legions = members.values.map { $0.takeUnretainedValue() }
            settle(.deadlock(describeDeadlock(legions)))
        }
        mal_unlock(lock)
    }

    /// A legion of the group returned.
    func finished(_ legion: LegionState) {
        guard legion === root else { return }
        mal_lock(lock)
        settle(.passed)
        mal_unlock(lock)
    }

    /// A legion of the group failed (or called `exit`).
    func failed(_ failure: RuntimeFailure) {
        mal_lock(lock)
        settle(.failed(failure))
        mal_unlock(lock)
    }

    /// True when the group is stopped: the legion must end now. Notes where the main
    /// legion was, for the report of a time limit.
    func isStopped(_ legion: LegionState) -> Bool {
        guard mal_load_acquire_u32(stopWord) != 0 else { return false }
        if legion === root {
            let location = vm.callerLocation(legion)
            mal_lock(lock)
            if rootStopLocation == nil { rootStopLocation = location }
            mal_unlock(lock)
        }
        return true
    }

    // MARK: The test runner's side

    /// The time limit passed: stops the group; running legions stop at their next safe point.
    func timeOut() {
        mal_lock(lock)
        settle(.timedOut)
        mal_unlock(lock)
        lg_preempt_all()
    }

    /// Under a seeded schedule the virtual clock reached the time limit with every legion
    /// blocked (none runs): the group timed out with its main legion waiting at `location`.
    func timeOutOnVirtualClock(at location: String) {
        mal_lock(lock)
        if settled == nil {
            virtualTimeOut = true
            rootStopLocation = location
            settle(.timedOut)
        }
        mal_unlock(lock)
    }

    /// True when the time limit was reached on a seeded schedule's virtual clock.
    var timedOutOnVirtualClock: Bool {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return virtualTimeOut
    }

    /// The runtime is quiescent and the group has not ended: all of its legions are parked
    /// forever (call only while no worker runs them).
    func settleAsDeadlocked() {
        mal_lock(lock)
        if settled == nil {
            settle(.deadlock(describeDeadlock(members.values.map { $0.takeUnretainedValue() })))
        }
        mal_unlock(lock)
    }

    /// Records the first outcome and stops the group (under `lock`).
    private func settle(_ outcome: Outcome) {
        guard settled == nil else { return }
        settled = outcome
        mal_store_release_u32(stopWord, 1)
        lg_wake_waiter()
    }
}
