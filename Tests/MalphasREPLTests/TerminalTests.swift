// The REPL on a terminal: the built `malphas` run on a pseudo-terminal (util-linux's
// `script` makes one and gives it to the child as its controlling terminal, so Ctrl-C
// typed into it is a SIGINT). Keys are sent one input at a time, each after the screen
// shows what the previous one should have produced.
import Foundation
import Testing

/// A `malphas` session on a pseudo-terminal.
final class TerminalSession {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var screen = ""

    /// Where this session keeps its history.
    let historyFile: String

    /// A session with a history file of its own, once its first prompt shows.
    static func started() throws -> TerminalSession {
        let history = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-history-\(UUID().uuidString)").path
        let session = try TerminalSession(historyFile: history)
        #expect(session.waitFor(">> "))
        return session
    }

    init(historyFile: String) throws {
        self.historyFile = historyFile
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // `script` runs the command through $SHELL (/bin/sh when unset). `exec` makes
        // `malphas` replace that shell: a shell left waiting would share the terminal's
        // process group, die of the Ctrl-C, and `script -e` would report its death.
        let binary = directory.appendingPathComponent("malphas").path
        process.arguments = ["-qfec", "exec '\(binary)'", "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["MALPHAS_HISTORY"] = historyFile
        environment["TERM"] = "xterm"
        environment["INPUTRC"] = "/dev/null"
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.screen += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return screen
    }

    /// Waits up to 20 s until `needle` has appeared `count` times.
    @discardableResult
    func waitFor(_ needle: String, count: Int = 1) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if text.components(separatedBy: needle).count - 1 >= count { return true }
            usleep(20_000)
        }
        return false
    }

    func type(_ keys: String) {
        input.fileHandleForWriting.write(Data(keys.utf8))
    }

    /// Waits for the process to end (up to 20 s) and returns its status.
    func finish() -> Int32? {
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate(); return nil }
        output.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }
}

@Suite("The REPL on a terminal", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
struct TerminalTests {
    @Test("prompts, a two-line function, Ctrl-C interrupting a loop, history, Ctrl-D to leave")
    func session() throws {
        let t = try TerminalSession.started()
        t.type("fn double(n: int) -> int {\r")
        #expect(t.waitFor("... "))
        t.type("n * 2 }\r")
        #expect(t.waitFor(">> ", count: 2))
        t.type("double(21)\r")
        #expect(t.waitFor("42"))
        t.type("loop {}\r")
        #expect(t.waitFor("loop {}"))
        usleep(200_000)
        t.type("\u{3}")
        #expect(t.waitFor("interrupted"))
        #expect(t.waitFor(">> ", count: 4))
        t.type("\u{1b}[A\u{1b}[A\r")  // Up twice: `double(21)` again
        #expect(t.waitFor("42", count: 2))
        t.type("\u{4}")
        #expect(t.finish() == 0)
        let saved = try String(contentsOfFile: t.historyFile, encoding: .utf8)
        #expect(saved.contains("double(21)"))
        #expect(saved.contains("loop {}"))
    }

    @Test("Ctrl-C at the prompt drops the line being typed")
    func cancelLine() throws {
        let t = try TerminalSession.started()
        t.type("this is not finished (")
        #expect(t.waitFor("finished ("))
        t.type("\u{3}")
        #expect(t.waitFor("^C"))
        t.type("7 * 6\r")
        #expect(t.waitFor("42"))
        #expect(!t.text.contains("error"))
        t.type(":quit\r")
        #expect(t.finish() == 0)
    }

    @Test("a legion waiting in read_line leaves what is typed at the prompt to the prompt")
    func readerLeavesThePrompt() throws {
        let t = try TerminalSession.started()
        t.type("spawn { let line = read_line(); println(\"legion read {}\", line); };\r")
        #expect(t.waitFor(">> ", count: 2))
        t.type("6 * 7\r")
        #expect(t.waitFor("42"))
        #expect(t.waitFor(">> ", count: 3))
        // While an input runs, the terminal is the program's: the legion reads this line.
        t.type("sleep(1500)\r")
        #expect(t.waitFor("sleep(1500)"))
        usleep(300_000)
        t.type("for the legion\r")
        #expect(t.waitFor("legion read for the legion"))
        #expect(t.waitFor(">> ", count: 4))
        t.type("\u{4}")
        #expect(t.finish() == 0)
        #expect(!t.text.contains("error"))
    }

    @Test("a legion's output appears above the prompt and the line being typed is redrawn")
    func outputAbovePrompt() throws {
        let t = try TerminalSession.started()
        t.type("spawn { sleep(300); println(\"from a legion\"); };\r")
        #expect(t.waitFor(">> ", count: 2))
        t.type("let typed = 1")
        #expect(t.waitFor("from a legion"))
        #expect(t.waitFor(">> let typed = 1", count: 2))
        let after = t.text.components(separatedBy: "from a legion").last ?? ""
        #expect(after.contains(">> let typed = 1"))
        t.type(" + 1\rtyped\r")
        #expect(t.waitFor("2\r\n"))
        t.type("\u{4}")
        #expect(t.finish() == 0)
    }
}
