import CLegion
import CLegionTestSupport
import XCTest

/// Work spawned on one worker spreads to the others by stealing.
final class LoadBalanceTests: XCTestCase {
    private func spread(_ mode: lg_steal_mode) -> [UInt64] {
        var counts = [UInt64](repeating: 0, count: 2)
        assertScenario(lg_test_spread(2, Int32(mode.rawValue), 10_000, &counts), "spread with steal mode \(mode)")
        return counts
    }

    func testTenThousandCPUBoundLegionsRunOnEveryWorkerWithRandomStealing() {
        let counts = spread(LG_STEAL_RANDOM)
        XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "per-worker runs \(counts)")
    }

    func testTenThousandCPUBoundLegionsRunOnEveryWorkerWithMostLoadedStealing() {
        let counts = spread(LG_STEAL_MOST_LOADED)
        XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "per-worker runs \(counts)")
    }

    func testWithoutStealingSpawnsStayOnTheSpawnersWorker() {
        let counts = spread(LG_STEAL_OFF)
        XCTAssertEqual(counts.max(), 10_000, "per-worker runs \(counts)")
    }
}
