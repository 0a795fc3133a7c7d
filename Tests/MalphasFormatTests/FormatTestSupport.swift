import MalphasFormat
import MalphasSyntax
import XCTest

/// Formats `source`, failing the test on syntax errors.
func formatted(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let (outcome, sources) = Formatter.format(text: source, name: "test.mal")
    switch outcome {
    case .formatted(let text): return text
    case .syntaxErrors(let diagnostics):
        XCTFail("unexpected syntax errors:\n" + DiagnosticRenderer(sources: sources).render(diagnostics), file: file, line: line)
        return source
    }
}

/// The syntax tree of a file as an S-expression (no spans), or nil when it does not parse.
func syntaxTree(_ source: String) -> String? {
    let sources = SourceMap()
    let id = sources.add(SourceFile(name: "test.mal", text: source))
    let result = Parser.parse(id, in: sources)
    return result.diagnostics.isEmpty ? ASTDump.dump(result.unit) : nil
}

/// The comments of a file, in order.
func commentTexts(_ source: String) -> [String] {
    Lexer.tokenizeKeepingComments(file: SourceFileID(raw: 0), bytes: Array(source.utf8)).comments.map(\.text)
}

/// The words of a file (names, keywords, literals) in order. Punctuation may change
/// (trailing commas, redundant parentheses); the words may not: this catches what the
/// tree does not record, such as `pub` on a method, supertraits or `package`. Nil for a
/// file with a `where` clause, whose bounds the formatter moves (and so reorders).
func words(_ source: String) -> [String]? {
    let tokens = Lexer.tokenize(file: SourceFileID(raw: 0), bytes: Array(source.utf8)).0
    if tokens.contains(where: { $0.kind == .keyword(.where) }) { return nil }
    return tokens.compactMap { token -> String? in
        switch token.kind {
        case .identifier, .keyword, .int, .float, .string: return token.kind.spelling
        default: return nil
        }
    }
}

/// What every formatting must keep: the same tree, the same words, every comment, and a
/// fixed point (the output formats to itself).
func assertFormattingKeepsMeaning(_ source: String, _ output: String, name: String = "source",
                                  file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(syntaxTree(output), syntaxTree(source), "\(name): the formatted program parses to a different tree",
                   file: file, line: line)
    if let sourceWords = words(source) {
        XCTAssertEqual(words(output), sourceWords, "\(name): names, keywords or literals changed", file: file, line: line)
    }
    XCTAssertEqual(commentTexts(output), commentTexts(source), "\(name): comments lost or reordered", file: file, line: line)
    XCTAssertEqual(formatted(output, file: file, line: line), output, "\(name): formatting is not idempotent",
                   file: file, line: line)
}

/// `source` formats to `expected`, keeping its meaning.
func assertFormats(_ source: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    let output = formatted(source, file: file, line: line)
    XCTAssertEqual(output, expected, file: file, line: line)
    assertFormattingKeepsMeaning(source, output, file: file, line: line)
}
