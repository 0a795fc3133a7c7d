/// Expressions (LANGUAGE.md sections 4 and 6), loosest binding first:
///
///     assignment (= += -= *= /= %=) and send (<-)   right to left
///     ranges .. ..=                                  not chainable
///     ||  &&  comparisons (not chainable)  |  ^  &  << >>  + -  * / %
///     as
///     prefix - ! & &mut * <-
///     postfix: call, method call, field, tuple field, index, slice
///
/// Integer literals and `-`: the literal 9223372036854775808 does not fit in `int`, so
/// on its own it is an error. The parser folds it with a `-` written directly in front
/// (and not followed by a postfix operator) into `int`'s minimum, so
/// `-9223372036854775808` is accepted as in Rust and Go. Other negative literals stay
/// `unary(-, literal)`; patterns fold every `-literal` (they have no other way to be negative).
extension DescentParser {
    /// The placeholder for an expression that failed to parse (an error is already recorded).
    func errorExpression(at span: Span) -> Expr { Expr(.unit, span) }

    /// Where the expression about to be parsed starts (an operand handed over by the
    /// statement parser starts before the current token).
    var expressionStart: Int { pendingOperand?.span.start ?? currentStart }

    /// A full expression, assignment included. One level of nesting.
    ///
    /// The functions from here down to `parsePrimary` are on every recursive path through
    /// expressions, so each keeps its common case small and hands anything bigger
    /// (messages, rare forms) to a separate function: in a debug build the stack cost of
    /// one nesting level is the sum of these frames.
    func parseExpression() -> Expr {
        guard enterNesting() else { return errorExpression(at: span(from: expressionStart)) }
        let start = expressionStart
        var expr: Expr
        if pendingOperand == nil && atRangeOperator {
            expr = parseRangeRest(lower: nil, start: start)
        } else {
            expr = parseOperand()
            if binaryPrecedence != 0 { expr = parseBinaryChain(first: expr) }
            if atRangeOperator { expr = parseRangeRest(lower: expr, start: start) }
        }
        if assignmentOperator != nil || at(.leftArrow) {
            expr = parseAssignment(to: expr, start: start)
        }
        leaveNesting()
        return expr
    }

    /// `target = value`, `target op= value`, `channel <- value`; right-associative.
    private func parseAssignment(to target: Expr, start: Int) -> Expr {
        if at(.leftArrow) {
            advance()
            let value = parseExpression()
            return Expr(.send(channel: target, value: value), span(from: start))
        }
        let op = assignmentOperator ?? nil
        advance()
        let value = parseExpression()
        return Expr(.assign(target: target, op: op, value: value), span(from: start))
    }

    /// `nil` for `=`, the operator for a compound assignment; not set for other tokens.
    private var assignmentOperator: BinaryOp?? {
        switch tag {
        case .equal: return .some(nil)
        case .plusEqual: return .add
        case .minusEqual: return .subtract
        case .starEqual: return .multiply
        case .slashEqual: return .divide
        case .percentEqual: return .remainder
        default: return nil
        }
    }

    /// The end of a range `a..b`, `a..=b`, `a..`, `..b`, `..` (the current token is the
    /// range operator). Ranges bind more loosely than `||`.
    private var atRangeOperator: Bool { at(.dotDot) || at(.dotDotEqual) }

    private func parseRangeRest(lower: Expr?, start: Int) -> Expr {
        guard enterNesting() else { return errorExpression(at: span(from: start)) }
        defer { leaveNesting() }
        let inclusive = at(.dotDotEqual)
        let operatorSpan = takeSpan()
        let upper = startsExpression ? parseBinaryOperand() : nil
        if inclusive && upper == nil {
            error("inclusive range with no end", at: operatorSpan,
                  help: "`..=` needs an upper bound; use `..` for a range without one")
        }
        if atRangeOperator {
            errorAtCurrent("ranges cannot be chained", help: "put one of the ranges in parentheses")
        }
        return Expr(.range(lower: lower, upper: upper, inclusive: inclusive), span(from: start))
    }

    static let comparisonPrecedence = 3

    /// The precedence of the binary operator at the current token (higher binds
    /// tighter), or 0.
    private var binaryPrecedence: Int {
        switch tag {
        case .pipePipe: return 1
        case .ampAmp: return 2
        case .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual: return 3
        case .pipe: return 4
        case .caret: return 5
        case .amp: return 6
        case .shiftLeft, .shiftRight: return 7
        case .plus, .minus: return 8
        case .star, .slash, .percent: return 9
        default: return 0
        }
    }

