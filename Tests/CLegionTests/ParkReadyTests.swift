import CLegion
import CLegionTestSupport
import XCTest

/// Parking with a commit and readying never loses a wakeup.
final class ParkReadyTests: XCTestCase {
    func testOneMillionHandOffsBetweenStackfulLegionsLoseNothing() {
        var cross = 0, parks = 0
        assertScenario(lg_test_handoffs(2, 0, contextAsm, 1_000_000, &cross, &parks), "stackful hand-offs")
        XCTAssertGreaterThan(parks, 500_000, "most hand-offs should park the receiver")
        print("stackful: \(parks) parks, \(cross) readies from another worker than the waiter parked on")
    }

    func testOneMillionHandOffsBetweenResumableLegionsLoseNothing() {
        var cross = 0, parks = 0
        assertScenario(lg_test_handoffs(2, 1, contextAsm, 1_000_000, &cross, &parks), "resumable hand-offs")
        XCTAssertGreaterThan(parks, 500_000, "most hand-offs should park the receiver")
        print("resumable: \(parks) parks, \(cross) readies from another worker than the waiter parked on")
    }

    func testCommitReturningFalseCancelsParkAndReadyIsAPermit() {
        assertScenario(lg_test_park_commit(0), "stackful")
        assertScenario(lg_test_park_commit(1), "resumable")
    }

    func testRetainedLegionOutlivesItsEndAndReadyingItDoesNothing() {
        assertScenario(lg_test_retained_legion(), "retained legion")
    }

    func testQuiescenceCountsParkedLegionsAndWaitsForTimers() {
        assertScenario(lg_test_quiescence(), "quiescence")
    }
}
