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
    var expressionStart: Int { pendingOperand?.span.start ?? current.span.start }

    /// A full expression, assignment included. One level of nesting.
    func parseExpression() -> Expr {
        let start = expressionStart
        guard enterNesting() else { return errorExpression(at: span(from: start)) }
        defer { leaveNesting() }
        return parseAssignment()
    }

    /// `target = value`, `target op= value`, `channel <- value`; right-associative.
    private func parseAssignment() -> Expr {
        let start = expressionStart
        let target = parseRange()
        if let op = assignmentOperator {
            advance()
            let value = parseExpression()
            return Expr(.assign(target: target, op: op, value: value), span(from: start))
        }
        if at(.leftArrow) {
            advance()
            let value = parseExpression()
            return Expr(.send(channel: target, value: value), span(from: start))
        }
        return target
    }

    /// `nil` for `=`, the operator for a compound assignment; not set for other tokens.
    private var assignmentOperator: BinaryOp?? {
        switch kind {
        case .equal: return .some(nil)
        case .plusEqual: return .add
        case .minusEqual: return .subtract
        case .starEqual: return .multiply
        case .slashEqual: return .divide
        case .percentEqual: return .remainder
        default: return nil
        }
    }

    /// `a..b`, `a..=b`, `a..`, `..b`, `..`.
    private func parseRange() -> Expr {
        let start = expressionStart
        var lower: Expr?
        if !(at(.dotDot) || at(.dotDotEqual)) || pendingOperand != nil {
            lower = parseBinary()
            guard at(.dotDot) || at(.dotDotEqual) else { return lower! }
        }
        let inclusive = at(.dotDotEqual)
        let operatorSpan = advance().span
        let upper = startsExpression ? parseBinary() : nil
        if inclusive && upper == nil {
            error("inclusive range with no end", at: operatorSpan,
                  help: "`..=` needs an upper bound; use `..` for a range without one")
        }
        if at(.dotDot) || at(.dotDotEqual) {
            errorAtCurrent("ranges cannot be chained", help: "put one of the ranges in parentheses")
        }
        return Expr(.range(lower: lower, upper: upper, inclusive: inclusive), span(from: start))
    }

    static let comparisonPrecedence = 3

    /// The binary operator at the current token and its precedence (higher binds tighter).
    private var binaryOperator: (BinaryOp, Int)? {
        switch kind {
        case .pipePipe: return (.or, 1)
        case .ampAmp: return (.and, 2)
        case .equalEqual: return (.equal, 3)
        case .bangEqual: return (.notEqual, 3)
        case .less: return (.less, 3)
        case .lessEqual: return (.lessEqual, 3)
        case .greater: return (.greater, 3)
        case .greaterEqual: return (.greaterEqual, 3)
        case .pipe: return (.bitOr, 4)
        case .caret: return (.bitXor, 5)
        case .amp: return (.bitAnd, 6)
        case .shiftLeft: return (.shiftLeft, 7)
        case .shiftRight: return (.shiftRight, 7)
        case .plus: return (.add, 8)
        case .minus: return (.subtract, 8)
        case .star: return (.multiply, 9)
        case .slash: return (.divide, 9)
        case .percent: return (.remainder, 9)
        default: return nil
        }
    }

    /// Binary operators by precedence climbing over explicit stacks: the native stack
    /// stays flat however long the chain, and all operators are left-associative.
    private func parseBinary() -> Expr {
        var operands: [Expr] = [parseCast()]
        // Whether each operand is a comparison written without parentheses, to reject
        // `a < b < c`.
        var isBareComparison: [Bool] = [false]
        var operators: [(op: BinaryOp, precedence: Int)] = []

        func reduce() {
            let top = operators.removeLast()
            let rhs = operands.removeLast()
            let lhs = operands.removeLast()
            isBareComparison.removeLast(2)
            operands.append(Expr(.binary(top.op, lhs, rhs), lhs.span.to(rhs.span)))
            isBareComparison.append(top.precedence == DescentParser.comparisonPrecedence)
        }

        while let (op, precedence) = binaryOperator {
            while let top = operators.last, top.precedence >= precedence { reduce() }
            if precedence == DescentParser.comparisonPrecedence && isBareComparison.last == true {
                let left = operands[operands.count - 1]
                var example = "`a < b && b < c`"
                if case .binary(_, _, let middle) = left.kind {
                    example = "`\(text(left.span)) && \(text(middle.span)) \(op.rawValue) ...`"
                }
                error("comparison operators cannot be chained", at: current.span,
                      help: "split the comparison in two and join them with `&&`: \(example)")
            }
            operators.append((op, precedence))
            advance()
            operands.append(parseCast())
            isBareComparison.append(false)
        }
        while !operators.isEmpty { reduce() }
        return operands[0]
    }

    /// `e as T`, binding tighter than any binary operator and looser than prefix ones.
    private func parseCast() -> Expr {
        let start = expressionStart
        var expr = parseUnary()
        while at(.as) {
            advance()
            let type = parseType()
            expr = Expr(.cast(expr, type), span(from: start))
        }
        return expr
    }

    /// Prefix operators, collected in a loop; each is one level of nesting, so the
    /// syntax tree of `- - - - x` is as bounded as that of `((((x))))`.
    private func parseUnary() -> Expr {
        if pendingOperand != nil { return parsePostfix() }
        var prefixes: [(op: UnaryOp, start: Int)] = []
        var entered = 0
        defer { depth -= entered }
        var operand: Expr?
        scan: while true {
            let start = current.span.start
            var ops: [UnaryOp]
            switch kind {
            case .minus:
                if case .int(let magnitude) = peek(1), magnitude == 1 << 63, !startsPostfix(peek(2)) {
                    advance()
                    advance()
                    operand = Expr(.int(Int.min), span(from: start))
                    break scan
                }
                ops = [.negate]
            case .bang: ops = [.not]
            case .star: ops = [.dereference]
            case .leftArrow: ops = [.receive]
            case .amp: ops = peek(1) == .keyword(.mut) ? [.mutableReference] : [.reference]
            case .ampAmp: ops = [.reference, peek(1) == .keyword(.mut) ? .mutableReference : .reference]
            default: break scan
            }
            for op in ops {
                guard enterNesting() else { return errorExpression(at: span(from: start)) }
                entered += 1
                prefixes.append((op, start))
            }
            advance()
            if ops.last == .mutableReference { advance() }
        }
        var expr = operand ?? parsePostfix()
        for prefix in prefixes.reversed() {
            expr = Expr(.unary(prefix.op, expr), Span(file: file, start: prefix.start, end: expr.span.end))
        }
        return expr
    }

    /// Whether a token after a literal makes it the operand of a postfix operator.
    private func startsPostfix(_ k: TokenKind) -> Bool {
        k == .dot || k == .leftParen || k == .leftBracket
    }

    /// Calls, method calls, fields, tuple fields, indexing and slicing, in a loop.
    private func parsePostfix() -> Expr {
        let start = expressionStart
        var expr = parsePrimary()
        while true {
            switch kind {
            case .leftParen:
                let args = parseCallArguments()
                expr = Expr(.call(callee: expr, args: args), span(from: start))
            case .leftBracket:
                advance()
                let index = withStructLiterals(true) { parseExpression() }
                expect(.rightBracket, "to close the index")
                expr = Expr(.index(expr, index), span(from: start))
            case .dot:
                advance()
                expr = parseMember(of: expr, start: start)
            default:
                return expr
            }
        }
    }

    /// What follows a `.`: a field, a method call (optionally with generic arguments), or
    /// a tuple index.
    private func parseMember(of receiver: Expr, start: Int) -> Expr {
        if let name = identifierName {
            let nameSpan = advance().span
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
            let indexSpan = advance().span
            return Expr(.tupleField(receiver, index: Int(clamping: value), indexSpan: indexSpan), span(from: start))
        }
        errorAtCurrent("expected a field name or a tuple index after `.`, found \(describeCurrent())")
        return receiver
    }

    /// `(a, b, c)` after a callee; the current token is `(`.
    func parseCallArguments() -> [Expr] {
        advance()
        return withStructLiterals(true) {
            let args = parseCommaSeparated(until: .rightParen) { parseExpression() }
            expect(.rightParen, "to close the argument list")
            return args
        }
    }

    /// Elements separated by commas (a trailing comma allowed) up to `close`, which is
    /// left for the caller. Stops at the first element not followed by a comma.
    func parseCommaSeparated<T>(until close: TokenKind, _ element: () -> T) -> [T] {
        var elements: [T] = []
        while !at(close) && !atEnd {
            let before = index
            elements.append(element())
            if !eat(.comma) || index == before { break }
        }
        return elements
    }

    // MARK: - Primary expressions

    func parsePrimary() -> Expr {
        if let operand = pendingOperand {
            pendingOperand = nil
            return operand
        }
        let start = current.span.start
        switch kind {
        case .int(let magnitude):
            advance()
            return integerLiteral(magnitude, negated: false, span: span(from: start))
        case .float(let value):
            advance()
            return Expr(.float(value), span(from: start))
        case .string(let value):
            advance()
            return Expr(.string(value), span(from: start))
        case .keyword(.true), .keyword(.false):
            let value = at(.true)
            advance()
            return Expr(.bool(value), span(from: start))
        case .keyword(.nil):
            advance()
            return Expr(.nilLiteral, span(from: start))
        case .identifier, .keyword(.selfValue), .keyword(.selfType):
            return parsePathExpression()
        case .leftParen:
            return parseParenthesized()
        case .leftBracket:
            return parseArrayLiteral()
        case .leftBrace:
            let block = parseBlock()
            return Expr(.block(block), block.span)
        case .keyword(.unsafe) where peek(1) == .leftBrace:
            advance()
            let block = parseBlock()
            return Expr(.block(block), span(from: start))
        case .pipe, .pipePipe:
            return parseClosure()
        case .keyword(.fn):
            return parseFunctionLiteral()
        case .keyword(.if):
            return parseIf()
        case .keyword(.match):
            return parseMatch()
        case .keyword(.while):
            advance()
            rejectLetCondition("while")
            let condition = withStructLiterals(false) { parseExpression() }
            let body = parseBody(of: "`while` loop")
            return Expr(.whileLoop(condition: condition, body: body), span(from: start))
        case .keyword(.loop):
            advance()
            let body = parseBody(of: "`loop`")
            return Expr(.loop(body), span(from: start))
        case .keyword(.for):
            advance()
            let pattern = parsePattern()
            expect(.keyword(.in), "after the `for` pattern")
            let iterable = withStructLiterals(false) { parseExpression() }
            let body = parseBody(of: "`for` loop")
            return Expr(.forLoop(pattern: pattern, iterable: iterable, body: body), span(from: start))
        case .keyword(.break):
            advance()
            let value = startsExpression ? parseExpression() : nil
            return Expr(.breakLoop(value), span(from: start))
        case .keyword(.continue):
            advance()
            return Expr(.continueLoop, span(from: start))
        case .keyword(.return):
            advance()
            let value = startsExpression ? parseExpression() : nil
            return Expr(.returnValue(value), span(from: start))
        case .keyword(.spawn):
            return parseSpawn()
        case .keyword(.select):
            return parseSelect()
        case .keyword(.let):
            errorAtCurrent("expected expression, found `let`",
                           help: "`let` declares a variable in a statement of its own: `let x = value;`")
            return errorExpression(at: current.span)
        default:
            errorAtCurrent("expected expression, found \(describeCurrent())")
            return errorExpression(at: Span(file: file, start: start, end: start))
        }
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

    /// `{ ... }` as the body of a loop, or an error if the block is missing.
    func parseBody(of construct: String) -> Block {
        if at(.leftBrace) { return parseBlock() }
        errorAtCurrent("expected `{` to begin the body of the \(construct), found \(describeCurrent())")
        return Block(statements: [], tail: nil, span: Span(file: file, start: current.span.start, end: current.span.start))
    }

    private func rejectLetCondition(_ keyword: String) {
        guard at(.let) else { return }
        errorAtCurrent("`\(keyword) let` is not supported",
                       help: "use `match`: `match value { pattern => { ... }, _ => {} }`")
        advance()
    }

    /// Names, paths, struct literals, `name!(...)` and `make[chan T](n)`.
    private func parsePathExpression() -> Expr {
        let start = current.span.start
        if identifierName == "make" && peek(1) == .leftBracket && peek(2) == .keyword(.chan) {
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
        let start = current.span.start
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
        switch kind {
        case .keyword(.selfValue), .keyword(.selfType):
            let token = advance()
            return Ident(text(token.span), token.span)
        default:
            return expectIdentifier("a name")
        }
    }

    func startsPathSegment(_ k: TokenKind) -> Bool {
        switch k {
        case .identifier, .keyword(.selfValue), .keyword(.selfType): return true
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
            let k = tokens[i].kind
            switch k {
            case .leftBracket, .leftParen: open += 1
            case .rightBracket, .rightParen:
                open -= 1
                if open == 0 { close = i }
            case .identifier(let name):
                if DescentParser.builtinTypeNames.contains(name) || isCamelCase(name) { definitelyType = true }
            case .keyword(.chan), .keyword(.fn), .keyword(.selfType), .amp, .ampAmp, .question, .arrow:
                definitelyType = true
            case .comma:
                if open == 1 { definitelyType = true }
            case .keyword(.mut), .colonColon, .semicolon, .int: break
            default: onlyTypeTokens = false
            }
            if close >= 0 || open <= 0 { break }
            i += 1
        }
        guard close > index + 1, tokens[close].kind == .rightBracket, onlyTypeTokens else { return false }
        switch tokens[close + 1].kind {
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
        advance()
        let args = parseCommaSeparated(until: .rightBracket) { parseType() }
        expect(.rightBracket, "to close the generic arguments")
        return args
    }

    /// At `{` after a path: whether a struct literal follows (`{}` after a capitalized
    /// name, or `{ name:`, `{ name,`, `{ name }`), so a name before a block is left alone.
    private func looksLikeStructLiteralBody(after path: Path) -> Bool {
        switch peek(1) {
        case .rightBrace:
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
        advance()
        return withStructLiterals(true) {
            var fields: [(name: Ident, value: Expr)] = []
            while !at(.rightBrace) && !atEnd {
                let before = index
                if at(.dotDot) {
                    errorAtCurrent("struct update syntax `..base` is not supported",
                                   help: "write every field out")
                    skipNestedConstruct()
                    break
                }
                let name = expectIdentifier("a field name")
                if eat(.colon) {
                    fields.append((name, parseExpression()))
                } else {
                    // Shorthand: `Point { x, y }` means `Point { x: x, y: y }`.
                    let segment = Path.Segment(name: name)
                    fields.append((name, Expr(.path(Path(segments: [segment], span: name.span)), name.span)))
                }
                if !eat(.comma) || index == before { break }
            }
            expect(.rightBrace, "to close the struct literal")
            return Expr(.structLiteral(path: path, fields: fields), span(from: start))
        }
    }

    /// `()`, `(e)`, `(e,)`, `(a, b)`.
    private func parseParenthesized() -> Expr {
        let start = current.span.start
        advance()
        if eat(.rightParen) { return Expr(.unit, span(from: start)) }
        return withStructLiterals(true) {
            let first = parseExpression()
            if eat(.rightParen) { return first }
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
    }

    /// `[a, b]`, `[]`, `[value; count]`.
    private func parseArrayLiteral() -> Expr {
        let start = current.span.start
        advance()
        return withStructLiterals(true) {
            if eat(.rightBracket) { return Expr(.array([]), span(from: start)) }
            let first = parseExpression()
            if eat(.semicolon) {
                let count = parseExpression()
                expect(.rightBracket, "to close the array")
                return Expr(.arrayRepeat(value: first, count: count), span(from: start))
            }
            var elements = [first]
            while eat(.comma) && !at(.rightBracket) && !atEnd {
                elements.append(parseExpression())
            }
            expect(.rightBracket, "to close the array")
            return Expr(.array(elements), span(from: start))
        }
    }

    /// `|a, b: int| body`, `|| body`, `|x| -> int { ... }`. A block body ends the closure,
    /// so `|x: int| { x * 2 }(7)` calls it.
    private func parseClosure() -> Expr {
        let start = current.span.start
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
        let start = current.span.start
        let isMutable = eat(.mut)
        let name = expectIdentifier("a parameter name")
        let type = eat(.colon) ? parseType() : nil
        return Param(name: name, isMutable: isMutable, type: type, span: span(from: start))
    }

    /// `fn(x: int) -> int { x * 2 }`: a closure written like a function.
    private func parseFunctionLiteral() -> Expr {
        let start = current.span.start
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
        var links: [(start: Int, condition: Expr, then: Block)] = []
        var otherwise: Expr?
        while true {
            let start = current.span.start
            advance()
            rejectLetCondition("if")
            let condition = withStructLiterals(false) { parseExpression() }
            let then = parseBody(of: "`if`")
            links.append((start, condition, then))
            guard eat(.else) else { break }
            if at(.if) { continue }
            if at(.leftBrace) {
                let block = parseBlock()
                otherwise = Expr(.block(block), block.span)
            } else {
                errorAtCurrent("expected `{` or `if` after `else`, found \(describeCurrent())")
            }
            break
        }
        let end = previousEnd
        for link in links.reversed() {
            otherwise = Expr(.ifElse(condition: link.condition, then: link.then, otherwise: otherwise),
                             Span(file: file, start: link.start, end: end))
        }
        return otherwise!
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
        let start = current.span.start
        advance()
        let scrutinee = withStructLiterals(false) { parseExpression() }
        guard at(.leftBrace) else {
            errorAtCurrent("expected `{` after the `match` value, found \(describeCurrent())")
            return Expr(.match(scrutinee, []), span(from: start))
        }
        advance()
        return withStructLiterals(true) {
            var arms: [MatchArm] = []
            while !at(.rightBrace) && !atEnd {
                let before = index
                let armStart = current.span.start
                let pattern = parsePattern()
                let guardExpr = eat(.if) ? parseExpression() : nil
                guard expect(.fatArrow, "after the match pattern",
                             help: "a match arm is written `pattern => value,`") else {
                    skipToArmEnd()
                    if index == before { advance() }
                    continue
                }
                let body = parseArmBody()
                arms.append(MatchArm(pattern: pattern, guardExpr: guardExpr, body: body, span: span(from: armStart)))
                finishArm(body: body, what: "match arm")
                if index == before { advance() }
            }
            expect(.rightBrace, "to close the `match`")
            return Expr(.match(scrutinee, arms), span(from: start))
        }
    }

    /// Skips a broken arm: up to the next `,` (consumed) or the closing `}`.
    private func skipToArmEnd() {
        skipNestedConstruct()
        eat(.comma)
    }

    /// `spawn f(a)`, `spawn { ... }`, `spawn |x| { ... }(42)` (and the same with `legion`).
    private func parseSpawn() -> Expr {
        let start = current.span.start
        guard enterNesting() else { return errorExpression(at: span(from: start)) }
        defer { leaveNesting() }
        advance()
        let body: Expr
        if at(.leftBrace) {
            let block = parseBlock()
            body = Expr(.block(block), block.span)
        } else {
            body = parsePostfix()
            switch body.kind {
            case .call, .methodCall: break
            default:
                report("`spawn` needs a function call or a block", at: body.span,
                       help: "write `spawn f(args)`, `spawn { ... }` or `spawn |x| { ... }(arg)`")
            }
        }
        return Expr(.spawn(body), span(from: start))
    }

    /// `select { case let v = <-a => ..., case <-b => ..., case c <- 1 => ..., default => ... }`
    private func parseSelect() -> Expr {
        let start = current.span.start
        advance()
        guard expect(.leftBrace, "after `select`") else { return Expr(.select([]), span(from: start)) }
        return withStructLiterals(true) {
            var cases: [SelectCase] = []
            while !at(.rightBrace) && !atEnd {
                let before = index
                let caseStart = current.span.start
                guard let kind = parseSelectCaseHead() else {
                    skipToArmEnd()
                    if index == before { advance() }
                    continue
                }
                guard expect(.fatArrow, "after the select case", help: "a select case is written `case <-ch => { ... }`") else {
                    skipToArmEnd()
                    if index == before { advance() }
                    continue
                }
                let body = parseArmBody()
                cases.append(SelectCase(kind: kind, body: body, span: span(from: caseStart)))
                finishArm(body: body, what: "select case")
                if index == before { advance() }
            }
            expect(.rightBrace, "to close the `select`")
            return Expr(.select(cases), span(from: start))
        }
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
        switch kind {
        case .int, .float, .string, .identifier,
             .leftParen, .leftBracket, .pipe, .pipePipe, .minus, .bang, .amp, .ampAmp, .star, .leftArrow,
             .dotDot, .dotDotEqual:
            return true
        case .leftBrace:
            return structLiteralsAllowed
        case .keyword(let k):
            switch k {
            case .true, .false, .nil, .selfValue, .selfType, .if, .match, .while, .loop, .for, .break,
                 .continue, .return, .spawn, .select, .unsafe, .fn:
                return true
            default:
                return false
            }
        default:
            return false
        }
    }
}
