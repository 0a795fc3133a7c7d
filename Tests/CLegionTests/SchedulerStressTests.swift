import CLegion
import CLegionTestSupport
import XCTest

/// Random yields, parks, readies, spawns, sleeps and blocking calls on many workers;
/// the seeds also vary the steal mode, preemption mode, context switch and stackless parking.
/// Run under ThreadSanitizer with
///     swift test --sanitize=thread --filter CLegionTests.SchedulerStressTests
final class SchedulerStressTests: XCTestCase {
    func testRandomYieldsParksAndReadiesOnFourWorkers() {
        for seed: Int32 in 0..<4 {
            assertScenario(lg_test_stress(4, 200, 200, seed), "stress, seed \(seed)")
        }
    }
}
