import ArgumentParser
import MalphasLanguageServer

/// `malphas lsp`: the language server, for editors (docs/EDITORS.md).
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
        let status = LanguageServer.serveStandardStreams()
        if status != 0 { throw ExitCode(status) }
    }
}
