import XCTest

/// The golden example programs in examples/: each `name.mal` runs and prints exactly
/// `name.out`, both normally and suspending at every safe point (the suspend/resume
/// contract). An optional `name.status` holds the expected exit status.
final class ExampleTests: XCTestCase {
    func testGoldenExamples() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".mal") }.sorted()
        XCTAssertFalse(files.isEmpty, "no examples found in \(examples.path)")
        for file in files {
            let name = String(file.dropLast(4))
            let source = try String(contentsOf: examples.appendingPathComponent(file), encoding: .utf8)
            let expected = try String(contentsOf: examples.appendingPathComponent(name + ".out"), encoding: .utf8)
            let status = (try? String(contentsOf: examples.appendingPathComponent(name + ".status"), encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            for suspend in [false, true] {
                let r = Harness.run(source, name: file, suspendEverySafePoint: suspend)
                XCTAssertEqual(r.stdout, expected, "\(file)\(suspend ? " (suspending at every safe point)" : ""): stderr \(r.stderr)")
                XCTAssertEqual(r.status, status, "\(file) exit status: stderr \(r.stderr)")
            }
        }
    }
}
