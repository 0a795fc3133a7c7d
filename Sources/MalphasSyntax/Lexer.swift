/// The lexer: source bytes to tokens (LANGUAGE.md section 1).
///
/// It works on the raw `[UInt8]` with an index, validating UTF-8 as it goes, so a file
/// with invalid UTF-8, a NUL byte or a stray character gets a diagnostic with a line and
/// column instead of a crash or a silent replacement character. Every error is recorded
/// and lexing carries on: a bad character is skipped, a bad escape or an oversized
/// literal still yields a token, so the parser can report its own errors in the same run.
public struct Lexer {
    public let file: SourceFileID
    private let bytes: [UInt8]
    private var position = 0
    /// Kind of the token returned last; after a `.` a number is a tuple index and never a
    /// float, so `t.0.1` is `t . 0 . 1`.
    private var previous: TokenKind = .eof

    /// Every lexical error found so far, in source order.
    public private(set) var diagnostics: [Diagnostic] = []
    /// The input ended inside a string literal (the REPL then asks for more).
    public private(set) var endedInsideString = false
    /// The input ended inside a block comment (the REPL then asks for more).
    public private(set) var endedInsideComment = false
    /// Where the unterminated string or comment the input ended in began.
    private(set) var unterminatedStart: Int?
    /// Whether `comments` is filled in. Off for compiling, which never looks at comments;
    /// the formatter and the language server turn it on.
    public var keepsComments = false
    /// Every comment, in source order, when `keepsComments` is set.
    public private(set) var comments: [Comment] = []

    /// The reserved words, for REPL completion.
    public static let keywords: [String] = Keyword.allCases.map(\.rawValue) + ["null", "legion"]

    private static let keywordTable: [String: Keyword] = {
        var table = [String: Keyword]()
        for k in Keyword.allCases { table[k.rawValue] = k }
        table["null"] = .nil
        table["legion"] = .spawn
        return table
    }()

    /// Type names accepted as literal suffixes (`10u8`, `2.5f64`); they add nothing because
    /// every integer type is `int` and every float type is `float` here.
    private static let integerSuffixes: Set<String> = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize"]
    private static let floatSuffixes: Set<String> = ["f32", "f64"]

