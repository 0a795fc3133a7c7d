import CLegion
import CLegionTestSupport
import Foundation
import XCTest

/// Both context-switch implementations run the same basic scenarios.
final class ContextSwitchTests: XCTestCase {
    func testAsmSwitchRunsStackfulAndResumableLegions() {
        assertScenario(lg_test_spawn_many(2, 0, contextAsm, 20_000), "stackful, asm")
        assertScenario(lg_test_spawn_many(2, 1, contextAsm, 20_000), "resumable, asm")
    }

    func testUcontextSwitchRunsStackfulAndResumableLegions() {
        assertScenario(lg_test_spawn_many(2, 0, contextUcontext, 20_000), "stackful, ucontext")
        assertScenario(lg_test_spawn_many(2, 1, contextUcontext, 20_000), "resumable, ucontext")
    }

    func testYieldPingPongAlternatesStrictlyWithAsm() {
        assertScenario(lg_test_yield_pingpong(contextAsm, 100_000), "ping-pong, asm")
    }

    func testYieldPingPongAlternatesStrictlyWithUcontext() {
        assertScenario(lg_test_yield_pingpong(contextUcontext, 20_000), "ping-pong, ucontext")
    }

    func testParkReadyHandOffsWithUcontext() {
        var cross = 0, parks = 0
        assertScenario(lg_test_handoffs(2, 0, contextUcontext, 100_000, &cross, &parks), "hand-offs, ucontext")
    }

    func testTimersWithUcontext() {
        assertScenario(lg_test_timers(contextUcontext), "timers, ucontext")
    }

    /// The AArch64 switch cannot run here, but it must assemble, with its symbols.
    func testAArch64ContextAssembles() throws {
        let clang = "/opt/swift/usr/bin/clang"
        guard FileManager.default.isExecutableFile(atPath: clang) else {
            throw XCTSkip("no clang at \(clang) to cross-assemble context_aarch64.S")
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/CLegion/context_aarch64.S").standardizedFileURL
        let object = FileManager.default.temporaryDirectory
            .appendingPathComponent("context_aarch64-\(getpid()).o")
        defer { try? FileManager.default.removeItem(at: object) }
        let (status, output) = try run(clang, ["--target=aarch64-linux-gnu", "-c", source.path, "-o", object.path])
        XCTAssertEqual(status, 0, "clang failed to assemble context_aarch64.S:\n\(output)")
        let nm = "/opt/swift/usr/bin/llvm-nm"
        if FileManager.default.isExecutableFile(atPath: nm) {
            let (nmStatus, symbols) = try run(nm, [object.path])
            XCTAssertEqual(nmStatus, 0)
            for symbol in ["lg_ctx_switch", "lg_ctx_make", "lg_ctx_trampoline"] {
                XCTAssertTrue(symbols.contains(symbol), "\(symbol) missing from the AArch64 object:\n\(symbols)")
            }
        }
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
