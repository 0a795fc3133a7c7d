/// The parser: tokens to the AST of AST.swift (LANGUAGE.md sections 2-4 and 6).
///
/// A hand-written recursive-descent parser. Binary operators are parsed by precedence
/// climbing with explicit operand and operator stacks, so a chain like `1 + 1 + ... + 1`
/// of any length costs no native stack. Everything that does recurse (parentheses,
/// blocks, types, patterns, prefix operators, nested items) goes through `enterNesting`,
/// which stops at `Parser.nestingLimit` levels with a "nesting too deep" error: the
/// parser's native stack depth is bounded by that counter whatever the input.
///
/// Errors are recorded and the parser resynchronises (to `;`, `}`, or the next item
/// keyword) so one run reports several errors. Every loop either consumes a token or
/// exits, so no input can make it spin.
///
/// The parser is split by what it parses: this file holds the machinery (the token
/// cursor, diagnostics, recovery, nesting) and blocks and statements; items, expressions,
/// types and patterns each have their own file.

/// The AST of one file and everything wrong with it. When `diagnostics` holds an error
/// the AST is only good for more diagnostics: erroneous expressions are replaced with
/// `()`, erroneous patterns with `_`, erroneous types with `()`.
public struct ParseResult: Sendable {
    public var unit: SourceUnit
    public var diagnostics: [Diagnostic]
    public init(unit: SourceUnit, diagnostics: [Diagnostic]) { self.unit = unit; self.diagnostics = diagnostics }
}

/// Entry points of the front end.
public enum Parser {
    /// How many expressions, blocks, types and patterns may nest inside one another.
    /// Chosen so the deepest recursion fits comfortably in a 512 KiB stack in a debug build.
    public static let nestingLimit = 256
    /// Parsing stops after this many errors; later ones are mostly consequences.
    public static let errorLimit = 50

    /// Parses a whole source file (items). Never traps, never recurses natively without bound.
    public static func parse(_ file: SourceFileID, in sources: SourceMap) -> ParseResult {
        let parser = DescentParser(file: file, bytes: sources.file(file)?.bytes ?? [])
        let items = parser.parseSourceFile()
        return ParseResult(unit: SourceUnit(file: file, items: items), diagnostics: parser.allDiagnostics())
    }

    /// Parses one REPL input: a sequence of items and statements; a final expression
    /// without `;` is `tail`.
    public static func parseReplInput(_ file: SourceFileID, in sources: SourceMap)
        -> (items: [Item], statements: [Stmt], tail: Expr?, diagnostics: [Diagnostic]) {
        let parser = DescentParser(file: file, bytes: sources.file(file)?.bytes ?? [])
        let (items, statements, tail) = parser.parseReplInput()
        return (items, statements, tail, parser.allDiagnostics())
    }
}

/// The parser's state. A class so the many small parsing methods share it without
/// `inout` plumbing; one instance parses one input.
final class DescentParser {
    let file: SourceFileID
    let bytes: [UInt8]
    let tokens: [Token]
    /// Index of the current token; `tokens` always ends with `eof`, where it stays.
    var index = 0
    /// End offset of the last consumed token: the end of the node being built.
    var previousEnd = 0

    let lexerDiagnostics: [Diagnostic]
    var diagnostics: [Diagnostic] = []
    /// The token index of the last "expected ..." error. A second error at the same
    /// token is nearly always a consequence of the first, so it is dropped.
    var lastErrorIndex = -1

    /// Current nesting, counted by `enterNesting`.
    var depth = 0
    /// False in `if`/`while` conditions, `match` scrutinees and `for` iterables, where
    /// `name {` starts the body and not a struct literal (as in Rust). Delimiters reset it.
    var structLiteralsAllowed = true
    /// An operand already parsed by the statement parser (a block-like expression
    /// followed by `.`), which the next `parsePrimary` returns instead of parsing one.
    var pendingOperand: Expr?

    init(file: SourceFileID, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
        (tokens, lexerDiagnostics) = Lexer.tokenize(file: file, bytes: bytes)
    }

    /// Lexer and parser errors in source order, at most `Parser.errorLimit` of them.
    func allDiagnostics() -> [Diagnostic] {
        let merged = (lexerDiagnostics + diagnostics).enumerated().sorted {
            ($0.element.span.start, $0.offset) < ($1.element.span.start, $1.offset)
        }.map(\.element)
        return Array(merged.prefix(Parser.errorLimit))
    }