    private var binaryOperator: BinaryOp {
        switch tag {
        case .pipePipe: return .or
        case .ampAmp: return .and
        case .equalEqual: return .equal
        case .bangEqual: return .notEqual
        case .less: return .less
        case .lessEqual: return .lessEqual
        case .greater: return .greater
        case .greaterEqual: return .greaterEqual
        case .pipe: return .bitOr
        case .caret: return .bitXor
        case .amp: return .bitAnd
        case .shiftLeft: return .shiftLeft
        case .shiftRight: return .shiftRight
        case .plus: return .add
        case .minus: return .subtract
        case .star: return .multiply
        case .slash: return .divide
        default: return .remainder
        }
    }

    /// An operand of `..`: everything that binds tighter than a range.
    private func parseBinaryOperand() -> Expr {
        let first = parseOperand()
        if binaryPrecedence == 0 { return first }
        return parseBinaryChain(first: first)
    }

    /// Binary operators by precedence climbing over explicit stacks: the native stack
    /// stays flat however long the chain, and all operators are left-associative.
    private func parseBinaryChain(first: Expr) -> Expr {
        var chain = BinaryChain(first: first)
        while true {
            let precedence = binaryPrecedence
            if precedence == 0 { break }
            chain.reduce(downTo: precedence)
            if precedence == DescentParser.comparisonPrecedence && chain.endsInBareComparison {
                reportChainedComparison(chain)
            }
            chain.push(binaryOperator, precedence: precedence)
            advance()
            chain.push(operand: parseOperand())
        }
        return chain.finish()
    }

    private func reportChainedComparison(_ chain: BinaryChain) {
        var example = "`a < b && b < c`"
        if let left = chain.operands.last, case .binary(_, _, let middle) = left.kind {
            example = "`\(text(left.span)) && \(text(middle.span)) \(binaryOperator.rawValue) ...`"
        }
        error("comparison operators cannot be chained", at: currentSpan,
              help: "split the comparison in two and join them with `&&`: \(example)")
    }

    /// The operand and operator stacks of `parseBinaryChain`.
    struct BinaryChain {
        var operands: [Expr]
        /// Whether each operand is a comparison written without parentheses, to reject
        /// `a < b < c`.
        var bareComparison: [Bool] = [false]
        var operators: [(op: BinaryOp, precedence: Int)] = []

        init(first: Expr) { operands = [first] }

        var endsInBareComparison: Bool { bareComparison.last == true }

        mutating func push(_ op: BinaryOp, precedence: Int) { operators.append((op, precedence)) }

        mutating func push(operand: Expr) {
            operands.append(operand)
            bareComparison.append(false)
        }

        /// Combines the operators that bind at least as tightly as `precedence`.
        mutating func reduce(downTo precedence: Int) {
            while let top = operators.last, top.precedence >= precedence {
                operators.removeLast()
                let rhs = operands.removeLast()
                let lhs = operands.removeLast()
                bareComparison.removeLast(2)
                operands.append(Expr(.binary(top.op, lhs, rhs), lhs.span.to(rhs.span)))
                bareComparison.append(top.precedence == DescentParser.comparisonPrecedence)
            }
        }

        mutating func finish() -> Expr {
            reduce(downTo: 0)
            return operands[0]
        }
    }

    /// An operand of a binary operator: prefix operators, a primary expression, postfix
    /// operators, and `as` casts (which bind tighter than any binary operator and more
    /// loosely than prefix ones).
    private func parseOperand() -> Expr {
        let start = expressionStart
        var expr: Expr
        if pendingOperand == nil && prefixOperator != nil {
            expr = parsePrefixed()
        } else {
            expr = parsePrimary()
            if startsPostfix(tag) { expr = parsePostfixOperators(on: expr, start: start) }
        }
        if at(.as) { expr = parseCastRest(expr, start: start) }
        return expr
    }

    private func parseCastRest(_ operand: Expr, start: Int) -> Expr {
        var expr = operand
        while at(.as) {
            advance()
            let type = parseType()
            expr = Expr(.cast(expr, type), span(from: start))
        }
        return expr
    }

    /// The prefix operator at the current token (`&&` reads as two `&`).
    private var prefixOperator: UnaryOp? {
        switch tag {
        case .minus: return .negate
        case .bang: return .not
        case .star: return .dereference
        case .leftArrow: return .receive
        case .amp, .ampAmp: return peek(1) == .mut ? .mutableReference : .reference
        default: return nil
        }
    }

