import XCTest

/// The golden example programs in examples/ (and examples/legions/, examples/net/): each `name.mal`
/// exits 0 and prints exactly `name.out`. The failing programs in examples/errors/ end
/// with the status on the first line of `name.expect` and print every substring on its
/// other lines to stderr. Every program runs twice: normally and suspending at every safe
/// point (the suspend/resume contract).
final class ExampleTests: XCTestCase {
    private var examples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples")
    }

    private func programs(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mal") }.sorted()
    }

    private func checkOutputs(in folder: URL) throws {
        let files = try programs(in: folder)
        XCTAssertFalse(files.isEmpty, "no examples found in \(folder.path)")
        for file in files {
            let name = String(file.dropLast(4))
            let source = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let expected = try String(contentsOf: folder.appendingPathComponent(name + ".out"), encoding: .utf8)
            for suspend in [false, true] {
                let r = Harness.run(source, name: file, suspendEverySafePoint: suspend)
                let mode = suspend ? " (suspending at every safe point)" : ""
                XCTAssertEqual(r.stdout, expected, "\(file)\(mode): stderr \(r.stderr)")
                XCTAssertEqual(r.status, 0, "\(file)\(mode) exit status: stderr \(r.stderr)")
            }
        }
    }

    func testSequentialExamples() throws {
        try checkOutputs(in: examples)
    }

    func testLegionExamples() throws {
        try checkOutputs(in: examples.appendingPathComponent("legions"))
    }

    func testNetworkExamples() throws {
        try checkOutputs(in: examples.appendingPathComponent("net"))
    }

    func testFailingExamples() throws {
        let folder = examples.appendingPathComponent("errors")
        let files = try programs(in: folder)
        XCTAssertFalse(files.isEmpty, "no examples found in \(folder.path)")
        for file in files {
            let name = String(file.dropLast(4))
            let source = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let expect = try String(contentsOf: folder.appendingPathComponent(name + ".expect"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            guard let status = expect.first.flatMap({ Int32($0) }) else {
                XCTFail("\(name).expect must start with the exit status")
                continue
            }
            for suspend in [false, true] {
                let r = Harness.run(source, name: file, suspendEverySafePoint: suspend)
                let mode = suspend ? " (suspending at every safe point)" : ""
                XCTAssertEqual(r.status, status, "\(file)\(mode) exit status: stderr \(r.stderr)")
                for needle in expect.dropFirst() where !needle.isEmpty {
                    XCTAssertTrue(r.stderr.contains(needle), "\(file)\(mode): stderr lacks \"\(needle)\":\n\(r.stderr)")
                }
            }
        }
    }
}
