import MalphasSyntax

/// LSP positions are 0-based lines and columns counted in UTF-16 code units; Malphas spans
/// are byte offsets. These convert between the two for one file.
extension SourceFile {
    /// The LSP position of a byte offset.
    func position(of offset: Int) -> [String: Any] {
        let clamped = max(0, min(offset, bytes.count))
        let line = self.line(of: clamped) - 1
        let start = lineStarts[line]
        let column = String(decoding: bytes[start..<clamped], as: UTF8.self).utf16.count
        return ["line": line, "character": column]
    }

    /// The LSP range of a span.
    func range(of span: Span) -> [String: Any] {
        ["start": position(of: span.start), "end": position(of: max(span.start, span.end))]
    }

    /// The byte offset of an LSP position, clamped into the file.
    func offset(line: Int, character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lineStarts.count else { return bytes.count }
        let start = lineStarts[line]
        let end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        var units = 0
        var offset = start
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        for scalar in text.unicodeScalars {
            if units >= character || scalar == "\n" { break }
            units += scalar.utf16.count
            offset += scalar.utf8.count
        }
        return min(offset, end)
    }

    /// The whole file's range, for an edit that replaces it.
    var wholeRange: [String: Any] {
        ["start": ["line": 0, "character": 0], "end": position(of: bytes.count)]
    }
}