    /// Prefix operators, collected in a loop; each is one level of nesting, so the
    /// syntax tree of `- - - - x` is as bounded as that of `((((x))))`.
    private func parsePrefixed() -> Expr {
        var prefixes: [(op: UnaryOp, start: Int)] = []
        var entered = 0
        var operand: Expr?
        var tooDeep = false
        while let op = prefixOperator {
            let start = currentStart
            if op == .negate && peek(1) == .int && isMinimumIntMagnitude(tokens[index + 1].kind) && !startsPostfix(peek(2)) {
                advance()
                advance()
                operand = Expr(.int(Int.min), span(from: start))
                break
            }
            let levels = at(.ampAmp) ? 2 : 1
            guard enterNesting() else { tooDeep = true; break }
            entered += 1
            if levels == 2 {
                guard enterNesting() else { tooDeep = true; break }
                entered += 1
                prefixes.append((.reference, start))
            }
            prefixes.append((op, levels == 2 ? start + 1 : start))
            advance()
            if op == .mutableReference { advance() }
        }
        var expr = operand ?? (tooDeep ? errorExpression(at: span(from: currentStart)) : parsePostfix())
        for prefix in prefixes.reversed() {
            expr = Expr(.unary(prefix.op, expr), Span(file: file, start: prefix.start, end: expr.span.end))
        }
        depth -= entered
        return expr
    }

    /// 9223372036854775808, which is an `int` only after `-`.
    func isMinimumIntMagnitude(_ kind: TokenKind) -> Bool {
        if case .int(let magnitude) = kind { return magnitude == 1 << 63 }
        return false
    }

    /// Whether a token after a literal makes it the operand of a postfix operator.
    private func startsPostfix(_ k: TokenTag) -> Bool {
        k == .dot || k == .leftParen || k == .leftBracket
    }

    /// A primary expression and its postfix operators.
    private func parsePostfix() -> Expr {
        let start = expressionStart
        let primary = parsePrimary()
        if startsPostfix(tag) { return parsePostfixOperators(on: primary, start: start) }
        return primary
    }

    /// Calls, method calls, fields, tuple fields, indexing and slicing, in a loop.
    private func parsePostfixOperators(on primary: Expr, start: Int) -> Expr {
        var expr = primary
        while true {
            if at(.leftParen) {
                expr = parseCall(of: expr, start: start)
            } else if at(.leftBracket) {
                expr = parseIndex(of: expr, start: start)
            } else if at(.dot) {
                advance()
                expr = parseMember(of: expr, start: start)
            } else {
                return expr
            }
        }
    }

    private func parseCall(of callee: Expr, start: Int) -> Expr {
        let args = parseCallArguments()
        return Expr(.call(callee: callee, args: args), span(from: start))
    }

    private func parseIndex(of base: Expr, start: Int) -> Expr {
        guard enterNesting() else { return errorExpression(at: span(from: start)) }
        defer { leaveNesting() }
        advance()
        let index = parseExpression(structLiterals: true)
        expect(.rightBracket, "to close the index")
        return Expr(.index(base, index), span(from: start))
    }

    /// What follows a `.`: a field, a method call (optionally with generic arguments), or
    /// a tuple index.
    private func parseMember(of receiver: Expr, start: Int) -> Expr {
        if let name = identifierName {
            let nameSpan = takeSpan()
            let ident = Ident(name, nameSpan)
            var genericArgs: [TypeRef] = []
            if at(.leftBracket) && genericArgumentsFollow(typeNameIsCapitalized: false) {
                genericArgs = parseGenericArguments()
            }
            if at(.leftParen) {
                let args = parseCallArguments()
                return Expr(.methodCall(receiver: receiver, name: ident, genericArgs: genericArgs, args: args),
                            span(from: start))
            }
            return Expr(.field(receiver, ident), span(from: start))
        }
        if case .int(let value) = kind {
            let indexSpan = takeSpan()
            // A tuple is built in registers, so no tuple has 65,536 fields (and the bytecode
            // could not name one).
            if value > 0xFFFF {
                error("tuple index \(value) is out of range: a tuple has at most 65535 fields", at: indexSpan)
            }
            return Expr(.tupleField(receiver, index: Int(clamping: value), indexSpan: indexSpan), span(from: start))
        }
        errorAtCurrent("expected a field name or a tuple index after `.`, found \(describeCurrent())")
        return receiver
    }

    /// `(a, b, c)` after a callee; the current token is `(`.
    func parseCallArguments() -> [Expr] {
        guard enterNesting() else { return [] }
        defer { leaveNesting() }
        advance()
        let saved = structLiteralsAllowed
        structLiteralsAllowed = true
        var args: [Expr] = []
        while !at(.rightParen) && !atEnd {
            let before = index
            args.append(parseExpression())
            if !eat(.comma) || index == before { break }
        }
        expect(.rightParen, "to close the argument list")
        structLiteralsAllowed = saved
        return args
    }

    /// Elements separated by commas (a trailing comma allowed) up to `close`, which is
    /// left for the caller. Stops at the first element not followed by a comma.
    func parseCommaSeparated<T>(until close: TokenTag, _ element: () -> T) -> [T] {
        var elements: [T] = []
        while !at(close) && !atEnd {
            let before = index
            elements.append(element())
            if !eat(.comma) || index == before { break }
        }
        return elements
    }

