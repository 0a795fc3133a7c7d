import CLegion
import XCTest

/// The commit of a Swift-written park: runs on the scheduler's stack after the switch.
private let mailboxCommit: lg_commit_fn = { _, arg in
    Unmanaged<SwiftEmbeddingTests.Mailbox>.fromOpaque(arg!).takeUnretainedValue().unlocked += 1
    return true
}

/// The API used from Swift the way the Malphas VM will use it: resumable legions whose
/// step is a Swift function, parking with a commit and a deadline, readied from another
/// thread, reading the preempt flag at a safe point, and quiescence to end.
final class SwiftEmbeddingTests: XCTestCase {
    /// State of one Swift-written legion; touched by one legion at a time, and by the test
    /// thread only after lg_wait has seen the runtime quiescent.
    final class Mailbox {
        var steps = 0
        var parkedLegion: OpaquePointer?
        var sawFlag = false
        var unlocked = 0
    }

    func testResumableLegionWrittenInSwiftParksWithCommitAndDeadline() {
        var config = lg_config()
        lg_config_init(&config)
        config.workers = 2
        XCTAssertEqual(lg_start(&config), 0)
        defer { lg_shutdown() }
        XCTAssertEqual(lg_num_workers(), 2)

        let box = Mailbox()
        let user = Unmanaged.passRetained(box).toOpaque()
        defer { Unmanaged<Mailbox>.fromOpaque(user).release() }
        let step: lg_step_fn = { legion, user in
            let box = Unmanaged<Mailbox>.fromOpaque(user!).takeUnretainedValue()
            box.steps += 1
            switch box.steps {
            case 1: // wait for a ready from outside
                box.parkedLegion = legion
                lg_park_commit(mailboxCommit, user)
                return LG_STEP_PARK
            case 2: // sleep 2 ms without holding a native stack
                lg_park_deadline(lg_now_ns() + 2_000_000)
                return LG_STEP_PARK
            default: // a safe point
                if let flag = lg_preempt_flag() {
                    box.sawFlag = true
                    _ = lg_preempt_requested(flag)
                }
                return LG_STEP_DONE
            }
        }
        XCTAssertNotEqual(lg_spawn_resumable(step, user), 0)

        var parked = 0
        XCTAssertEqual(lg_wait(10_000_000_000, &parked), LG_WAIT_QUIESCENT)
        XCTAssertEqual(parked, 1, "the legion waits for its ready")
        XCTAssertEqual(box.unlocked, 1, "the commit ran once")
        XCTAssertNotNil(box.parkedLegion)
        if let legion = box.parkedLegion {
            XCTAssertGreaterThan(lg_legion_id(legion), 0)
            lg_ready(legion)
        }
        XCTAssertEqual(lg_wait(10_000_000_000, &parked), LG_WAIT_QUIESCENT)
        XCTAssertEqual(parked, 0)
        XCTAssertEqual(box.steps, 3)
        XCTAssertTrue(box.sawFlag, "a step runs on a worker, which has a preempt flag")
    }

    func testStackfulLegionWrittenInSwiftWakesTheWaiter() {
        XCTAssertEqual(lg_start(nil), 0)
        defer { lg_shutdown() }
        stackfulReport = (false, -1)
        let entry: lg_entry_fn = { _ in
            lg_yield()
            lg_sleep_ns(1_000_000)
            stackfulReport = (lg_current() != nil, lg_worker_index())
            lg_wake_waiter() // "main finished"
        }
        XCTAssertNotEqual(lg_spawn(entry, nil), 0)
        var parked = 0
        XCTAssertEqual(lg_wait(10_000_000_000, &parked), LG_WAIT_WOKEN)
        XCTAssertTrue(stackfulReport.inLegion)
        XCTAssertGreaterThanOrEqual(stackfulReport.worker, 0)
    }
}

/// What the stackful legion saw; written before lg_wake_waiter, read after lg_wait.
private var stackfulReport: (inLegion: Bool, worker: Int32) = (false, -1)
