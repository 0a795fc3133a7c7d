/// Patterns, in `let`, `for`, `match` and `select` (LANGUAGE.md section 4): literals
/// (negative numbers included), `_`, bindings, `mut x`, ranges `1..=9` and `1..9`,
/// tuples, variants with and without payload, struct patterns, alternatives `A | B`.
extension DescentParser {
    /// A pattern, alternatives included. One level of nesting.
    func parsePattern() -> Pattern {
        let start = currentStart
        guard enterNesting() else { return Pattern(.wildcard, span(from: start)) }
        defer { leaveNesting() }
        eat(.pipe)  // a leading `|`, as in `| A | B => ...`
        var alternatives = [parsePatternWithoutAlternatives()]
        while at(.pipe) {
            advance()
            alternatives.append(parsePatternWithoutAlternatives())
        }
        if alternatives.count == 1 { return alternatives[0] }
        return Pattern(.alternatives(alternatives), span(from: start))
    }

    private func parsePatternWithoutAlternatives() -> Pattern {
        let start = currentStart
        if identifierName == "_" {
            advance()
            return Pattern(.wildcard, span(from: start))
        }
        switch tag {
        case .mut:
            advance()
            let name = expectIdentifier("a name after `mut`")
            return Pattern(.binding(name, isMutable: true), span(from: start))
        case .int, .float, .string, .minus, .true, .false, .nil:
            guard let lower = parseLiteralPatternBound() else {
                return Pattern(.wildcard, span(from: start))
            }
            return parseRangePatternRest(lower: lower, start: start)
        case .leftParen:
            return parseTuplePattern()
        case .identifier, .selfType, .selfValue:
            return parsePathPattern()
        case .amp, .ampAmp:
            errorAtCurrent("reference patterns are not supported",
                           help: "match the value itself; a reference is dereferenced automatically")
            while at(.amp) || at(.ampAmp) || at(.mut) { advance() }
            return parsePatternWithoutAlternatives()
        case .leftBracket:
            errorAtCurrent("slice patterns are not supported",
                           help: "match on `v.len()` and index the elements instead")
            skipNestedConstruct()
            return Pattern(.wildcard, span(from: start))
        default:
            errorAtCurrent("expected a pattern, found \(describeCurrent())")
            return Pattern(.wildcard, Span(file: file, start: start, end: start))
        }
    }

    /// After a literal or constant: `..= upper`, `.. upper`, or nothing.
    private func parseRangePatternRest(lower: Expr, start: Int) -> Pattern {
        guard at(.dotDot) || at(.dotDotEqual) else { return Pattern(.literal(lower), lower.span) }
        let inclusive = at(.dotDotEqual)
        advance()
        let upper: Expr
        if startsPathSegment(tag) {
            let path = parseExpressionPath()
            upper = Expr(.path(path), path.span)
        } else if let literal = parseLiteralPatternBound() {
            upper = literal
        } else {
            upper = lower
        }
        return Pattern(.range(lower: lower, upper: upper, inclusive: inclusive), span(from: start))
    }

    /// An int, float, string, bool or nil literal, `-` folded into numbers.
    private func parseLiteralPatternBound() -> Expr? {
        let start = currentStart
        let negated = eat(.minus)
        switch current.kind {
        case .int(let magnitude):
            advance()
            return integerLiteral(magnitude, negated: negated, span: span(from: start))
        case .float(let value):
            advance()
            return Expr(.float(negated ? -value : value), span(from: start))
        case .string(let value) where !negated:
            advance()
            return Expr(.string(value), span(from: start))
        case .keyword(.true) where !negated, .keyword(.false) where !negated:
            let value = at(.true)
            advance()
            return Expr(.bool(value), span(from: start))
        case .keyword(.nil) where !negated:
            advance()
            return Expr(.nilLiteral, span(from: start))
        default:
            errorAtCurrent(negated ? "expected a number after `-` in a pattern, found \(describeCurrent())"
                                   : "expected a literal, found \(describeCurrent())")
            return nil
        }
    }

    /// `()`, `(p)`, `(p,)`, `(a, b)`.
    private func parseTuplePattern() -> Pattern {
        let start = currentStart
        advance()
        if eat(.rightParen) { return Pattern(.tuple([]), span(from: start)) }
        let first = parsePattern()
        if eat(.rightParen) { return first }
        var elements = [first]
        while eat(.comma) && !at(.rightParen) && !atEnd {
            elements.append(parsePattern())
        }
        expect(.rightParen, "to close the tuple pattern")
        return Pattern(.tuple(elements), span(from: start))
    }

    /// `x`, `Empty`, `Shape::Empty`, `Rect(w, h)`, `Shape::Rect(w, h)`, `Point { x, y: 0, .. }`,
    /// and constant range bounds `LOW..=HIGH`.
    private func parsePathPattern() -> Pattern {
        guard enterNesting() else { return Pattern(.wildcard, currentSpan) }
        defer { leaveNesting() }
        let start = currentStart
        let path = parseTypePath()
        if at(.leftParen) {
            advance()
            let args = parsePatternList(until: .rightParen)
            expect(.rightParen, "to close the variant's fields")
            return Pattern(.variant(path, args: args), span(from: start))
        }
        if at(.leftBrace) && structLiteralsAllowed {
            return parseStructPattern(path, start: start)
        }
        if at(.dotDot) || at(.dotDotEqual) {
            return parseRangePatternRest(lower: Expr(.path(path), path.span), start: start)
        }
        // A bare name binds (the resolver turns it into a unit variant or a constant when
        // one of that name exists); a qualified one names a variant.
        if path.segments.count == 1 && path.segments[0].genericArgs.isEmpty {
            return Pattern(.binding(path.segments[0].name, isMutable: false), span(from: start))
        }
        return Pattern(.variant(path, args: nil), span(from: start))
    }

    /// Patterns separated by commas (a trailing comma allowed) up to `close`, which is
    /// left for the caller.
    private func parsePatternList(until close: TokenTag) -> [Pattern] {
        var patterns: [Pattern] = []
        while !at(close) && !atEnd {
            let before = index
            patterns.append(parsePattern())
            if !eat(.comma) || index == before { break }
        }
        return patterns
    }

    /// `Point { x, y: 0, .. }`; the current token is `{`.
    private func parseStructPattern(_ path: Path, start: Int) -> Pattern {
        advance()
        var fields: [(name: Ident, pattern: Pattern)] = []
        var hasRest = false
        while !at(.rightBrace) && !atEnd {
            let before = index
            if eat(.dotDot) {
                hasRest = true
                break
            }
            let fieldStart = currentStart
            let isMutable = eat(.mut)
            let name = expectIdentifier("a field name")
            if !isMutable && eat(.colon) {
                fields.append((name, parsePattern()))
            } else {
                fields.append((name, Pattern(.binding(name, isMutable: isMutable), span(from: fieldStart))))
            }
            if !eat(.comma) || index == before { break }
        }
        expect(.rightBrace, "to close the struct pattern")
        return Pattern(.structPattern(path, fields: fields, hasRest: hasRest), span(from: start))
    }
}