    // MARK: - Primary expressions

    /// A primary expression: a dispatcher, so its own frame stays small (it is on every
    /// recursive path).
    func parsePrimary() -> Expr {
        if let operand = pendingOperand {
            pendingOperand = nil
            return operand
        }
        switch tag {
        case .int, .float, .string, .true, .false, .nil:
            return parseLiteral()
        case .identifier, .selfValue, .selfType:
            return parsePathExpression()
        case .leftParen:
            return parseParenthesized()
        case .leftBracket:
            return parseArrayLiteral()
        case .leftBrace:
            return parseBlockExpression()
        case .unsafe where peek(1) == .leftBrace:
            advance()
            return parseBlockExpression()
        case .pipe, .pipePipe:
            return parseClosure()
        case .fn:
            return parseFunctionLiteral()
        case .if:
            return parseIf()
        case .match:
            return parseMatch()
        case .while:
            return parseWhile()
        case .loop:
            return parseLoop()
        case .for:
            return parseFor()
        case .break, .continue, .return:
            return parseJump()
        case .spawn:
            return parseSpawn()
        case .select:
            return parseSelect()
        default:
            return reportMissingExpression()
        }
    }

    private func parseLiteral() -> Expr {
        let token = take()
        switch token.kind {
        case .int(let magnitude): return integerLiteral(magnitude, negated: false, span: token.span)
        case .float(let value): return Expr(.float(value), token.span)
        case .string(let value): return Expr(.string(value), token.span)
        case .keyword(.true): return Expr(.bool(true), token.span)
        case .keyword(.false): return Expr(.bool(false), token.span)
        default: return Expr(.nilLiteral, token.span)
        }
    }

    private func parseBlockExpression() -> Expr {
        let start = currentStart
        let block = parseBlock()
        return Expr(.block(block), span(from: start))
    }

    private func parseWhile() -> Expr {
        let start = currentStart
        advance()
        rejectLetCondition("while")
        let condition = parseExpression(structLiterals: false)
        let body = parseBody(of: "`while` loop")
        return Expr(.whileLoop(condition: condition, body: body), span(from: start))
    }

    private func parseLoop() -> Expr {
        let start = currentStart
        advance()
        let body = parseBody(of: "`loop`")
        return Expr(.loop(body), span(from: start))
    }

    private func parseFor() -> Expr {
        let start = currentStart
        advance()
        let pattern = parsePattern()
        expect(.in, "after the `for` pattern")
        let iterable = parseExpression(structLiterals: false)
        let body = parseBody(of: "`for` loop")
        return Expr(.forLoop(pattern: pattern, iterable: iterable, body: body), span(from: start))
    }

    /// `break [value]`, `continue`, `return [value]`.
    private func parseJump() -> Expr {
        let start = currentStart
        let keyword = tag
        advance()
        if keyword == .continue { return Expr(.continueLoop, span(from: start)) }
        let value = startsExpression ? parseJumpValue() : nil
        if keyword == .break { return Expr(.breakLoop(value), span(from: start)) }
        return Expr(.returnValue(value), span(from: start))
    }

    /// The value of `break` or `return`: counted as nesting of its own because
    /// `return return ... x` recurses through the jump.
    private func parseJumpValue() -> Expr {
        guard enterNesting() else { return errorExpression(at: currentSpan) }
        defer { leaveNesting() }
        return parseExpression()
    }

    private func reportMissingExpression() -> Expr {
        let start = currentStart
        if at(.let) {
            errorAtCurrent("expected expression, found `let`",
                           help: "`let` declares a variable in a statement of its own: `let x = value;`")
        } else {
            errorAtCurrent("expected expression, found \(describeCurrent())")
        }
        return errorExpression(at: Span(file: file, start: start, end: start))
    }

    /// An integer literal as an `int`; a magnitude beyond `Int.max` is an error (the one
    /// exception, `-9223372036854775808`, is folded by the caller).
    func integerLiteral(_ magnitude: UInt64, negated: Bool, span: Span) -> Expr {
        if negated && magnitude == 1 << 63 { return Expr(.int(Int.min), span) }
        guard magnitude <= UInt64(Int.max) else {
            report("integer literal is too large", at: span,
                   help: "the largest int is 9223372036854775807 (a 64-bit signed integer)")
            return Expr(.int(0), span)
        }
        return Expr(.int(negated ? -Int(magnitude) : Int(magnitude)), span)
    }

    /// `{ ... }` as the body of a loop or `if`, or an error if the block is missing.
    func parseBody(of construct: String) -> Block {
        if at(.leftBrace) { return parseBlock() }
        return reportMissingBody(of: construct)
    }

