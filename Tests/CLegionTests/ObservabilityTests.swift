import CLegion
import CLegionTestSupport
import Foundation
import XCTest

/// Statistics, trace output and configuration parsing.
final class ObservabilityTests: XCTestCase {
    func testTraceIsChromeTraceEventJSON() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("legion-trace-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        assertScenario(lg_test_trace(path), "trace")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let events = json?["traceEvents"] as? [[String: Any]] ?? []
        let slices = events.filter { $0["ph"] as? String == "X" }
        XCTAssertGreaterThanOrEqual(slices.count, 101, "one slice per legion run")
        XCTAssertTrue(slices.allSatisfy { $0["tid"] is Int && $0["dur"] != nil })
    }

    func testStatsTableHasARowPerWorkerAndATotal() {
        var buffer = [CChar](repeating: 0, count: 8192)
        assertScenario(lg_test_stats_table(&buffer, buffer.count), "stats")
        let lines = String(cString: buffer).split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("worker") ?? false, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("0 ") } && lines.contains { $0.hasPrefix("1 ") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("total") }, "\(lines)")
    }

    func testConfigSwitchesParse() {
        var config = lg_config()
        lg_config_init(&config)
        XCTAssertEqual(config.context, LG_CONTEXT_ASM)
        XCTAssertEqual(config.preempt, LG_PREEMPT_ON)
        XCTAssertEqual(config.steal, LG_STEAL_RANDOM)
        XCTAssertTrue(config.stackless)
        XCTAssertEqual(config.stack_size, 256 * 1024)
        XCTAssertEqual(lg_config_set(&config, "stack-size", "1M"), 0)
        XCTAssertEqual(config.stack_size, 1 << 20)
        XCTAssertEqual(lg_config_set(&config, "context", "ucontext"), 0)
        XCTAssertEqual(config.context, LG_CONTEXT_UCONTEXT)
        XCTAssertEqual(lg_config_set(&config, "preempt", "signal"), 0)
        XCTAssertEqual(config.preempt, LG_PREEMPT_SIGNAL)
        XCTAssertEqual(lg_config_set(&config, "steal", "most-loaded"), 0)
        XCTAssertEqual(config.steal, LG_STEAL_MOST_LOADED)
        XCTAssertEqual(lg_config_set(&config, "stackless", "off"), 0)
        XCTAssertFalse(config.stackless)
        XCTAssertEqual(lg_config_set(&config, "preempt", "sometimes"), -2)
        XCTAssertEqual(lg_config_set(&config, "colour", "blue"), -1)
        XCTAssertEqual(lg_parse_size("256K"), 256 * 1024)
        XCTAssertEqual(lg_parse_size("2GiB"), 2 << 30)
        XCTAssertEqual(lg_parse_size("12x"), 0)
    }
}
