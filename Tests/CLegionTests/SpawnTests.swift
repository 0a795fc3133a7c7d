import CLegion
import CLegionTestSupport
import XCTest

/// 100,000 legions spawned by one legion run to completion, checked by a checksum.
final class SpawnTests: XCTestCase {
    func testHundredThousandStackfulLegionsOnOneTwoAndFourWorkers() {
        for workers: UInt32 in [1, 2, 4] {
            assertScenario(lg_test_spawn_many(workers, 0, contextAsm, 100_000), "stackful on \(workers) workers")
        }
    }

    func testHundredThousandResumableLegionsOnOneTwoAndFourWorkers() {
        for workers: UInt32 in [1, 2, 4] {
            assertScenario(lg_test_spawn_many(workers, 1, contextAsm, 100_000), "resumable on \(workers) workers")
        }
    }
}
