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

    func testAsmSwitchKeepsCalleeSavedRegistersAndFloatingPointControlWords() {
        assertScenario(lg_test_context_registers(), "x86-64 register check")
    }

    /// The AArch64 switch must assemble with its symbols; where qemu-user is installed
    /// (Debian package qemu-user) a freestanding check program also runs it.
    func testAArch64ContextAssemblesAndKeepsRegisters() throws {
        let clang = "/opt/swift/usr/bin/clang"
        guard FileManager.default.isExecutableFile(atPath: clang) else {
            throw XCTSkip("no clang at \(clang) to cross-assemble context_aarch64.S")
        }
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let source = here.appendingPathComponent("../../Sources/CLegion/context_aarch64.S").standardizedFileURL
        let check = here.appendingPathComponent("../CLegionTestSupport/fixtures/aarch64_switch_check.c")
            .standardizedFileURL
        let temp = FileManager.default.temporaryDirectory
        let object = temp.appendingPathComponent("context_aarch64-\(getpid()).o")
        let program = temp.appendingPathComponent("aarch64_switch_check-\(getpid())")
        defer {
            try? FileManager.default.removeItem(at: object)
            try? FileManager.default.removeItem(at: program)
        }
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
        let qemu = ["/usr/bin/qemu-aarch64", "/usr/bin/qemu-aarch64-static"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let qemu else {
            print("note: context_aarch64.S assembled but not run: install qemu-user to also run it")
            return
        }
        let (linkStatus, linkOutput) = try run(clang, [
            "--target=aarch64-linux-gnu", "-ffreestanding", "-nostdlib", "-static", "-fuse-ld=lld", "-O2",
            check.path, source.path, "-o", program.path,
        ])
        XCTAssertEqual(linkStatus, 0, "building the AArch64 check failed:\n\(linkOutput)")
        guard linkStatus == 0 else { return }
        let (runStatus, runOutput) = try run(qemu, [program.path])
        XCTAssertEqual(runStatus, 0, "AArch64 switch check under qemu: \(runOutput)")
        XCTAssertEqual(runOutput, "ok\n")
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
