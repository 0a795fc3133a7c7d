import CLegion
import CLegionTestSupport
import XCTest

/// Sleeps and deadlines fire on time, and a cancelled deadline never fires later.
final class TimerTests: XCTestCase {
    func testSleepsAndDeadlinesFireAndCancelledTimersStayQuiet() {
        assertScenario(lg_test_timers(contextAsm), "timers")
    }
}
