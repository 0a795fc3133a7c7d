import CLegion
import CLegionTestSupport
import XCTest

/// Native stacks: guard regions, big stacks, stackless parking, memory returned by the pool.
final class StackTests: XCTestCase {
    func testGuardRegionOverflowPrintsWhichLegionAndHowToRaiseTheStack() throws {
        try XCTSkipIf(lg_test_under_thread_sanitizer() != 0,
                      "ThreadSanitizer cannot start threads in a child forked from a multithreaded process")
        var buffer = [CChar](repeating: 0, count: 4096)
        var status: Int32 = 0
        assertScenario(lg_test_overflow_child(&buffer, buffer.count, &status), "overflow child")
        let message = String(cString: buffer)
        XCTAssertEqual(status, 70, "exit status of the overflowing process; stderr:\n\(message)")
        XCTAssertTrue(message.contains("overflowed its native stack of 64 KiB"), message)
        XCTAssertTrue(message.range(of: #"legion [0-9]+ overflowed"#, options: .regularExpression) != nil, message)
        XCTAssertTrue(message.contains("guard region"), message)
        XCTAssertTrue(message.contains("rerun with --stack-size 1M"), message)
    }

    func testLegionUsesFourMiBOfAnEightMiBStack() {
        var highWater: UInt64 = 0
        assertScenario(lg_test_big_stack(8 << 20, 4 << 20, &highWater), "4 MiB of 8 MiB")
        XCTAssertGreaterThanOrEqual(highWater, 4 << 20)
    }

    func testTwoHundredThousandParkedResumableLegionsHoldAboutOneStackPerWorker() {
        var stacks = 0, maps = 0
        assertScenario(lg_test_parked_resumable(2, 1, 200_000, &stacks, &maps), "stackless parking")
        XCTAssertLessThanOrEqual(stacks, 4, "native stacks mapped while 200,000 legions are parked")
        XCTAssertLessThan(maps, 100, "growth of /proc/self/maps while 200,000 legions are parked")
    }

    func testWithoutStacklessParkingEveryParkedLegionHoldsAStack() {
        var stacks = 0, maps = 0
        assertScenario(lg_test_parked_resumable(2, 0, 2_000, &stacks, &maps), "dedicated stacks")
        XCTAssertGreaterThanOrEqual(stacks, 2_000)
        XCTAssertGreaterThanOrEqual(maps, 2 * 2_000, "a stack with a guard region is two mappings")
    }

    func testStacksReturnedToThePoolGiveTheirMemoryBack() throws {
        try XCTSkipIf(lg_test_under_thread_sanitizer() != 0, "ThreadSanitizer's shadow memory makes RSS meaningless")
        var before = 0, peak = 0, after = 0
        assertScenario(lg_test_stack_memory_returned(64, 2 << 20, 1536 << 10, &before, &peak, &after), "pool")
        let touchedKiB = 64 * 1536
        XCTAssertGreaterThan(peak - before, touchedKiB * 3 / 4, "RSS must grow while the legions hold their stacks")
        XCTAssertLessThan(after - before, touchedKiB / 4,
                          "RSS after the stacks were pooled: before \(before) KiB, peak \(peak) KiB, after \(after) KiB")
    }

    func testASpawnThatCannotMapItsStackFailsAloneAndNothingAborts() throws {
        try XCTSkipIf(lg_test_under_thread_sanitizer() != 0,
                      "ThreadSanitizer's shadow memory takes most of the address space these stacks fill")
        var spawned = 0, endedUnrun = 0
        assertScenario(lg_test_stack_exhaustion(&spawned, &endedUnrun), "1 TiB stacks")
        XCTAssertGreaterThan(spawned, 0, "resumable spawns before the address space ran out")
        XCTAssertGreaterThan(endedUnrun, 0, "stackful legions that could not get a stack")
    }

    func testMemoryOfHalfAMillionEndedLegionsGoesBackToTheSystemWithinThreeSeconds() throws {
        var before = 0, peak = 0, after = 0
        var afterMs: UInt32 = 0
        if lg_test_under_thread_sanitizer() != 0 {
            // The reclaim and the runtime after it, checked for races; RSS means nothing here.
            assertScenario(lg_test_memory_after_spike(20_000, 3000, &before, &peak, &after, &afterMs), "spike")
            throw XCTSkip("ThreadSanitizer's shadow memory makes RSS meaningless: only the reclaim's races were checked")
        }
        assertScenario(lg_test_memory_after_spike(500_000, 3000, &before, &peak, &after, &afterMs), "spike")
        XCTAssertGreaterThan(peak - before, 20_000, "500,000 parked legions should take tens of MB")
        XCTAssertLessThanOrEqual(after - before, (peak - before) / 4,
                                 "RSS before \(before) KiB, peak \(peak) KiB, \(after) KiB \(afterMs) ms after the spike")
    }
}
