/// The parser: tokens to the AST of AST.swift (LANGUAGE.md sections 2-4 and 6).
///
/// A hand-written recursive-descent parser. Binary operators are parsed by precedence
/// climbing with explicit operand and operator stacks, so a chain like `1 + 1 + ... + 1`
/// of any length costs no native stack. Everything that does recurse (parentheses,
/// blocks, types, patterns, prefix operators, nested items) goes through `enterNesting`,
/// which stops at `Parser.nestingLimit` levels with a "nesting too deep" error: the
/// parser's native stack depth is bounded by that counter whatever the input. (Chains
/// still make deep trees; `ASTRelease` frees those without recursion.)
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
    /// How deeply expressions, blocks, types and patterns may nest inside one another,
    /// in units: most constructs cost 1, a block 2, an item nested in a block or a module
    /// 4 (see `DescentParser.enterNesting`). At the limit the parser's native stack stays
    /// under about 350 KiB in a debug build (much less optimised), so it parses any input
    /// on a 512 KiB stack. Real programs stay far below it.
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
    /// `tokens[i].kind` without payloads, for cheap tests.
    let tags: [TokenTag]
    /// Index of the current token; `tokens` always ends with `eof`, where it stays.
    var index = 0
    /// End offset of the last consumed token: the end of the node being built.
    var previousEnd = 0

    let lexerDiagnostics: [Diagnostic]
    /// Set when the input ends in an unterminated string or comment: the parser's errors
    /// from there on (a missing `;`, an unclosed `}`) are consequences, and dropped.
    let unterminatedStart: Int?
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
        var lexer = Lexer(file: file, bytes: bytes)
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3 + 1)
        repeat { tokens.append(lexer.next()) } while tokens[tokens.count - 1].kind != .eof
        self.tokens = tokens
        lexerDiagnostics = lexer.diagnostics
        unterminatedStart = lexer.unterminatedStart
        tags = tokens.map { TokenTag($0.kind) }
    }

    /// Lexer and parser errors in source order, at most `Parser.errorLimit` of them.
    func allDiagnostics() -> [Diagnostic] {
        let cutoff = unterminatedStart ?? Int.max
        let merged = (lexerDiagnostics + diagnostics.filter { $0.span.start < cutoff }).enumerated().sorted {
            ($0.element.span.start, $0.offset) < ($1.element.span.start, $1.offset)
        }.map(\.element)
        return Array(merged.prefix(Parser.errorLimit))
    }

    // MARK: - Token cursor

    var current: Token { tokens[index] }
    /// The current token's kind with its payload; `tag` for tests without one.
    var kind: TokenKind { tokens[index].kind }
    var tag: TokenTag { tags[index] }
    var atEnd: Bool { tags[index] == .eof }

    func peek(_ offset: Int) -> TokenTag {
        tags[min(index + offset, tags.count - 1)]
    }

    /// Where the current token starts and its span. (Small results on purpose: see
    /// "Blocks and statements" below on stack use.)
    var currentStart: Int { tokens[index].span.start }
    var currentSpan: Span { tokens[index].span }

    /// Moves to the next token (staying on `eof`).
    func advance() {
        if index < tokens.count - 1 {
            previousEnd = tokens[index].span.end
            index += 1
        }
    }

    /// Moves to the next token and returns the one moved past.
    func take() -> Token {
        let token = tokens[index]
        advance()
        return token
    }

    func takeSpan() -> Span {
        let span = tokens[index].span
        advance()
        return span
    }

    func at(_ t: TokenTag) -> Bool { tags[index] == t }

    @discardableResult
    func eat(_ t: TokenTag) -> Bool {
        if tags[index] == t { advance(); return true }
        return false
    }

    /// Consumes `t` or reports "expected `t` <context>, found ...".
    @discardableResult
    func expect(_ t: TokenTag, _ context: String = "", help: String? = nil) -> Bool {
        if eat(t) { return true }
        reportExpected(t, context, help: help)
        return false
    }

    private func reportExpected(_ t: TokenTag, _ context: String, help: String?) {
        let what = context.isEmpty ? "" : " \(context)"
        errorAtCurrent("expected `\(t.spelling)`\(what), found \(describeCurrent())", help: help)
    }

    var identifierName: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }

    /// Consumes an identifier or reports one missing; a missing name comes back as `_`
    /// so the caller can carry on building its node.
    func expectIdentifier(_ what: String) -> Ident {
        if let name = identifierName {
            let token = take()
            return Ident(name, token.span)
        }
        errorAtCurrent("expected \(what), found \(describeCurrent())")
        return Ident("_", Span(file: file, start: currentStart, end: currentStart))
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
        var written = text(currentSpan)
        if written.count > 24 { written = String(written.prefix(21)) + "..." }
        return "`\(written)`"
    }

    // MARK: - Diagnostics

    /// Records an error about the current token (at most one per token).
    func errorAtCurrent(_ message: String, help: String? = nil) {
        error(message, at: currentSpan, help: help)
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

    /// Enters `cost` levels of nesting, or reports "nesting too deep", skips the construct
    /// that would go deeper, and returns false. Every recursive path of the parser passes
    /// through here; callers pair a true result with `leaveNesting(cost:)`.
    ///
    /// The cost of a construct is in proportion to the native stack one level of it uses
    /// (measured in a debug build, where frames are largest): most constructs cost 1, a
    /// block 2, a nested function or module `itemNestingCost`. So `nestingLimit` bounds
    /// the parser's native stack, whatever it parses.
    func enterNesting(cost: Int = 1) -> Bool {
        if depth + cost > Parser.nestingLimit {
            reportTooDeep()
            return false
        }
        depth += cost
        return true
    }

    func leaveNesting(cost: Int = 1) { depth -= cost }

    static let blockNestingCost = 2
    static let itemNestingCost = 4

    private func reportTooDeep() {
        report("nesting too deep", at: currentSpan,
               help: "expressions, blocks, types and patterns may nest at most \(Parser.nestingLimit) levels; move inner parts into variables or functions")
        lastErrorIndex = index
        skipNestedConstruct()
    }

    /// Skips from the current token to the end of the construct that starts here: up to
    /// an unmatched closing delimiter, or a `;` or `,` outside any delimiter. Iterative,
    /// so it copes with any depth.
    func skipNestedConstruct() {
        var open = 0
        while !atEnd {
            switch tag {
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
    /// closes the enclosing block or a keyword that starts a statement, skipping balanced
    /// delimiters.
    func recoverToStatementEnd() {
        skipBalanced(stoppingAt: DescentParser.statementKeywords, throughSemicolon: true)
    }

    /// Skips to the next item keyword or closing `}` outside any delimiter.
    func recoverToItem() {
        skipBalanced(stoppingAt: DescentParser.itemKeywords, throughSemicolon: false)
    }

    /// Skips tokens, counting balanced delimiters, until outside all of them it reaches a
    /// `}` that closes the enclosing block, one of `keywords`, or (when `throughSemicolon`)
    /// a `;`, which it consumes. Iterative, so it copes with any depth.
    private func skipBalanced(stoppingAt keywords: Set<TokenTag>, throughSemicolon: Bool) {
        var open = 0
        while !atEnd {
            switch tag {
            case .leftParen, .leftBracket, .leftBrace: open += 1
            case .rightParen, .rightBracket:
                if open > 0 { open -= 1 }
            case .rightBrace:
                if open == 0 { return }
                open -= 1
            case .semicolon where throughSemicolon && open == 0:
                advance()
                return
            case let t where open == 0 && keywords.contains(t):
                return
            default: break
            }
            advance()
        }
    }

    static let itemKeywords: Set<TokenTag> = [.fn, .struct, .enum, .impl, .trait, .const, .type, .mod, .use, .pub]
    static let statementKeywords: Set<TokenTag> = itemKeywords.union([.let])

    /// A full expression with struct literals allowed or not (`if`, `while` and `match`
    /// heads disallow them; delimiters allow them again).
    func parseExpression(structLiterals allowed: Bool) -> Expr {
        let saved = structLiteralsAllowed
        structLiteralsAllowed = allowed
        let expr = parseExpression()
        structLiteralsAllowed = saved
        return expr
    }

    // MARK: - Files and REPL inputs

    func parseSourceFile() -> [Item] {
        skipPackageClause()
        return parseItems(closedBy: nil)
    }

    /// `package name;` may open any file; it is accepted and has no effect.
    func skipPackageClause() {
        guard identifierName == "package", peek(1) == .identifier else { return }
        advance()
        advance()
        expect(.semicolon, "after the package name")
    }

    func parseReplInput() -> (items: [Item], statements: [Stmt], tail: Expr?) {
        skipPackageClause()
        var statements: [Stmt] = []
        var tail: Expr?
        while !atEnd {
            let before = index
            if let earlier = tail {
                // A tail followed by more input was a statement after all.
                statements.append(Stmt(.expression(earlier, hasSemicolon: false), earlier.span))
                tail = nil
            }
            parseStatement(into: &statements, tail: &tail, tailAllowedAtEnd: true)
            if index == before { advance() }
        }
        var items: [Item] = []
        statements.removeAll { stmt in
            guard case .item(let item) = stmt.kind else { return false }
            items.append(item)
            return true
        }
        return (items, statements, tail)
    }

    // MARK: - Blocks and statements
    //
    // Blocks and statements are on the parser's recursive paths (a block holds statements
    // that hold blocks), so these functions are kept small and build the large `Stmt`
    // and `Item` values in separate functions: in a debug build every temporary gets its
    // own stack slot, and the stack cost of one nesting level is the sum of the frames
    // on the path.

    /// `{ statements tail? }`. The current token must be `{`.
    func parseBlock() -> Block {
        let start = currentStart
        guard enterNesting(cost: DescentParser.blockNestingCost) else { return emptyBlock(at: start) }
        let saved = structLiteralsAllowed
        structLiteralsAllowed = true
        let open = currentSpan
        advance()
        var statements: [Stmt] = []
        var tail: Expr?
        while !at(.rightBrace) && !atEnd {
            let before = index
            parseStatement(into: &statements, tail: &tail, tailAllowedAtEnd: false)
            if index == before { advance() }
        }
        closeBlock(opened: open)
        structLiteralsAllowed = saved
        leaveNesting(cost: DescentParser.blockNestingCost)
        return Block(statements: statements, tail: tail, span: span(from: start))
    }

    func emptyBlock(at start: Int) -> Block {
        Block(statements: [], tail: nil, span: span(from: start))
    }

    private func closeBlock(opened open: Span) {
        if eat(.rightBrace) { return }
        error("unclosed delimiter: expected `}` to close this block", at: open,
              help: "add `}` where the block ends")
    }

    /// One statement, appended to `statements`, or the block's tail (an expression
    /// without `;` followed by `}`, or by the end of a REPL input).
    func parseStatement(into statements: inout [Stmt], tail: inout Expr?, tailAllowedAtEnd: Bool) {
        if at(.semicolon) {
            advance()
        } else if at(.let) {
            parseLet(into: &statements, semicolonOptionalAtEnd: tailAllowedAtEnd)
        } else if startsItem {
            parseItemStatement(into: &statements)
        } else {
            parseExpressionStatement(into: &statements, tail: &tail, tailAllowedAtEnd: tailAllowedAtEnd)
        }
    }

    private func parseItemStatement(into statements: inout [Stmt]) {
        guard enterNesting(cost: DescentParser.itemNestingCost) else { return }
        var items: [Item] = []
        if !parseItem(into: &items) { recoverToItem() }
        appendItemStatements(items, into: &statements)
        leaveNesting(cost: DescentParser.itemNestingCost)
    }

    private func appendItemStatements(_ items: [Item], into statements: inout [Stmt]) {
        for item in items { statements.append(Stmt(.item(item), item.span)) }
    }

    private func parseExpressionStatement(into statements: inout [Stmt], tail: inout Expr?, tailAllowedAtEnd: Bool) {
        let start = currentStart
        let errorsBefore = errorCount
        var expr: Expr
        if startsBlockLikeExpression {
            expr = parsePrimary()
            if at(.dot) {
                // `if c { a } else { b }.len()` continues as an ordinary expression.
                pendingOperand = expr
                expr = parseExpression()
            } else {
                finishBlockLikeStatement(expr, start: start, into: &statements, tail: &tail, tailAllowedAtEnd: tailAllowedAtEnd)
                return
            }
        } else {
            expr = parseExpression()
        }
        finishExpressionStatement(expr, start: start, errorsBefore: errorsBefore,
                                  into: &statements, tail: &tail, tailAllowedAtEnd: tailAllowedAtEnd)
    }

    /// After `if`/`match`/loops/blocks at the start of a statement: no `;` needed.
    private func finishBlockLikeStatement(_ expr: Expr, start: Int, into statements: inout [Stmt],
                                          tail: inout Expr?, tailAllowedAtEnd: Bool) {
        if eat(.semicolon) {
            statements.append(Stmt(.expression(expr, hasSemicolon: true), span(from: start)))
        } else if at(.rightBrace) || (tailAllowedAtEnd && atEnd) {
            tail = expr
        } else {
            statements.append(Stmt(.expression(expr, hasSemicolon: false), span(from: start)))
        }
    }

    private func finishExpressionStatement(_ expr: Expr, start: Int, errorsBefore: Int, into statements: inout [Stmt],
                                           tail: inout Expr?, tailAllowedAtEnd: Bool) {
        if eat(.semicolon) {
            statements.append(Stmt(.expression(expr, hasSemicolon: true), span(from: start)))
            return
        }
        if at(.rightBrace) || (tailAllowedAtEnd && atEnd) {
            tail = expr
            return
        }
        if !expr.isBlockLike {
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
        }
        statements.append(Stmt(.expression(expr, hasSemicolon: false), span(from: start)))
    }

    /// `let pattern [: T] [= value];`
    /// (At the end of a REPL input the `;` may be left out.)
    private func parseLet(into statements: inout [Stmt], semicolonOptionalAtEnd: Bool) {
        let start = currentStart
        let errorsBefore = errorCount
        advance()
        let pattern = parsePattern()
        let type = eat(.colon) ? parseType() : nil
        let value = eat(.equal) ? parseExpression() : nil
        finishLet(pattern: pattern, type: type, value: value, start: start, errorsBefore: errorsBefore,
                  semicolonOptional: semicolonOptionalAtEnd && atEnd, into: &statements)
    }

    private func finishLet(pattern: Pattern, type: TypeRef?, value: Expr?, start: Int, errorsBefore: Int,
                           semicolonOptional: Bool, into statements: inout [Stmt]) {
        if !eat(.semicolon) && !semicolonOptional {
            if errorCount > errorsBefore && !atStatementBoundary {
                recoverToStatementEnd()
            } else if startsStatement || at(.rightBrace) || atEnd {
                error("expected `;` after `let` statement", at: afterPrevious,
                      help: "add `;` here to end the statement")
            } else {
                errorAtCurrent("expected `;` after `let` statement, found \(describeCurrent())",
                               help: "add `;` to end the statement")
                recoverToStatementEnd()
            }
        }
        statements.append(Stmt(.letBinding(pattern: pattern, type: type, value: value), span(from: start)))
    }

    var atStatementBoundary: Bool { at(.rightBrace) || atEnd || tokens[max(0, index - 1)].kind == .semicolon }

    /// Whether the current token begins an item (in a file, a module, or a block).
    var startsItem: Bool {
        switch tag {
        case .fn:
            // `fn(x: int) -> int { ... }` at the start of a statement is a function literal.
            if case .identifier = peek(1) { return true }
            return false
        case .struct, .enum, .impl, .trait, .const,
             .type, .mod, .use, .pub:
            return true
        case .unsafe:
            return peek(1) == .fn || peek(1) == .impl || peek(1) == .trait
        default:
            return false
        }
    }

    /// Expressions that end in a block and end a statement without `;`.
    var startsBlockLikeExpression: Bool {
        switch tag {
        case .leftBrace, .if, .match, .while, .loop,
             .for, .select:
            return true
        case .unsafe, .spawn:
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
