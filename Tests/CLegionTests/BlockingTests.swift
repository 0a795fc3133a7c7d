import CLegion
import CLegionTestSupport
import XCTest

/// A legion blocked in a bracketed native call does not stop the others.
final class BlockingTests: XCTestCase {
    func testBlockedReadHandsTheOnlyWorkerToASpareThread() {
        var handoffs: UInt64 = 0, exited: UInt64 = 0
        assertScenario(lg_test_blocking_handoff(&handoffs, &exited), "blocking bracket")
        XCTAssertGreaterThanOrEqual(handoffs, 1)
        XCTAssertGreaterThanOrEqual(exited, 1, "idle spare threads exit")
    }
}
