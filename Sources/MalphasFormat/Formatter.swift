import MalphasSyntax

/// `malphas fmt`: the one canonical layout of Malphas source, like gofmt's (no options):
/// 4-space indentation, one statement per line, spaces around binary operators, trailing
/// commas in lists broken over several lines, a blank line between items, calls and
/// literals broken at a line width of 100. Comments stay where they were.
///
/// The formatter prints the parser's syntax tree back out, so the result parses to the
/// same tree by construction; what the tree does not record is read back from the
/// tokens: parentheses the author wrote, how literals were spelled (`0xff`, `1_000`,
/// escapes), `legion` for `spawn`, `name!(...)`, `pub` on methods, receivers written
/// `self: &Self`, supertraits and `package`. A file with syntax errors is not formatted.
public enum Formatter {
    /// The line width calls and literals are broken at.
    public static let lineWidth = 100

    /// What formatting a file gave.
    public enum Outcome: Sendable {
        /// The file in canonical layout.
        case formatted(String)
        /// The file does not parse; it is left as it is.
        case syntaxErrors([Diagnostic])
    }

    /// Formats one file of a source map. Runs on a thread of its own with a large stack
    /// (`LargeStack`), as compiling does: printing follows the tree's nesting (a chain of 10,000 method
    /// calls is 10,000 levels deep), whatever the caller's stack.
    public static func format(_ file: SourceFileID, in sources: SourceMap) -> Outcome {
        LargeStack.run { formatOnThisThread(file, in: sources) }
    }

    private static func formatOnThisThread(_ file: SourceFileID, in sources: SourceMap) -> Outcome {
        let parsed = Parser.parse(file, in: sources)
        if parsed.diagnostics.contains(where: { $0.severity == .error }) {
            return .syntaxErrors(parsed.diagnostics)
        }
        let bytes = sources.file(file)?.bytes ?? []
        let printer = SourcePrinter(file: file, bytes: bytes)
        let document = printer.sourceUnit(parsed.unit)
        var text = DocumentPrinter(width: lineWidth).print(document)
        while text.hasSuffix("\n") { text.removeLast() }
        return .formatted(text.isEmpty ? "" : text + "\n")
    }

    /// Formats source text (named `name` in diagnostics).
    public static func format(text: String, name: String = "<stdin>") -> (Outcome, SourceMap) {
        let sources = SourceMap()
        let id = sources.add(SourceFile(name: name, text: text))
        return (format(id, in: sources), sources)
    }
}
