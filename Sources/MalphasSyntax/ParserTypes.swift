/// Types as written in annotations (LANGUAGE.md section 3): `int`, `[]T`, `[T; N]`,
/// `(A, B)`, `()`, `fn(A) -> R`, `chan T`, `T?`, `&T`, `&mut T`, `Box[int]`, paths.
extension DescentParser {
    /// The placeholder for a type that failed to parse (an error is already recorded).
    func errorType(at span: Span) -> TypeRef { TypeRef(.tuple([]), span) }

    /// A type, with any number of `?` suffixes. One level of nesting.
    func parseType() -> TypeRef {
        let start = current.span.start
        guard enterNesting() else { return errorType(at: span(from: start)) }
        defer { leaveNesting() }
        var type = parseTypeWithoutSuffix()
        while at(.question) {
            advance()
            type = TypeRef(.optional(type), span(from: start))
        }
        return type
    }

    private func parseTypeWithoutSuffix() -> TypeRef {
        let start = current.span.start
        switch kind {
        case .amp:
            advance()
            let mutable = eat(.mut)
            return TypeRef(.reference(parseType(), mutable: mutable), span(from: start))
        case .ampAmp:
            // `&&T` is a reference to a reference.
            advance()
            let mutable = eat(.mut)
            let inner = parseType()
            let innerSpan = Span(file: file, start: start + 1, end: previousEnd)
            return TypeRef(.reference(TypeRef(.reference(inner, mutable: mutable), innerSpan), mutable: false),
                           span(from: start))
        case .leftBracket:
            advance()
            if eat(.rightBracket) {
                return TypeRef(.slice(parseType()), span(from: start))
            }
            let element = parseType()
            if eat(.semicolon) {
                let size = withStructLiterals(true) { parseExpression() }
                expect(.rightBracket, "to close the array type")
                return TypeRef(.array(element, size: size), span(from: start))
            }
            // `[T]` is accepted as the slice type `[]T`.
            expect(.rightBracket, "to close the slice type")
            return TypeRef(.slice(element), span(from: start))
        case .leftParen:
            advance()
            if eat(.rightParen) { return TypeRef(.tuple([]), span(from: start)) }
            let first = parseType()
            if eat(.rightParen) { return first }
            var elements = [first]
            while eat(.comma) && !at(.rightParen) && !atEnd {
                elements.append(parseType())
            }
            expect(.rightParen, "to close the tuple type")
            return TypeRef(.tuple(elements), span(from: start))
        case .keyword(.fn):
            advance()
            expect(.leftParen, "after `fn` in a function type")
            let params = parseCommaSeparated(until: .rightParen) { parseType() }
            expect(.rightParen, "to close the parameter types")
            let result = eat(.arrow) ? parseType() : nil
            return TypeRef(.function(params: params, result: result), span(from: start))
        case .keyword(.chan):
            advance()
            return TypeRef(.channel(parseType()), span(from: start))
        case .identifier, .keyword(.selfType), .keyword(.selfValue):
            return TypeRef(.named(parseTypePath()), span(from: start))
        default:
            errorAtCurrent("expected a type, found \(describeCurrent())")
            return errorType(at: Span(file: file, start: start, end: start))
        }
    }

    /// `Name`, `Box[int]`, `std::collections::Vec[T]`. In a type a `[` after a name always
    /// opens generic arguments.
    func parseTypePath() -> Path {
        let start = current.span.start
        var segments: [Path.Segment] = []
        while true {
            var segment = Path.Segment(name: parsePathSegmentName())
            if at(.leftBracket) { segment.genericArgs = parseGenericArguments() }
            segments.append(segment)
            guard at(.colonColon) && startsPathSegment(peek(1)) else { break }
            advance()
        }
        return Path(segments: segments, span: span(from: start))
    }
}