    private func reportMissingBody(of construct: String) -> Block {
        errorAtCurrent("expected `{` to begin the body of the \(construct), found \(describeCurrent())")
        return Block(statements: [], tail: nil, span: Span(file: file, start: currentStart, end: currentStart))
    }

    private func rejectLetCondition(_ keyword: String) {
        guard at(.let) else { return }
        errorAtCurrent("`\(keyword) let` is not supported",
                       help: "use `match`: `match value { pattern => { ... }, _ => {} }`")
        advance()
    }

    /// Names, paths, struct literals, `name!(...)` and `make[chan T](n)`.
    private func parsePathExpression() -> Expr {
        let start = currentStart
        if identifierName == "make" && peek(1) == .leftBracket && peek(2) == .chan {
            advance()
            advance()
            let type = parseType()
            expect(.rightBracket, "after the channel type")
            var args: [Expr] = []
            if at(.leftParen) { args = parseCallArguments() } else { expect(.leftParen, "after `make[...]`") }
            return Expr(.make(type, args: args), span(from: start))
        }
        let path = parseExpressionPath()
        // `name!(args)`: macro syntax is a plain call.
        if at(.bang) && peek(1) == .leftParen { advance() }
        if structLiteralsAllowed && at(.leftBrace) && looksLikeStructLiteralBody(after: path) {
            return parseStructLiteral(path, start: start)
        }
        return Expr(.path(path), path.span)
    }

    /// `a::b::c` with generic arguments on segments where they cannot be an index:
    /// `Vec[int]::new`, `Box[int] { ... }`, `id[int](x)`.
    func parseExpressionPath() -> Path {
        let start = currentStart
        var segments: [Path.Segment] = []
        while true {
            let name = parsePathSegmentName()
            var segment = Path.Segment(name: name)
            let capitalized = name.name.first?.isUppercase ?? false
            if at(.leftBracket) && genericArgumentsFollow(typeNameIsCapitalized: capitalized) {
                segment.genericArgs = parseGenericArguments()
            }
            segments.append(segment)
            guard at(.colonColon) && startsPathSegment(peek(1)) else { break }
            advance()
        }
        return Path(segments: segments, span: span(from: start))
    }

    func parsePathSegmentName() -> Ident {
        switch tag {
        case .selfValue, .selfType:
            let token = take()
            return Ident(text(token.span), token.span)
        default:
            return expectIdentifier("a name")
        }
    }

    func startsPathSegment(_ k: TokenTag) -> Bool {
        switch k {
        case .identifier, .selfValue, .selfType: return true
        default: return false
        }
    }

    /// At a `[` after a name in an expression: whether it opens generic arguments rather
    /// than an index. Looks ahead (a bounded distance) to the matching `]`: generic when
    /// followed by `::` (`Vec[int]::new`), by `{` after a capitalized name where a struct
    /// literal may stand (`Box[int] { value: 1 }`), or by `(` when the brackets hold
    /// something only a type can be (`id[int](x)`, `conv[Point](p)`, `f[A, B](x)`).
    func genericArgumentsFollow(typeNameIsCapitalized: Bool) -> Bool {
        let limit = min(tokens.count - 1, index + 256)
        var open = 0
        var close = -1
        var onlyTypeTokens = true
        var definitelyType = false
        var i = index
        while i < limit {
            switch tags[i] {
            case .leftBracket, .leftParen: open += 1
            case .rightBracket, .rightParen:
                open -= 1
                if open == 0 { close = i }
            case .identifier:
                if case .identifier(let name) = tokens[i].kind,
                   DescentParser.builtinTypeNames.contains(name) || isCamelCase(name) {
                    definitelyType = true
                }
            case .chan, .fn, .selfType, .amp, .ampAmp, .question, .arrow:
                definitelyType = true
            case .comma:
                if open == 1 { definitelyType = true }
            case .mut, .colonColon, .semicolon, .int: break
            default: onlyTypeTokens = false
            }
            if close >= 0 || open <= 0 { break }
            i += 1
        }
        guard close > index + 1, tags[close] == .rightBracket, onlyTypeTokens else { return false }
        switch tags[close + 1] {
        case .colonColon: return true
        case .leftBrace: return typeNameIsCapitalized && structLiteralsAllowed
        case .leftParen: return definitelyType
        default: return false
        }
    }

    static let builtinTypeNames: Set<String> = [
        "int", "float", "bool", "string", "void",
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize", "f32", "f64",
    ]

    /// `Point`, `HashMap`: a capital followed by a lower-case letter (so not a constant
    /// like `N` or `MAX`, which may well be an index).
    private func isCamelCase(_ name: String) -> Bool {
        guard let first = name.utf8.first, first >= 0x41 && first <= 0x5A else { return false }
        return name.utf8.contains { $0 >= 0x61 && $0 <= 0x7A }
    }

