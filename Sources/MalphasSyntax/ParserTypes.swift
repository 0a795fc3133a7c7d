/// Types as written in annotations (LANGUAGE.md section 3): `int`, `[]T`, `[T; N]`,
/// `(A, B)`, `()`, `fn(A) -> R`, `chan T`, `T?`, `&T`, `&mut T`, `Box[int]`, paths.
extension DescentParser {
    /// The placeholder for a type that failed to parse (an error is already recorded).
    func errorType(at span: Span) -> TypeRef { TypeRef(.tuple([]), span) }

    /// A type, with any number of `?` suffixes. One level of nesting.
    func parseType() -> TypeRef {
        let start = currentStart
        guard enterNesting() else { return errorType(at: span(from: start)) }
        defer { leaveNesting() }
        var type = parseTypeWithoutSuffix()
        while at(.question) {
            advance()
            type = TypeRef(.optional(type), span(from: start))
        }
        return type
    }

    /// A type without `?` suffixes: a dispatcher, each form in its own function so the
    /// frames on the recursive path stay small.
    private func parseTypeWithoutSuffix() -> TypeRef {
        switch tag {
        case .amp, .ampAmp: return parseReferenceType()
        case .leftBracket: return parseSliceOrArrayType()
        case .leftParen: return parseTupleType()
        case .fn: return parseFunctionType()
        case .chan: return parseChannelType()
        case .identifier, .selfType, .selfValue: return parseNamedType()
        default: return reportMissingType()
        }
    }

    /// `&T`, `&mut T`; `&&T` is a reference to a reference.
    private func parseReferenceType() -> TypeRef {
        let start = currentStart
        let double = at(.ampAmp)
        advance()
        let mutable = eat(.mut)
        let inner = parseType()
        guard double else { return TypeRef(.reference(inner, mutable: mutable), span(from: start)) }
        let innerSpan = Span(file: file, start: start + 1, end: previousEnd)
        return TypeRef(.reference(TypeRef(.reference(inner, mutable: mutable), innerSpan), mutable: false),
                       span(from: start))
    }

    /// `[]T`, `[T; N]`, and `[T]` (accepted as the slice type `[]T`).
    private func parseSliceOrArrayType() -> TypeRef {
        let start = currentStart
        advance()
        if eat(.rightBracket) {
            let element = parseType()
            return TypeRef(.slice(element), span(from: start))
        }
        let element = parseType()
        if eat(.semicolon) {
            let size = parseExpression(structLiterals: true)
            expect(.rightBracket, "to close the array type")
            return TypeRef(.array(element, size: size), span(from: start))
        }
        expect(.rightBracket, "to close the slice type")
        return TypeRef(.slice(element), span(from: start))
    }

    /// `()`, `(T)`, `(T,)`, `(A, B)`.
    private func parseTupleType() -> TypeRef {
        let start = currentStart
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
    }

    /// `fn(A, B) -> R`
    private func parseFunctionType() -> TypeRef {
        let start = currentStart
        advance()
        var params: [TypeRef] = []
        if expect(.leftParen, "after `fn` in a function type") {
            params = parseTypeList(until: .rightParen)
            expect(.rightParen, "to close the parameter types")
        }
        let result = eat(.arrow) ? parseType() : nil
        return TypeRef(.function(params: params, result: result), span(from: start))
    }

    private func parseChannelType() -> TypeRef {
        let start = currentStart
        advance()
        let element = parseType()
        return TypeRef(.channel(element), span(from: start))
    }

    private func parseNamedType() -> TypeRef {
        let start = currentStart
        let path = parseTypePath()
        return TypeRef(.named(path), span(from: start))
    }

    private func reportMissingType() -> TypeRef {
        errorAtCurrent("expected a type, found \(describeCurrent())")
        return errorType(at: Span(file: file, start: currentStart, end: currentStart))
    }

    /// Types separated by commas (a trailing comma allowed) up to `close`, which is left
    /// for the caller.
    func parseTypeList(until close: TokenTag) -> [TypeRef] {
        var types: [TypeRef] = []
        while !at(close) && !atEnd {
            let before = index
            types.append(parseType())
            if !eat(.comma) || index == before { break }
        }
        return types
    }

    /// `Name`, `Box[int]`, `std::collections::Vec[T]`. In a type a `[` after a name always
    /// opens generic arguments.
    func parseTypePath() -> Path {
        let start = currentStart
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
