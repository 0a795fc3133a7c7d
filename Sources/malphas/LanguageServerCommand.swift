import ArgumentParser
import Glibc

/// `malphas lsp`: the language server, for editors (docs/EDITORS.md). The server is the
/// program `malphas-lsp` installed beside `malphas`, run in this process's place, so that
/// `malphas` itself does not link Foundation (which the server's JSON needs).
struct LanguageServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp",
        abstract: "Run the Malphas language server on standard input and output.",
        discussion: """
            Speaks the Language Server Protocol: diagnostics while typing, hover, go to \
            definition, completion, document symbols and formatting. Editors start it; \
            it logs to standard error. See docs/EDITORS.md.
            """
    )

    func run() throws {
        let server = Self.serverPath()
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup(server), nil]
        execv(server, &argv)
        let reason = String(cString: strerror(errno))
        printError("error: cannot start the language server `\(server)`: \(reason)")
        printError("help: `malphas-lsp` is built beside `malphas` (`swift build` builds both)")
        throw ExitCode(1)
    }

    /// `malphas-lsp` in the directory of this executable.
    static func serverPath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "malphas-lsp" }
        let exe = String(cString: buffer)
        guard let slash = exe.lastIndex(of: "/") else { return "malphas-lsp" }
        return String(exe[...slash]) + "malphas-lsp"
    }
}
