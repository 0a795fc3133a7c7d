import ArgumentParser
import MalphasCompiler
import MalphasFormat
import MalphasSyntax

/// `malphas fmt`: puts Malphas source into its one canonical layout (`Formatter`).
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Format Malphas source in its one canonical layout.",
        discussion: """
            With no path, formats standard input to standard output. With paths, rewrites \
            each file in place (directories: every *.mal file under them). A file with \
            syntax errors is left as it is and its errors are printed (status 2). With \
            --check nothing is written: the files not already formatted are listed (status 1).
            """
    )

    @Flag(name: .customLong("check"), help: "List the files that are not formatted, without changing them.")
    var check = false

    @Argument(help: "Files and directories to format (standard input when none).")
    var paths: [String] = []

    func run() throws {
        var status: Int32 = 0
        if paths.isEmpty {
            status = try formatStandardInput()
        } else {
            for path in paths where Files.kind(path) == nil {
                printError("error: cannot read `\(path)`: no such file or directory")
                status = 2
            }
            for path in sourceFiles() { status = max(status, format(path: path)) }
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func formatStandardInput() throws -> Int32 {
        let bytes = try SourceReader.read(path: "-")
        let sources = SourceMap()
        let id = sources.add(SourceFile(name: "<stdin>", bytes: bytes))
        switch Formatter.format(id, in: sources) {
        case .syntaxErrors(let diagnostics):
            printError(DiagnosticRenderer(sources: sources).render(diagnostics), terminator: "")
            return 2
        case .formatted(let text):
            if check {
                guard Array(text.utf8) != bytes else { return 0 }
                print("<stdin>")
                return 1
            }
            print(text, terminator: "")
            return 0
        }
    }

    /// Formats (or checks) one file; its exit status.
    private func format(path: String) -> Int32 {
        let bytes: [UInt8]
        do { bytes = try SourceReader.read(path: path) } catch {
            printError("error: \(error)")
            return 2
        }
        let sources = SourceMap()
        let id = sources.add(SourceFile(name: path, bytes: bytes))
        switch Formatter.format(id, in: sources) {
        case .syntaxErrors(let diagnostics):
            printError(DiagnosticRenderer(sources: sources).render(diagnostics), terminator: "")
            return 2
        case .formatted(let text):
            guard Array(text.utf8) != bytes else { return 0 }
            if check {
                print(path)
                return 1
            }
            if case .failure(let failure) = Files.replace(path, with: Array(text.utf8)) {
                printError("error: cannot write `\(path)`: \(failure.reason)")
                return 2
            }
            return 0
        }
    }

    /// The files the paths name: files as given, directories searched for *.mal files.
    private func sourceFiles() -> [String] {
        var files: [String] = []
        for path in paths {
            switch Files.kind(path) {
            case .directory: files += malphasFiles(under: path)
            case .file: files.append(path)
            default: break
            }
        }
        return files
    }

    private func malphasFiles(under directory: String) -> [String] {
        guard case .success(let names) = Files.entries(of: directory) else { return [] }
        var files: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            switch Files.kind(path) {
            case .directory: files += malphasFiles(under: path)
            case .file where name.hasSuffix(".mal"): files.append(path)
            default: break
            }
        }
        return files
    }
}
