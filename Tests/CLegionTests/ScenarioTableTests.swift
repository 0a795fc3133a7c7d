import CLegionTestSupport
import Foundation
import XCTest

/// The table of scenarios that scripts/cross-test.sh runs on AArch64 and RISC-V
/// (Tests/CLegionTestSupport/scenario_table.c) lists every scenario these tests drive.
final class ScenarioTableTests: XCTestCase {
    func testEveryScenarioTheseTestsDriveIsInTheCrossArchitectureTable() throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(at: here, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "swift" }
        let call = try NSRegularExpression(pattern: #"\blg_test_[a-z_]+(?=\()"#)
        var driven = Set<String>()
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in call.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                driven.insert(String(text[Range(match.range, in: text)!]))
            }
        }
        let helpers: Set = ["lg_test_failure", "lg_test_under_thread_sanitizer", "lg_test_scenario_count", "lg_test_scenario_at"]
        driven.subtract(helpers)
        XCTAssertFalse(driven.isEmpty, "no scenario calls found in \(here.path)")
        let table = Set((0..<lg_test_scenario_count()).map { String(cString: lg_test_scenario_at($0).pointee.drives) })
        XCTAssertEqual(driven.subtracting(table).sorted(), [],
                       "scenarios driven by CLegionTests but missing from scenario_table.c")
    }
}