    public init(file: SourceFileID, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    /// Lexes a whole file; the token list always ends with `eof`.
    public static func tokenize(file: SourceFileID, bytes: [UInt8]) -> ([Token], [Diagnostic]) {
        var lexer = Lexer(file: file, bytes: bytes)
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3 + 1)
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .eof { break }
        }
        return (tokens, lexer.diagnostics)
    }

    /// Lexes a whole file keeping its comments, for tools that print source back out.
    public static func tokenizeKeepingComments(file: SourceFileID, bytes: [UInt8])
        -> (tokens: [Token], comments: [Comment], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file: file, bytes: bytes)
        lexer.keepsComments = true
        var tokens: [Token] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .eof { break }
        }
        return (tokens, lexer.comments, lexer.diagnostics)
    }

    /// Lexes one file of a source map.
    public static func tokenize(_ id: SourceFileID, in sources: SourceMap) -> ([Token], [Diagnostic]) {
        tokenize(file: id, bytes: sources.file(id)?.bytes ?? [])
    }

    /// The next token; `eof` once the input is exhausted (and on every call after).
    public mutating func next() -> Token {
        while true {
            skipWhitespaceAndComments()
            guard position < bytes.count else {
                return make(.eof, from: bytes.count)
            }
            if let token = lexToken() {
                previous = token.kind
                return token
            }
        }
    }

    // MARK: - Tokens

    /// Lexes the token starting at `position`, or reports and skips a stray byte sequence
    /// and returns nil.
    private mutating func lexToken() -> Token? {
        let start = position
        let b = bytes[start]
        if isIdentifierStart(b) { return lexIdentifier() }
        if isDigit(b) { return lexNumber() }
        if b == ascii("\"") { return lexString() }
        if let kind = lexOperator() { return make(kind, from: start) }
        reportStray(at: start)
        return nil
    }

    private mutating func lexIdentifier() -> Token {
        let start = position
        while position < bytes.count && isIdentifierContinue(bytes[position]) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let keyword = Lexer.keywordTable[text] { return make(.keyword(keyword), from: start) }
        return make(.identifier(text), from: start)
    }

    /// Longest match over the operator set of LANGUAGE.md section 1. `<-` wins over `< -`
    /// as in Go, so `a<-1` is a send; write `a < -1` for the comparison.
    private mutating func lexOperator() -> TokenKind? {
        let b = bytes[position]
        let n1 = peek(1), n2 = peek(2)
        func take(_ count: Int, _ kind: TokenKind) -> TokenKind { position += count; return kind }
        switch b {
        case ascii("+"): return n1 == ascii("=") ? take(2, .plusEqual) : take(1, .plus)
        case ascii("-"):
            if n1 == ascii("=") { return take(2, .minusEqual) }
            if n1 == ascii(">") { return take(2, .arrow) }
            return take(1, .minus)
        case ascii("*"): return n1 == ascii("=") ? take(2, .starEqual) : take(1, .star)
        case ascii("/"): return n1 == ascii("=") ? take(2, .slashEqual) : take(1, .slash)
        case ascii("%"): return n1 == ascii("=") ? take(2, .percentEqual) : take(1, .percent)
        case ascii("="):
            if n1 == ascii("=") { return take(2, .equalEqual) }
            if n1 == ascii(">") { return take(2, .fatArrow) }
            return take(1, .equal)
        case ascii("!"): return n1 == ascii("=") ? take(2, .bangEqual) : take(1, .bang)
        case ascii("<"):
            if n1 == ascii("=") { return take(2, .lessEqual) }
            if n1 == ascii("<") { return take(2, .shiftLeft) }
            if n1 == ascii("-") { return take(2, .leftArrow) }
            return take(1, .less)
        case ascii(">"):
            if n1 == ascii("=") { return take(2, .greaterEqual) }
            if n1 == ascii(">") { return take(2, .shiftRight) }
            return take(1, .greater)
        case ascii("&"): return n1 == ascii("&") ? take(2, .ampAmp) : take(1, .amp)
        case ascii("|"): return n1 == ascii("|") ? take(2, .pipePipe) : take(1, .pipe)
        case ascii("^"): return take(1, .caret)
        case ascii("."):
            if n1 == ascii(".") { return n2 == ascii("=") ? take(3, .dotDotEqual) : take(2, .dotDot) }
            return take(1, .dot)
        case ascii(":"): return n1 == ascii(":") ? take(2, .colonColon) : take(1, .colon)
        case ascii(","): return take(1, .comma)
        case ascii(";"): return take(1, .semicolon)
        case ascii("?"): return take(1, .question)
        case ascii("("): return take(1, .leftParen)
        case ascii(")"): return take(1, .rightParen)
        case ascii("{"): return take(1, .leftBrace)
        case ascii("}"): return take(1, .rightBrace)
        case ascii("["): return take(1, .leftBracket)
        case ascii("]"): return take(1, .rightBracket)
        default: return nil
        }
    }

    // MARK: - Numbers

    private mutating func lexNumber() -> Token {
        let start = position
        if bytes[start] == ascii("0"), let radix = radixPrefix(peek(1)) {
            position += 2
            return lexRadixInteger(start: start, radix: radix)
        }
        var isFloat = false
        scanDigits(isDigit)
        // After `.` a number is a tuple index: `t.0.1` must not lex `0.1` as a float.
        let afterDot = previous == .dot
        if !afterDot && peek(0) == ascii(".") && isDigit(peek(1)) {
            isFloat = true
            position += 1
            scanDigits(isDigit)
        }
        if !afterDot && (peek(0) == ascii("e") || peek(0) == ascii("E")) {
            let signed = peek(1) == ascii("+") || peek(1) == ascii("-")
            if isDigit(peek(signed ? 2 : 1)) {
                isFloat = true
                position += signed ? 2 : 1
                scanDigits(isDigit)
            }
        }
        let digitsEnd = position
        let text = String(decoding: bytes[start..<digitsEnd].filter { $0 != ascii("_") }, as: UTF8.self)
        let suffix = scanSuffix()
        if isFloat || (suffix.map { Lexer.floatSuffixes.contains($0) } ?? false) {
            checkSuffix(suffix, allowed: Lexer.floatSuffixes, start: digitsEnd, kind: "float")
            let value = Double(text) ?? 0
            if !value.isFinite {
                report("float literal is out of range", start, digitsEnd,
                       help: "the largest float is about 1.8e308")
            }
            return make(.float(value), from: start)
        }
        checkSuffix(suffix, allowed: Lexer.integerSuffixes, start: digitsEnd, kind: "integer")
        var value: UInt64 = 0
        var overflow = false
        for b in bytes[start..<digitsEnd] where b != ascii("_") {
            (value, overflow) = accumulate(value, UInt64(b - ascii("0")), radix: 10, overflow: overflow)
        }
        if overflow { reportTooLarge(start, digitsEnd); value = 0 }
        return make(.int(value), from: start)
    }

    private mutating func lexRadixInteger(start: Int, radix: UInt64) -> Token {
        let digitsStart = position
        // Scan every alphanumeric so `0b102` or `0xfg` is one bad literal, not two tokens.
        scanDigits { isIdentifierContinue($0) }
        var value: UInt64 = 0
        var overflow = false
        var sawDigit = false
        for i in digitsStart..<position where bytes[i] != ascii("_") {
            guard let digit = digitValue(bytes[i]), digit < radix else {
                let char = String(UnicodeScalar(bytes[i]))
                report("invalid digit `\(char)` in \(radixName(radix)) literal", i, i + 1)
                return make(.int(0), from: start)
            }
            sawDigit = true
            (value, overflow) = accumulate(value, digit, radix: radix, overflow: overflow)
        }
        if !sawDigit {
            report("missing digits after the integer base prefix", start, position,
                   help: "write at least one digit, as in `0x1f`")
            return make(.int(0), from: start)
        }
        if overflow { reportTooLarge(start, position); value = 0 }
        return make(.int(value), from: start)
    }

    private func accumulate(_ value: UInt64, _ digit: UInt64, radix: UInt64, overflow: Bool) -> (UInt64, Bool) {
        let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
        let (sum, o2) = shifted.addingReportingOverflow(digit)
        return (sum, overflow || o1 || o2)
    }

    private mutating func reportTooLarge(_ start: Int, _ end: Int) {
        report("integer literal is too large", start, end,
               help: "the largest int is 9223372036854775807 (a 64-bit signed integer)")
    }

    private mutating func scanDigits(_ accept: (UInt8) -> Bool) {
        while position < bytes.count && (accept(bytes[position]) || bytes[position] == ascii("_")) { position += 1 }
    }

    /// An identifier glued to a number (`10u8`, `3px`).
    private mutating func scanSuffix() -> String? {
        guard position < bytes.count && isIdentifierStart(bytes[position]) else { return nil }
        let start = position
        while position < bytes.count && isIdentifierContinue(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func checkSuffix(_ suffix: String?, allowed: Set<String>, start: Int, kind: String) {
        guard let suffix, !allowed.contains(suffix) else { return }
        report("invalid suffix `\(suffix)` for \(kind) literal", start, position,
               help: "put a space or an operator between the number and `\(suffix)`")
    }

    private func radixPrefix(_ b: UInt8) -> UInt64? {
        switch b {
        case ascii("x"), ascii("X"): return 16
        case ascii("o"), ascii("O"): return 8
        case ascii("b"), ascii("B"): return 2
        default: return nil
        }
    }

    private func radixName(_ radix: UInt64) -> String {
        radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
    }

    private func digitValue(_ b: UInt8) -> UInt64? {
        switch b {
        case ascii("0")...ascii("9"): return UInt64(b - ascii("0"))
        case ascii("a")...ascii("f"): return UInt64(b - ascii("a") + 10)
        case ascii("A")...ascii("F"): return UInt64(b - ascii("A") + 10)
        default: return nil
        }
    }

    // MARK: - Strings

    private mutating func lexString() -> Token {
        let start = position
        position += 1
        var decoded: [UInt8] = []
        while true {
            guard position < bytes.count else {
                report("unterminated string literal", start, bytes.count,
                       help: "add a closing `\"`")
                endedInsideString = true
                unterminatedStart = start
                break
            }
            let b = bytes[position]
            if b == ascii("\"") { position += 1; break }
            if b == ascii("\\") { lexEscape(into: &decoded); continue }
            if b == 0 {
                report("NUL byte in source", position, position + 1, help: "write `\\0` for a NUL character")
                position += 1
                continue
            }
            if b < 0x80 { decoded.append(b); position += 1; continue }
            if let length = validUTF8Length(at: position) {
                decoded.append(contentsOf: bytes[position..<position + length])
                position += length
            } else {
                reportInvalidUTF8()
            }
        }
        return make(.string(String(decoding: decoded, as: UTF8.self)), from: start)
    }

    /// Decodes the escape at `position` (which holds the backslash).
    private mutating func lexEscape(into decoded: inout [UInt8]) {
        let start = position
        position += 1
        guard position < bytes.count else { return }  // the caller reports the open string
        let c = bytes[position]
        position += 1
        switch c {
        case ascii("n"): decoded.append(ascii("\n"))
        case ascii("t"): decoded.append(ascii("\t"))
        case ascii("r"): decoded.append(ascii("\r"))
        case ascii("\\"): decoded.append(ascii("\\"))
        case ascii("\""): decoded.append(ascii("\""))
        case ascii("'"): decoded.append(ascii("'"))
        case ascii("0"): decoded.append(0)
        case ascii("u"): lexUnicodeEscape(start: start, into: &decoded)
        case ascii("\n"):
            // A backslash at the end of a line continues the string, skipping the
            // indentation of the next line, as in Rust.
            while position < bytes.count && isWhitespace(bytes[position]) { position += 1 }
        default:
            // Cover the whole escaped character, even a multi-byte one.
            if c >= 0x80 { position = start + 1 + (validUTF8Length(at: start + 1) ?? 1) }
            let shown = String(decoding: bytes[start..<position], as: UTF8.self)
            report("unknown character escape `\(shown)`", start, position,
                   help: "the escapes are \\n \\t \\r \\\\ \\\" \\0 and \\u{...}; write `\\\\` for a backslash")
        }
    }

    /// `\u{1F600}`: one to six hex digits naming a Unicode scalar value.
    private mutating func lexUnicodeEscape(start: Int, into decoded: inout [UInt8]) {
        guard peek(0) == ascii("{") else {
            report("incorrect unicode escape", start, position,
                   help: "write a code point in braces, as in `\\u{1F600}`")
            return
        }
        position += 1
        var value: UInt32 = 0
        var digits = 0
        while position < bytes.count, let d = digitValue(bytes[position]) {
            if digits < 8 { value = value &* 16 &+ UInt32(d) }
            digits += 1
            position += 1
        }
        guard peek(0) == ascii("}") else {
            report("unterminated unicode escape", start, position,
                   help: "write a code point in braces, as in `\\u{1F600}`")
            return
        }
        position += 1
        guard digits >= 1 && digits <= 6 else {
            report("unicode escape must have 1 to 6 hex digits", start, position)
            return
        }
        guard let scalar = Unicode.Scalar(value) else {
            let hex = String(value, radix: 16, uppercase: true)
            report("invalid unicode escape: U+\(hex) is not a Unicode scalar value", start, position,
                   help: "code points are at most 10FFFF and exclude the surrogates D800-DFFF")
            return
        }
        decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    // MARK: - Trivia

    private mutating func skipWhitespaceAndComments() {
        while position < bytes.count {
            let b = bytes[position]
            if isWhitespace(b) {
                position += 1
            } else if b == ascii("/") && peek(1) == ascii("/") {
                skipLineComment()
            } else if b == ascii("/") && peek(1) == ascii("*") {
                skipBlockComment()
            } else {
                return
            }
        }
    }

    /// Comment text is not code, but it is still source: invalid UTF-8 and NUL bytes in
    /// it are reported like anywhere else.
    private mutating func skipCommentByte() {
        let b = bytes[position]
        if b == 0 {
            report("NUL byte in source", position, position + 1)
            position += 1
        } else if b < 0x80 {
            position += 1
        } else if let length = validUTF8Length(at: position) {
            position += length
        } else {
            reportInvalidUTF8()
        }
    }

    private mutating func skipLineComment() {
        let start = position
        while position < bytes.count && bytes[position] != ascii("\n") { skipCommentByte() }
        if keepsComments { keepComment(from: start, isBlock: false) }
    }

    private mutating func keepComment(from start: Int, isBlock: Bool) {
        var end = position
        // A line comment's text stops before a Windows line ending's `\r`.
        if !isBlock && end > start && bytes[end - 1] == ascii("\r") { end -= 1 }
        comments.append(Comment(text: String(decoding: bytes[start..<end], as: UTF8.self),
                                span: Span(file: file, start: start, end: end), isBlock: isBlock))
    }

    /// Block comments nest: `/* a /* b */ c */` is one comment.
    private mutating func skipBlockComment() {
        let start = position
        position += 2
        var depth = 1
        while position < bytes.count {
            if bytes[position] == ascii("/") && peek(1) == ascii("*") {
                depth += 1
                position += 2
            } else if bytes[position] == ascii("*") && peek(1) == ascii("/") {
                depth -= 1
                position += 2
                if depth == 0 {
                    if keepsComments { keepComment(from: start, isBlock: true) }
                    return
                }
            } else {
                skipCommentByte()
            }
        }
        endedInsideComment = true
        unterminatedStart = start
        report("unterminated block comment", start, start + 2,
               help: "close it with `*/` (block comments nest, so each `/*` needs its own `*/`)")
    }

    // MARK: - Stray bytes and UTF-8

    private mutating func reportStray(at start: Int) {
        let b = bytes[start]
        if b == 0 {
            report("NUL byte in source", start, start + 1)
            position += 1
        } else if b < 0x80 {
            let shown = b < 0x20 || b == 0x7F
                ? "U+" + hex4(UInt32(b)) : String(UnicodeScalar(b))
            report("unexpected character `\(shown)`", start, start + 1)
            position += 1
        } else if let length = validUTF8Length(at: start) {
            let text = String(decoding: bytes[start..<start + length], as: UTF8.self)
            let scalar = text.unicodeScalars.first.map { hex4($0.value) } ?? ""
            report("unexpected character `\(text)` (U+\(scalar))", start, start + length,
                   help: "identifiers are ASCII letters, digits and `_`; other characters may appear only in strings and comments")
            position += length
        } else {
            reportInvalidUTF8()
        }
    }

    /// Reports the run of invalid bytes at `position` as one error and skips it.
    private mutating func reportInvalidUTF8() {
        let start = position
        position += 1
        while position < bytes.count && bytes[position] >= 0x80 && validUTF8Length(at: position) == nil {
            position += 1
        }
        report("invalid UTF-8 in source", start, position, help: "Malphas source files must be UTF-8")
    }

    /// The length of the well-formed UTF-8 sequence starting at `i` (which holds a byte
    /// >= 0x80), or nil: rejects stray continuation bytes, truncated sequences, overlong
    /// encodings, surrogates and code points above U+10FFFF (RFC 3629).
    private func validUTF8Length(at i: Int) -> Int? {
        let b0 = bytes[i]
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        let b1 = bytes[i + 1]
        guard b1 >= lower && b1 <= upper else { return nil }
        for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return nil }
        return length
    }

    // MARK: - Helpers

    private func peek(_ offset: Int) -> UInt8 {
        position + offset < bytes.count ? bytes[position + offset] : 0
    }

    private func make(_ kind: TokenKind, from start: Int) -> Token {
        Token(kind: kind, span: Span(file: file, start: start, end: position))
    }

    private mutating func report(_ message: String, _ start: Int, _ end: Int, help: String? = nil) {
        diagnostics.append(.error(message, at: Span(file: file, start: start, end: end), help: help))
    }

    private func hex4(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

// MARK: - Completeness (the REPL's continuation prompt)

/// Whether a REPL input is finished or should be continued on another line.
public enum InputCompleteness: Sendable, Equatable {
    case complete
    case incomplete
}

extension Lexer {
    /// `.incomplete` when the text leaves a `(`, `[` or `{` open, or ends inside a string
    /// or a block comment; the REPL then shows its `...` prompt. Everything else is
    /// complete, including text with errors (an extra `)` can only get worse with more input).
    public static func completeness(of text: String) -> InputCompleteness {
        var lexer = Lexer(file: SourceFileID(raw: -1), bytes: Array(text.utf8))
        var depth = 0
        while true {
            let token = lexer.next()
            switch token.kind {
            case .leftParen, .leftBracket, .leftBrace: depth += 1
            case .rightParen, .rightBracket, .rightBrace:
                if depth == 0 { return .complete }
                depth -= 1
            case .eof:
                if lexer.endedInsideString || lexer.endedInsideComment { return .incomplete }
                return depth > 0 ? .incomplete : .complete
            default: break
            }
        }
    }
}

// MARK: - Byte classes

@inline(__always) func ascii(_ s: Unicode.Scalar) -> UInt8 { UInt8(truncatingIfNeeded: s.value) }
@inline(__always) func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
@inline(__always) func isIdentifierStart(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F
}
@inline(__always) func isIdentifierContinue(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }
@inline(__always) func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