    /// `[T, U]`; the current token is `[`.
    func parseGenericArguments() -> [TypeRef] {
        guard enterNesting() else { return [] }
        defer { leaveNesting() }
        advance()
        let args = parseTypeList(until: .rightBracket)
        expect(.rightBracket, "to close the generic arguments")
        return args
    }

    /// At `{` after a path: whether a struct literal follows (`{}` after a capitalized
    /// name, or `{ name:`, `{ name,`, `{ name }`), so a name before a block is left alone.
    private func looksLikeStructLiteralBody(after path: Path) -> Bool {
        switch peek(1) {
        case .rightBrace, .dotDot:
            return path.last.name.first?.isUppercase ?? false
        case .identifier:
            switch peek(2) {
            case .colon, .comma: return true
            case .rightBrace: return path.last.name.first?.isUppercase ?? false
            default: return false
            }
        default:
            return false
        }
    }

    /// `Point { x: 1, y }`; the current token is `{`.
    private func parseStructLiteral(_ path: Path, start: Int) -> Expr {
        guard enterNesting() else { return errorExpression(at: span(from: start)) }
        defer { leaveNesting() }
        advance()
        let saved = structLiteralsAllowed
        structLiteralsAllowed = true
        var fields: [(name: Ident, value: Expr)] = []
        while !at(.rightBrace) && !atEnd {
            let before = index
            if at(.dotDot) {
                reportStructUpdate()
                break
            }
            let name = expectIdentifier("a field name")
            let value = eat(.colon) ? parseExpression() : shorthandFieldValue(name)
            fields.append((name, value))
            if !eat(.comma) || index == before { break }
        }
        expect(.rightBrace, "to close the struct literal")
        structLiteralsAllowed = saved
        return Expr(.structLiteral(path: path, fields: fields), span(from: start))
    }

    /// `Point { x, y }` means `Point { x: x, y: y }`.
    private func shorthandFieldValue(_ name: Ident) -> Expr {
        Expr(.path(Path(segments: [Path.Segment(name: name)], span: name.span)), name.span)
    }

    private func reportStructUpdate() {
        errorAtCurrent("struct update syntax `..base` is not supported", help: "write every field out")
        skipNestedConstruct()
    }

    /// `()`, `(e)`, `(e,)`, `(a, b)`.
    private func parseParenthesized() -> Expr {
        guard enterNesting() else { return errorExpression(at: currentSpan) }
        defer { leaveNesting() }
        let start = currentStart
        advance()
        if eat(.rightParen) { return Expr(.unit, span(from: start)) }
        let saved = structLiteralsAllowed
        structLiteralsAllowed = true
        var expr = parseExpression()
        if !eat(.rightParen) { expr = parseTupleRest(first: expr, start: start) }
        structLiteralsAllowed = saved
        return expr
    }

    private func parseTupleRest(first: Expr, start: Int) -> Expr {
        guard at(.comma) else {
            expect(.rightParen, "to close the parenthesis")
            return first
        }
        var elements = [first]
        while eat(.comma) && !at(.rightParen) && !atEnd {
            elements.append(parseExpression())
        }
        expect(.rightParen, "to close the tuple")
        return Expr(.tuple(elements), span(from: start))
    }

    /// `[a, b]`, `[]`, `[value; count]`.
    private func parseArrayLiteral() -> Expr {
        guard enterNesting() else { return errorExpression(at: currentSpan) }
        defer { leaveNesting() }
        let start = currentStart
        advance()
        if eat(.rightBracket) { return Expr(.array([]), span(from: start)) }
        let saved = structLiteralsAllowed
        structLiteralsAllowed = true
        let first = parseExpression()
        let expr = at(.semicolon) ? parseArrayRepeat(value: first, start: start)
                                  : parseArrayElements(first: first, start: start)
        structLiteralsAllowed = saved
        return expr
    }

    private func parseArrayRepeat(value: Expr, start: Int) -> Expr {
        advance()
        let count = parseExpression()
        expect(.rightBracket, "to close the array")
        return Expr(.arrayRepeat(value: value, count: count), span(from: start))
    }

    private func parseArrayElements(first: Expr, start: Int) -> Expr {
        var elements = [first]
        while eat(.comma) && !at(.rightBracket) && !atEnd {
            elements.append(parseExpression())
        }
        expect(.rightBracket, "to close the array")
        return Expr(.array(elements), span(from: start))
    }

