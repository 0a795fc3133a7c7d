import XCTest
@testable import MalphasVM

/// The legion examples in examples/legions/: each `name.mal` prints exactly `name.out`
/// on 1, 2 and 4 workers (their outputs do not depend on scheduling), and once more on 2
/// workers suspending at every safe point.
final class LegionExampleTests: XCTestCase {
    func testLegionExamplesOnOneTwoAndFourWorkers() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/legions")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mal") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 8, "legion examples in \(folder.path)")
        for file in files {
            let source = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let expected = try String(contentsOf: folder.appendingPathComponent(String(file.dropLast(4)) + ".out"), encoding: .utf8)
            for (workers, suspend) in [(1, false), (2, false), (4, false), (2, true)] {
                let r = Harness.run(source, name: file, suspendEverySafePoint: suspend, workers: workers)
                let mode = "\(file) on \(workers) worker(s)\(suspend ? ", suspending at every safe point" : "")"
                XCTAssertEqual(r.stdout, expected, "\(mode): stderr \(r.stderr)")
                XCTAssertEqual(r.status, 0, "\(mode) exit status: stderr \(r.stderr)")
            }
        }
    }
}
