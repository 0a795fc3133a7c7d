// Limits on one run: an instruction budget and a wall-clock time limit. Both end the
// program through the runtime bridge's abort path (the first failure wins, every legion
// stops at its next step or safe point, the waiter wakes), report a clear error and exit
// with status 1. They exist so that a program that never ends, whether it loops, recurses
// or sleeps forever, cannot hang a test, a fuzzer or a sandboxed run.
//
// The budget counts safe points: function entries and loop iterations, which every
// unbounded execution passes. It costs nothing while off, because it rides on the slow
// path the safe points already have: a safe point with its flag set returns from
// `VM.run` to the bridge's step. With a budget, the step points the VM at a flag that is
// always set, so every safe point returns; the step counts it and resumes the VM at once
// unless the worker's real preempt flag asks for a yield (`LegionRuntime.spendBudget`).
// The fast path (one load, one branch) is the same instructions with or without a budget.
// Counting is a legion-local decrement; the shared remainder is a relaxed atomic that a
// step leases from in chunks, so legions on several workers rarely touch it.
//
// The time limit is the waiter's: it waits for the program's end with a timeout
// (`lg_wait`), and when the deadline passes it aborts the run itself, which also ends
// programs whose every legion is parked (a long `sleep`, a channel nobody sends on).
// A legion waiting in `read_line` polls, so it sees the abort too (`Input`).

import CMalphasSync
import MalphasCompiler

/// The shared remainder of an instruction budget, leased in chunks by the legions' steps.
final class SafePointBudget {
    /// The budget as given (for the message).
    let total: Int
    /// Safe points not yet leased to a step; may go negative once exhausted. Relaxed
    /// atomics: the count needs no ordering with anything else.
    private let remaining: UnsafeMutablePointer<Int64>
    /// A byte that is always 1: the safe-point flag of every step while a budget is set.
    let alwaysSet: UnsafeMutablePointer<UInt8>

    /// Safe points a step takes from the shared remainder at a time.
    static let chunk = 256

    init(total: Int) {
        self.total = total
        remaining = .allocate(capacity: 1)
        remaining.initialize(to: Int64(total))
        alwaysSet = .allocate(capacity: 1)
        alwaysSet.initialize(to: 1)
    }

    deinit {
        remaining.deallocate()
        alwaysSet.deallocate()
    }

    /// Leases up to `chunk` safe points; 0 once the budget is spent.
    func lease() -> Int {
        let before = mal_fetch_add_i64(remaining, -Int64(SafePointBudget.chunk))
        return Int(min(max(before, 0), Int64(SafePointBudget.chunk)))
    }

    /// Returns what a step leased and did not use.
    func giveBack(_ unused: Int) {
        if unused > 0 { _ = mal_fetch_add_i64(remaining, Int64(unused)) }
    }

    var exhausted: RuntimeError {
        RuntimeError("instruction budget of \(total) exhausted (it counts function calls and loop iterations)")
    }
}

extension RunOptions {
    /// The error of a run stopped by its time limit.
    static func timeLimitExceeded(_ limit: Duration) -> RuntimeError {
        RuntimeError("time limit of \(limit.milliseconds) ms exceeded")
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1000 &+ attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, rounded down; 0 for a negative duration, saturating.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || attoseconds < 0 { return 0 }
        let (ns, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = ns.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow || overflow2 ? UInt64.max : total
    }
}

extension LegionState {
    /// True when the legion stopped right after `yield_now()` or `sleep(0)`: a yield the
    /// program asked for, which the budget's step must not skip.
    var stoppedAtBuiltinCall: Bool {
        guard frameCount > 0 else { return false }
        let frame = frames[frameCount - 1]
        guard frame.pc > 0 else { return false }
        let word = frame.code._withUnsafeGuaranteedRef { $0.code[frame.pc - 1] }
        guard Instruction.opcode(word) == .callBuiltin else { return false }
        let builtin = BuiltinFunction.allCases[Instruction.c(word)]
        return builtin == .yieldNow || builtin == .sleep
    }
}
