import CLegion
import CLegionTestSupport
import XCTest

/// Legions waiting on file descriptors park like legions waiting on channels (poller.c).
final class PollerTests: XCTestCase {
    func testManyLegionsWaitOnTheirOwnDescriptorsAndAllWakeOnOneWorker() {
        assertScenario(lg_test_poll_many(1, 500), "poll many, 1 worker")
    }

    func testManyLegionsWaitOnTheirOwnDescriptorsAndAllWakeOnFourWorkers() {
        assertScenario(lg_test_poll_many(4, 500), "poll many, 4 workers")
    }

    func testClosingADescriptorWakesEveryLegionWaitingOnItWithAnError() {
        assertScenario(lg_test_poll_close_wakes_waiters(1), "close, 1 worker")
        assertScenario(lg_test_poll_close_wakes_waiters(3), "close, 3 workers")
    }

    func testDeadlinesExpireOnSilentDescriptorsAndBeatenDeadlinesStayQuiet() {
        assertScenario(lg_test_poll_deadlines(2), "deadlines")
    }

    func testReadinessRacingWithParkingLosesNoWakeup() {
        assertScenario(lg_test_poll_pingpong(1, 4, 2000), "ping-pong, 1 worker")
        assertScenario(lg_test_poll_pingpong(4, 8, 2000), "ping-pong, 4 workers")
    }

    func testAWatchedDescriptorStaysBlockingAndOpenWhileItsReaderParks() {
        assertScenario(lg_test_poll_watch(1, 5000), "watch, 1 worker")
        assertScenario(lg_test_poll_watch(4, 5000), "watch, 4 workers")
    }
}
