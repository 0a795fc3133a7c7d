/// A compile-time error (or warning) with the span it is about and, where a fix is
/// known, a help line. Rendered in one place, `DiagnosticRenderer`, in the style of rustc.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    public var message: String
    public var span: Span
    public var help: String?
    /// Printed after the carets under the primary span (`expected int, found string`).
    public var label: String?
    /// Secondary notes pointing at other places (e.g. the earlier definition of a duplicate).
    public var notes: [(message: String, span: Span?)]

    public init(_ severity: Severity = .error, _ message: String, at span: Span,
                help: String? = nil, notes: [(message: String, span: Span?)] = []) {
        self.severity = severity
        self.message = message
        self.span = span
        self.help = help
        self.notes = notes
    }

    public static func error(_ message: String, at span: Span, help: String? = nil) -> Diagnostic {
        Diagnostic(.error, message, at: span, help: help)
    }

    public var description: String { "\(severity.rawValue): \(message)" }
}

/// Renders diagnostics as rustc does:
///
///     error: cannot assign twice to immutable variable `x`
///      --> prog.mal:3:5
///       |
///     3 |     x = 2;
///       |     ^^^^^
///       |
///       = help: consider making this binding mutable: `let mut x`
public struct DiagnosticRenderer {
    public let sources: SourceMap

    public init(sources: SourceMap) { self.sources = sources }

    public func render(_ d: Diagnostic) -> String {
        var out = "\(d.severity.rawValue): \(d.message)\n"
        out += snippet(d.span, label: d.label)
        for note in d.notes {
            out += "note: \(note.message)\n"
            if let span = note.span { out += snippet(span) }
        }
        if let help = d.help {
            let gutter = String(repeating: " ", count: gutterWidth(d.span))
            out += "\(gutter) = help: \(help)\n"
        }
        return out
    }

    public func render(_ ds: [Diagnostic]) -> String {
        var out = ds.map(render).joined(separator: "\n")
        let errors = ds.filter { $0.severity == .error }.count
        if errors > 1 { out += "\nerror: aborting due to \(errors) previous errors\n" }
        return out
    }

    private func gutterWidth(_ span: Span) -> Int {
        String(sources.line(of: span)).count
    }

    private func snippet(_ span: Span, label: String? = nil) -> String {
        guard let file = sources.file(span.file) else { return "" }
        let (line, column) = file.location(of: span.start)
        let width = gutterWidth(span)
        let pad = String(repeating: " ", count: width)
        let text = file.lineText(line)
        // The caret covers the span on its first line, at least one character.
        let endOffset = min(span.end, line < file.lineStarts.count ? file.lineStarts[line] - 1 : file.bytes.count)
        let endColumn = span.end > span.start ? file.location(of: max(endOffset, span.start)).column : column + 1
        let carets = String(repeating: "^", count: max(1, endColumn - column))
        let indent = String(text.prefix(column - 1).map { $0 == "\t" ? "\t" : " " })
        return """
        \(pad)--> \(file.name):\(line):\(column)
        \(pad) |
        \(String(line))\(String(repeating: " ", count: width - String(line).count)) | \(text)
        \(pad) | \(indent)\(carets)\(label.map { " " + $0 } ?? "")

        """
    }
}
