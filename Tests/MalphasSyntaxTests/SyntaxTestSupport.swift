import XCTest
import MalphasSyntax

/// Helpers that let a test state Malphas source and the expected syntax tree or
/// diagnostic side by side.

/// Parses `source` as a file named `test.mal`.
func parseFile(_ source: String) -> (SourceMap, ParseResult) {
    let sources = SourceMap()
    let id = sources.add(SourceFile(name: "test.mal", text: source))
    return (sources, Parser.parse(id, in: sources))
}

/// The dump of a file's items; fails the test if it has diagnostics.
func dumpFile(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let (sources, result) = parseFile(source)
    if !result.diagnostics.isEmpty {
        XCTFail("unexpected diagnostics:\n" + DiagnosticRenderer(sources: sources).render(result.diagnostics),
                file: file, line: line)
    }
    return ASTDump.dump(result.unit)
}

/// Parses REPL-style input (statements and a tail).
func parseInput(_ source: String) -> (SourceMap, items: [Item], statements: [Stmt], tail: Expr?, diagnostics: [Diagnostic]) {
    let sources = SourceMap()
    let id = sources.add(SourceFile(name: "test.mal", text: source))
    let r = Parser.parseReplInput(id, in: sources)
    return (sources, r.items, r.statements, r.tail, r.diagnostics)
}

/// The dump of one expression (written without `;`); fails on diagnostics.
func dumpExpr(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let r = parseInput(source)
    if !r.diagnostics.isEmpty {
        XCTFail("unexpected diagnostics:\n" + DiagnosticRenderer(sources: r.0).render(r.diagnostics), file: file, line: line)
    }
    guard r.statements.isEmpty, r.items.isEmpty, let tail = r.tail else {
        XCTFail("expected a single expression in \(source)", file: file, line: line)
        return ""
    }
    return ASTDump.dump(tail)
}

/// The dump of every statement of a REPL input, one per line (the tail last).
func dumpStatements(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let r = parseInput(source)
    if !r.diagnostics.isEmpty {
        XCTFail("unexpected diagnostics:\n" + DiagnosticRenderer(sources: r.0).render(r.diagnostics), file: file, line: line)
    }
    var lines = r.items.map { ASTDump.dump($0) } + r.statements.map { ASTDump.dump($0) }
    if let tail = r.tail { lines.append("tail " + ASTDump.dump(tail)) }
    return lines.joined(separator: "\n")
}

/// The rendered diagnostics of a file.
func renderedDiagnostics(_ source: String) -> String {
    let (sources, result) = parseFile(source)
    return DiagnosticRenderer(sources: sources).render(result.diagnostics)
}

/// The messages of a file's diagnostics.
func messages(_ source: String) -> [String] {
    parseFile(source).1.diagnostics.map(\.message)
}

/// The tokens of `source`, spelled, and the lexer's messages.
func lex(_ source: String) -> (tokens: [TokenKind], messages: [String]) {
    let (tokens, diagnostics) = Lexer.tokenize(file: SourceFileID(raw: 0), bytes: Array(source.utf8))
    return (tokens.map(\.kind).filter { $0 != .eof }, diagnostics.map(\.message))
}

func lexBytes(_ bytes: [UInt8]) -> (tokens: [TokenKind], diagnostics: [Diagnostic]) {
    let (tokens, diagnostics) = Lexer.tokenize(file: SourceFileID(raw: 0), bytes: bytes)
    return (tokens.map(\.kind).filter { $0 != .eof }, diagnostics)
}
