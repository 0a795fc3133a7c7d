import CLegion
import CLegionTestSupport
import XCTest

/// The seeded scheduling policy: deterministic interleavings from a seed, on a virtual
/// clock (Sources/CLegion/schedule_seeded.c).
final class SeededScheduleTests: XCTestCase {
    func testTheSameSeedGivesTheSameInterleavingEveryRun() {
        for seed: UInt64 in [1, 42, 0xDEAD_BEEF, (9 << 48) | 12345] {
            assertScenario(lg_test_seeded_same_seed_same_order(seed), "seed \(seed)")
        }
    }

    func testDifferentSeedsGiveDifferentInterleavings() {
        var distinct: UInt32 = 0
        assertScenario(lg_test_seeded_seeds_differ(20, &distinct), "20 seeds")
        XCTAssertGreaterThanOrEqual(distinct, 10, "20 seeds gave only \(distinct) different interleavings")
    }

    func testSleepsRunOnTheVirtualClockInDeadlineOrder() {
        var wall: UInt64 = 0
        assertScenario(lg_test_seeded_virtual_clock(&wall), "virtual clock")
        // 10 s of sleeping in total: only a broken virtual clock could take that long.
        XCTAssertLessThan(wall, 5_000_000_000, "virtual sleeps took \(wall) ns of real time")
    }

    func testTheClockStopsAtItsLimitAndTheRuntimeGoesQuiescent() {
        assertScenario(lg_test_seeded_clock_limit(), "clock limit")
    }

    func testTheSeedSwitchTurnsThePolicyOnAndRejectsBadNumbers() {
        var config = lg_config()
        lg_config_init(&config)
        XCTAssertFalse(config.seeded)
        XCTAssertEqual(lg_config_set(&config, "seed", "123"), 0)
        XCTAssertTrue(config.seeded)
        XCTAssertEqual(config.seed, 123)
        XCTAssertEqual(lg_config_set(&config, "seed", "-1"), -2)
        XCTAssertEqual(lg_config_set(&config, "seed", "12x"), -2)
        XCTAssertEqual(lg_config_set(&config, "clock-limit-ms", "1500"), 0)
        XCTAssertEqual(config.clock_limit_ns, 1_500_000_000)
    }

    func testASeedDescribesItsScheduleKind() {
        var kinds = Set<String>()
        var buffer = [CChar](repeating: 0, count: 128)
        for seed: UInt64 in 0..<64 {
            _ = lg_schedule_describe(seed, &buffer, buffer.count)
            kinds.insert(String(String(cString: buffer).prefix(while: { $0 != "," })))
        }
        XCTAssertEqual(kinds, ["PCT", "uniform"])
        _ = lg_schedule_describe((6 << 48) | 5, &buffer, buffer.count)
        let text = String(cString: buffer)
        XCTAssertTrue(text.hasPrefix("uniform") || text.contains("k 64"), "a step hint of 6 means k = 64: \(text)")
    }
}
