import CLegion
import CLegionTestSupport
import XCTest

/// A legion that only polls its preempt flag is made to yield, so another legion on the
/// same single worker runs.
final class PreemptionTests: XCTestCase {
    func testFlagPreemptionLetsAnotherLegionRun() {
        assertScenario(lg_test_preempt(Int32(LG_PREEMPT_ON.rawValue), 0), "stackful spinner")
        assertScenario(lg_test_preempt(Int32(LG_PREEMPT_ON.rawValue), 1), "resumable spinner")
    }

    func testSignalPreemptionLetsAnotherLegionRun() {
        assertScenario(lg_test_preempt(Int32(LG_PREEMPT_SIGNAL.rawValue), 0), "stackful spinner")
        assertScenario(lg_test_preempt(Int32(LG_PREEMPT_SIGNAL.rawValue), 1), "resumable spinner")
    }

    func testWithPreemptionOffTheSpinnerKeepsTheWorker() {
        assertScenario(lg_test_preempt(Int32(LG_PREEMPT_OFF.rawValue), 0), "stackful spinner")
    }
}