    /// `|a, b: int| body`, `|| body`, `|x| -> int { ... }`. A block body ends the closure,
    /// so `|x: int| { x * 2 }(7)` calls it.
    private func parseClosure() -> Expr {
        guard enterNesting() else { return errorExpression(at: currentSpan) }
        defer { leaveNesting() }
        let start = currentStart
        var params: [Param] = []
        if !eat(.pipePipe) {
            advance()
            while !at(.pipe) && !atEnd {
                let before = index
                params.append(parseClosureParameter())
                if !eat(.comma) || index == before { break }
            }
            expect(.pipe, "to close the closure parameters")
        }
        let result = eat(.arrow) ? parseType() : nil
        let body: Expr
        if at(.leftBrace) {
            let block = parseBlock()
            body = Expr(.block(block), block.span)
        } else {
            if result != nil {
                errorAtCurrent("expected `{` after the closure's return type, found \(describeCurrent())",
                               help: "a closure with a return type needs a block body: `|x| -> int { x }`")
            }
            body = parseExpression()
        }
        return Expr(.closure(params: params, result: result, body: body), span(from: start))
    }

    private func parseClosureParameter() -> Param {
        let start = currentStart
        let isMutable = eat(.mut)
        let name = expectIdentifier("a parameter name")
        let type = eat(.colon) ? parseType() : nil
        return Param(name: name, isMutable: isMutable, type: type, span: span(from: start))
    }

    /// `fn(x: int) -> int { x * 2 }`: a closure written like a function.
    private func parseFunctionLiteral() -> Expr {
        let start = currentStart
        advance()
        let signature = parseParameterList(allowReceiver: false)
        let result = eat(.arrow) ? parseType() : nil
        let body = parseBody(of: "function literal")
        return Expr(.closure(params: signature.params, result: result, body: Expr(.block(body), body.span)),
                    span(from: start))
    }

    /// `if c { } else if d { } else { }`. The `else if` chain is read in a loop and folded
    /// afterwards, so its length costs no native stack.
    private func parseIf() -> Expr {
        var links: [IfLink] = []
        repeat {
            parseIfLink(into: &links)
        } while continuesWithElseIf()
        let otherwise = at(.else) ? parseElse() : nil
        return foldIfChain(links, otherwise: otherwise)
    }

    struct IfLink {
        var start: Int
        var condition: Expr
        var then: Block
    }

    /// `if condition { ... }`
    private func parseIfLink(into links: inout [IfLink]) {
        guard enterNesting() else { return }
        defer { leaveNesting() }
        let start = currentStart
        advance()
        rejectLetCondition("if")
        let condition = parseExpression(structLiterals: false)
        let then = parseBody(of: "`if`")
        links.append(IfLink(start: start, condition: condition, then: then))
    }

    /// Consumes `else` when `if` follows it.
    private func continuesWithElseIf() -> Bool {
        guard at(.else) && peek(1) == .if else { return false }
        advance()
        return true
    }

    /// `else { ... }`
    private func parseElse() -> Expr? {
        advance()
        if at(.leftBrace) { return parseBlockExpression() }
        reportMissingElseBody()
        return nil
    }

    private func foldIfChain(_ links: [IfLink], otherwise: Expr?) -> Expr {
        var result = otherwise
        let end = previousEnd
        for link in links.reversed() {
            result = Expr(.ifElse(condition: link.condition, then: link.then, otherwise: result),
                          Span(file: file, start: link.start, end: end))
        }
        return result ?? errorExpression(at: afterPrevious)
    }

    private func reportMissingElseBody() {
        errorAtCurrent("expected `{` or `if` after `else`, found \(describeCurrent())")
    }

    /// The body of a match arm or select case: a block-like expression ends it (a comma is
    /// then optional), anything else runs to the `,`.
    private func parseArmBody() -> Expr {
        guard startsBlockLikeExpression else { return parseExpression() }
        let body = parsePrimary()
        guard at(.dot) else { return body }
        pendingOperand = body
        return parseExpression()
    }

    /// After an arm body: a comma, or the closing `}`, or nothing after a block.
    private func finishArm(body: Expr, what: String) {
        if eat(.comma) || at(.rightBrace) || body.isBlockLike { return }
        error("expected `,` after the \(what)", at: afterPrevious,
              help: "separate \(what)s with `,`")
    }

    private func parseMatch() -> Expr {
        guard enterNesting(cost: 2) else { return errorExpression(at: currentSpan) }
        defer { leaveNesting(cost: 2) }
        let start = currentStart
        advance()
        let scrutinee = parseExpression(structLiterals: false)
        var arms: [MatchArm] = []
        if at(.leftBrace) {
            advance()
            let saved = structLiteralsAllowed
            structLiteralsAllowed = true
            while !at(.rightBrace) && !atEnd {
                let before = index
                parseMatchArm(into: &arms)
                if index == before { advance() }
            }
            expect(.rightBrace, "to close the `match`")
            structLiteralsAllowed = saved
        } else {
            errorAtCurrent("expected `{` after the `match` value, found \(describeCurrent())")
        }
        return Expr(.match(scrutinee, arms), span(from: start))
    }