    // MARK: - Token cursor

    var current: Token { tokens[index] }
    var kind: TokenKind { tokens[index].kind }
    var atEnd: Bool { kind == .eof }

    func peek(_ offset: Int) -> TokenKind {
        tokens[min(index + offset, tokens.count - 1)].kind
    }

    @discardableResult
    func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 {
            index += 1
            previousEnd = token.span.end
        }
        return token
    }

    func at(_ k: TokenKind) -> Bool { kind == k }
    func at(_ k: Keyword) -> Bool { kind == .keyword(k) }

    @discardableResult
    func eat(_ k: TokenKind) -> Bool {
        if kind == k { advance(); return true }
        return false
    }

    @discardableResult
    func eat(_ k: Keyword) -> Bool { eat(.keyword(k)) }

    /// Consumes `k` or reports "expected `k` <context>, found ...".
    @discardableResult
    func expect(_ k: TokenKind, _ context: String = "", help: String? = nil) -> Bool {
        if eat(k) { return true }
        let what = context.isEmpty ? "" : " \(context)"
        errorAtCurrent("expected `\(k.spelling)`\(what), found \(describeCurrent())", help: help)
        return false
    }

    var identifierName: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }

    /// Consumes an identifier or reports one missing; a missing name comes back as `_`
    /// so the caller can carry on building its node.
    func expectIdentifier(_ what: String) -> Ident {
        if let name = identifierName {
            let token = advance()
            return Ident(name, token.span)
        }
        errorAtCurrent("expected \(what), found \(describeCurrent())")
        return Ident("_", Span(file: file, start: current.span.start, end: current.span.start))
    }

    /// A span from `start` to the end of the last consumed token.
    func span(from start: Int) -> Span {
        Span(file: file, start: start, end: max(start, previousEnd))
    }

    /// An empty span just after the last consumed token: where a missing `;` belongs.
    var afterPrevious: Span { Span(file: file, start: previousEnd, end: previousEnd) }

    /// The source text of a span (for messages and help lines).
    func text(_ span: Span) -> String {
        let start = max(0, min(span.start, bytes.count)), end = max(start, min(span.end, bytes.count))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// "`x`" for a token as written, or "end of file".
    func describeCurrent() -> String {
        if atEnd { return "end of file" }
        var written = text(current.span)
        if written.count > 24 { written = String(written.prefix(21)) + "..." }
        return "`\(written)`"
    }

    // MARK: - Diagnostics

    /// Records an error about the current token (at most one per token).
    func errorAtCurrent(_ message: String, help: String? = nil) {
        error(message, at: current.span, help: help)
    }

    /// Records an error, unless one was already recorded at the current token.
    func error(_ message: String, at span: Span, help: String? = nil) {
        guard index != lastErrorIndex else { return }
        lastErrorIndex = index
        report(message, at: span, help: help)
    }

    /// Records an error unconditionally (for errors about something already consumed,
    /// such as an oversized literal). Past the error limit, parsing is abandoned by
    /// jumping to the end, which every loop checks.
    func report(_ message: String, at span: Span, help: String? = nil) {
        if diagnostics.count + lexerDiagnostics.count >= Parser.errorLimit {
            index = tokens.count - 1
            return
        }
        diagnostics.append(.error(message, at: span, help: help))
    }

    var errorCount: Int { diagnostics.count }

    // MARK: - Nesting

    /// Enters one level of nesting, or reports "nesting too deep", skips the construct
    /// that would go deeper, and returns false. Every recursive path of the parser passes
    /// through here; callers pair a true result with `leaveNesting()`.
    func enterNesting() -> Bool {
        if depth >= Parser.nestingLimit {
            report("nesting too deep", at: current.span,
                   help: "expressions, blocks, types and patterns may nest at most \(Parser.nestingLimit) levels; move inner parts into variables or functions")
            lastErrorIndex = index
            skipNestedConstruct()
            return false
        }
        depth += 1
        return true
    }

    func leaveNesting() { depth -= 1 }

    /// Skips from the current token to the end of the construct that starts here: up to
    /// an unmatched closing delimiter, or a `;` or `,` outside any delimiter. Iterative,
    /// so it copes with any depth.
    func skipNestedConstruct() {
        var open = 0
        while !atEnd {
            switch kind {
            case .leftParen, .leftBracket, .leftBrace: open += 1
            case .rightParen, .rightBracket, .rightBrace:
                if open == 0 { return }
                open -= 1
            case .semicolon, .comma:
                if open == 0 { return }
            default: break
            }
            advance()
        }
    }

    // MARK: - Recovery

    /// Skips to the end of a broken statement: past the next `;`, or up to a `}` that
    /// closes the enclosing block, skipping balanced delimiters.
    func recoverToStatementEnd() {
        var open = 0
        while !atEnd {
            switch kind {
            case .leftParen, .leftBracket, .leftBrace: open += 1
            case .rightParen, .rightBracket:
                if open > 0 { open -= 1 }
            case .rightBrace:
                if open == 0 { return }
                open -= 1
            case .semicolon:
                if open == 0 { advance(); return }
            case .keyword(let k) where open == 0 && DescentParser.statementKeywords.contains(k):
                return
            default: break
            }
            advance()
        }
    }

    /// Skips to the next item keyword or closing `}` outside any delimiter.
    func recoverToItem() {
        var open = 0
        while !atEnd {
            switch kind {
            case .leftParen, .leftBracket, .leftBrace: open += 1
            case .rightParen, .rightBracket:
                if open > 0 { open -= 1 }
            case .rightBrace:
                if open == 0 { return }
                open -= 1
            case .keyword(let k) where open == 0 && DescentParser.itemKeywords.contains(k):
                return
            default: break
            }
            advance()
        }
    }

    static let itemKeywords: Set<Keyword> = [.fn, .struct, .enum, .impl, .trait, .const, .type, .mod, .use, .pub]
    static let statementKeywords: Set<Keyword> = itemKeywords.union([.let])

    /// Runs `body` with struct literals allowed or not, restoring the previous setting.
    func withStructLiterals<T>(_ allowed: Bool, _ body: () -> T) -> T {
        let saved = structLiteralsAllowed
        structLiteralsAllowed = allowed
        defer { structLiteralsAllowed = saved }
        return body()
    }

    // MARK: - Files and REPL inputs

    func parseSourceFile() -> [Item] {
        skipPackageClause()
        return parseItems(closedBy: nil)
    }

    /// `package name;` may open any file; it is accepted and has no effect.
    func skipPackageClause() {
        guard identifierName == "package", case .identifier = peek(1) else { return }
        advance()
        advance()
        expect(.semicolon, "after the package name")
    }

    func parseReplInput() -> (items: [Item], statements: [Stmt], tail: Expr?) {
        skipPackageClause()
        var items: [Item] = []
        var statements: [Stmt] = []
        var tail: Expr?
        while !atEnd {
            let before = index
            if let pendingTail = tail {
                // A tail followed by more input was a statement after all.
                statements.append(Stmt(.expression(pendingTail, hasSemicolon: false), pendingTail.span))
                tail = nil
            }
            switch parseStatement(tailAllowedAtEnd: true) {
            case .statement(let stmt):
                if case .item(let item) = stmt.kind { items.append(item) } else { statements.append(stmt) }
            case .tail(let expr): tail = expr
            case .empty: break
            }
            if index == before { advance() }
        }
        return (items, statements, tail)
    }

    // MARK: - Blocks and statements

    /// `{ statements tail? }`. The current token must be `{`.
    func parseBlock() -> Block {
        let start = current.span.start
        guard enterNesting() else { return Block(statements: [], tail: nil, span: span(from: start)) }
        defer { leaveNesting() }
        let open = current.span
        expect(.leftBrace)
        return withStructLiterals(true) {
            var statements: [Stmt] = []
            var tail: Expr?
            while !at(.rightBrace) && !atEnd {
                let before = index
                switch parseStatement(tailAllowedAtEnd: false) {
                case .statement(let stmt): statements.append(stmt)
                case .tail(let expr): tail = expr
                case .empty: break
                }
                if index == before { advance() }
            }
            if !eat(.rightBrace) {
                error("unclosed delimiter: expected `}` to close this block", at: open,
                      help: "add `}` where the block ends")
            }
            return Block(statements: statements, tail: tail, span: span(from: start))
        }
    }

    enum StatementOutcome {
        case statement(Stmt)
        /// The block's final expression without `;`.
        case tail(Expr)
        case empty
    }

    /// One statement. `tailAllowedAtEnd` makes an expression without `;` at the end of
    /// the input a tail (REPL inputs); in blocks only one followed by `}` is.
    func parseStatement(tailAllowedAtEnd: Bool) -> StatementOutcome {
        let start = current.span.start
        let errorsBefore = errorCount
        switch kind {
        case .semicolon:
            advance()
            return .empty
        case .keyword(.let):
            let stmt = parseLet()
            if errorCount > errorsBefore && !atStatementBoundary { recoverToStatementEnd() }
            return .statement(stmt)
        default:
            if startsItem {
                guard let item = parseItem() else {
                    recoverToItem()
                    return .empty
                }
                return .statement(Stmt(.item(item), item.span))
            }
        }

        let expr: Expr
        if startsBlockLikeExpression {
            var blockLike = parsePrimary()
            if at(.dot) || at(.question) {
                // `if c { a } else { b }.len()` continues as an ordinary expression.
                pendingOperand = blockLike
                blockLike = parseExpression()
            } else {
                if eat(.semicolon) {
                    return .statement(Stmt(.expression(blockLike, hasSemicolon: true), span(from: start)))
                }
                if at(.rightBrace) || (tailAllowedAtEnd && atEnd) { return .tail(blockLike) }
                return .statement(Stmt(.expression(blockLike, hasSemicolon: false), span(from: start)))
            }
            expr = blockLike
        } else {
            expr = parseExpression()
        }

        if eat(.semicolon) {
            return .statement(Stmt(.expression(expr, hasSemicolon: true), span(from: start)))
        }
        if at(.rightBrace) || (tailAllowedAtEnd && atEnd) { return .tail(expr) }
        if expr.isBlockLike {
            return .statement(Stmt(.expression(expr, hasSemicolon: false), span(from: start)))
        }
        if errorCount > errorsBefore {
            recoverToStatementEnd()
        } else if startsStatement {
            error("expected `;` after expression", at: afterPrevious,
                  help: "add `;` here to end the statement")
        } else {
            errorAtCurrent("expected `;` after expression, found \(describeCurrent())",
                           help: "add `;` after `\(text(expr.span).prefix(40))` to end the statement")
            recoverToStatementEnd()
        }
        return .statement(Stmt(.expression(expr, hasSemicolon: false), span(from: start)))
    }

    /// `let pattern [: T] [= value];`
    func parseLet() -> Stmt {
        let start = current.span.start
        advance()
        let pattern = parsePattern()
        let type = eat(.colon) ? parseType() : nil
        let value = eat(.equal) ? parseExpression() : nil
        if !eat(.semicolon) {
            if startsStatement || at(.rightBrace) {
                error("expected `;` after `let` statement", at: afterPrevious,
                      help: "add `;` here to end the statement")
            } else {
                errorAtCurrent("expected `;` after `let` statement, found \(describeCurrent())",
                               help: "add `;` to end the statement")
            }
        }
        return Stmt(.letBinding(pattern: pattern, type: type, value: value), span(from: start))
    }

    var atStatementBoundary: Bool { at(.rightBrace) || atEnd || tokens[max(0, index - 1)].kind == .semicolon }

    /// Whether the current token begins an item (in a file, a module, or a block).
    var startsItem: Bool {
        switch kind {
        case .keyword(.fn):
            // `fn(x: int) -> int { ... }` at the start of a statement is a function literal.
            if case .identifier = peek(1) { return true }
            return false
        case .keyword(.struct), .keyword(.enum), .keyword(.impl), .keyword(.trait), .keyword(.const),
             .keyword(.type), .keyword(.mod), .keyword(.use), .keyword(.pub):
            return true
        case .keyword(.unsafe):
            return peek(1) == .keyword(.fn) || peek(1) == .keyword(.impl) || peek(1) == .keyword(.trait)
        default:
            return false
        }
    }

    /// Expressions that end in a block and end a statement without `;`.
    var startsBlockLikeExpression: Bool {
        switch kind {
        case .leftBrace, .keyword(.if), .keyword(.match), .keyword(.while), .keyword(.loop),
             .keyword(.for), .keyword(.select):
            return true
        case .keyword(.unsafe), .keyword(.spawn):
            return peek(1) == .leftBrace
        default:
            return false
        }
    }

    /// Whether the current token can begin a statement (used to tell a missing `;`,
    /// where the next statement has already begun, from garbage).
    var startsStatement: Bool {
        at(.let) || startsItem || startsExpression
    }
}
