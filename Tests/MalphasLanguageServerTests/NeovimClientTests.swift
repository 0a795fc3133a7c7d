import Foundation
import XCTest

/// A real editor's client: Neovim, headless, its built-in LSP client attached to
/// `malphas lsp`, reads back the diagnostics it received for a file with an error.
final class NeovimClientTests: XCTestCase {
    /// Starts the server for the current buffer (`vim.lsp.start` from Neovim 0.8, the
    /// older `start_client` before), waits for diagnostics and writes them out, one per
    /// line as `line:column:message`.
    static let script = """
    local bin, file, out = os.getenv("MALPHAS_BIN"), os.getenv("MALPHAS_FILE"), os.getenv("MALPHAS_OUT")
    vim.cmd("edit " .. file)
    local buf = vim.api.nvim_get_current_buf()
    local config = { name = "malphas", cmd = { bin, "lsp" }, root_dir = vim.fn.fnamemodify(file, ":h") }
    local client
    if vim.lsp.start then
        client = vim.lsp.start(config)
    else
        client = vim.lsp.start_client(config)
        vim.lsp.buf_attach_client(buf, client)
    end
    vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
    local lines = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
        local message = d.message:gsub("\\n", " ")
        table.insert(lines, string.format("%d:%d:%s", d.lnum, d.col, message))
    end
    vim.fn.writefile(lines, out)
    vim.lsp.stop_client(client)
    vim.cmd("qa!")
    """

    func testNeovimReceivesTheDiagnosticsOfAFileWithAnError() throws {
        guard let nvim = ["/usr/bin/nvim", "/usr/local/bin/nvim", "/bin/nvim"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("Neovim (nvim) is not installed: .ci/run installs it; this test attaches its LSP client to `malphas lsp`")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-nvim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = directory.appendingPathComponent("main.mal")
        try "fn main() {\n    let total = 1;\n    println(totl);\n}\n".write(to: program, atomically: true, encoding: .utf8)
        let script = directory.appendingPathComponent("attach.lua")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("diagnostics.txt")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: nvim)
        process.arguments = ["--headless", "--clean", "-c", "luafile \(script.path)"]
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        var environment = ProcessInfo.processInfo.environment
        environment["MALPHAS_BIN"] = bundle.appendingPathComponent("malphas").path
        environment["MALPHAS_FILE"] = program.path
        environment["MALPHAS_OUT"] = output.path
        environment["HOME"] = directory.path
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("Neovim did not finish within 60 seconds")
            return
        }
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(lines)")
        XCTAssertTrue(lines.first?.hasPrefix("2:12:") == true, "\(lines)")
        XCTAssertTrue(lines.first?.contains("`totl`") == true, "\(lines)")
    }
}