    /// `pattern [if guard] => body [,]`
    private func parseMatchArm(into arms: inout [MatchArm]) {
        let start = currentStart
        let pattern = parsePattern()
        let guardExpr = eat(.if) ? parseExpression() : nil
        guard expect(.fatArrow, "after the match pattern", help: "a match arm is written `pattern => value,`") else {
            skipToArmEnd()
            return
        }
        let body = parseArmBody()
        arms.append(MatchArm(pattern: pattern, guardExpr: guardExpr, body: body, span: span(from: start)))
        finishArm(body: body, what: "match arm")
    }

    /// Skips a broken arm: up to the next `,` (consumed) or the closing `}`.
    private func skipToArmEnd() {
        skipNestedConstruct()
        eat(.comma)
    }

    /// `spawn f(a)`, `spawn { ... }`, `spawn |x| { ... }(42)` (and the same with `legion`).
    private func parseSpawn() -> Expr {
        let start = currentStart
        guard enterNesting() else { return errorExpression(at: span(from: start)) }
        advance()
        let body = at(.leftBrace) ? parseBlockExpression() : parsePostfix()
        if !at(.leftBrace) { checkSpawnBody(body) }
        leaveNesting()
        return Expr(.spawn(body), span(from: start))
    }

    private func checkSpawnBody(_ body: Expr) {
        switch body.kind {
        case .call, .methodCall, .block: return
        default:
            report("`spawn` needs a function call or a block", at: body.span,
                   help: "write `spawn f(args)`, `spawn { ... }` or `spawn |x| { ... }(arg)`")
        }
    }

    /// `select { case let v = <-a => ..., case <-b => ..., case c <- 1 => ..., default => ... }`
    private func parseSelect() -> Expr {
        guard enterNesting(cost: 2) else { return errorExpression(at: currentSpan) }
        defer { leaveNesting(cost: 2) }
        let start = currentStart
        advance()
        var cases: [SelectCase] = []
        if expect(.leftBrace, "after `select`") {
            let saved = structLiteralsAllowed
            structLiteralsAllowed = true
            while !at(.rightBrace) && !atEnd {
                let before = index
                parseSelectCase(into: &cases)
                if index == before { advance() }
            }
            expect(.rightBrace, "to close the `select`")
            structLiteralsAllowed = saved
        }
        return Expr(.select(cases), span(from: start))
    }

    private func parseSelectCase(into cases: inout [SelectCase]) {
        let start = currentStart
        guard let kind = parseSelectCaseHead() else {
            skipToArmEnd()
            return
        }
        guard expect(.fatArrow, "after the select case", help: "a select case is written `case <-ch => { ... }`") else {
            skipToArmEnd()
            return
        }
        let body = parseArmBody()
        cases.append(SelectCase(kind: kind, body: body, span: span(from: start)))
        finishArm(body: body, what: "select case")
    }

    /// The part of a select case before `=>`.
    private func parseSelectCaseHead() -> SelectCase.Kind? {
        if eat(.default) { return .defaultCase }
        guard eat(.case) else {
            errorAtCurrent("expected `case` or `default` in `select`, found \(describeCurrent())")
            return nil
        }
        if eat(.default) { return .defaultCase }
        var binding: Pattern?
        if eat(.let) {
            binding = parsePattern()
            expect(.equal, "after the pattern of `case let`")
        }
        let operation = parseExpression()
        switch operation.kind {
        case .unary(.receive, let channel):
            return .receive(binding: binding, channel: channel)
        case .send(let channel, let value) where binding == nil:
            return .send(channel: channel, value: value)
        default:
            report(binding == nil ? "a select case must receive (`<-ch`) or send (`ch <- value`)"
                                  : "expected a receive `<-ch` after `case let ... =`",
                   at: operation.span,
                   help: "write `case let v = <-ch =>`, `case <-ch =>` or `case ch <- value =>`")
            return nil
        }
    }

    /// Whether the current token can begin an expression (for optional operands such as
    /// `break value`, `return value` and range ends).
    var startsExpression: Bool {
        switch tag {
        case .int, .float, .string, .identifier,
             .leftParen, .leftBracket, .pipe, .pipePipe, .minus, .bang, .amp, .ampAmp, .star, .leftArrow,
             .dotDot, .dotDotEqual:
            return true
        case .leftBrace:
            return structLiteralsAllowed
        case .true, .false, .nil, .selfValue, .selfType, .if, .match, .while, .loop, .for, .break,
             .continue, .return, .spawn, .select, .unsafe, .fn:
            return true
        default:
            return false
        }
    }
}
