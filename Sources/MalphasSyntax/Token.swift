/// The tokens of Malphas (LANGUAGE.md section 1), as the lexer produces them and the
/// parser consumes them. Literal tokens carry their decoded value, so the parser never
/// looks at source text again except to quote it in a diagnostic.

/// A reserved word. `null` lexes as `nil` and `legion` as `spawn`: the synonyms are
/// resolved here, once, so nothing downstream has to know them.
public enum Keyword: String, CaseIterable, Sendable {
    case `let`, `mut`, `const`, `fn`, `struct`, `enum`, `trait`, `impl`, `type`, `mod`, `use`, `pub`, `as`
    case `if`, `else`, `match`, `while`, `for`, `in`, `loop`, `break`, `continue`, `return`
    case `true`, `false`, `nil`
    case `spawn`, `chan`, `select`, `case`, `default`, `where`, `unsafe`
    /// `self`, the receiver.
    case selfValue = "self"
    /// `Self`, the type being implemented.
    case selfType = "Self"
}

/// What a token is. Every operator and punctuation mark of LANGUAGE.md section 1 has its
/// own case so the parser can switch on it.
public enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case keyword(Keyword)
    /// An integer literal's magnitude. Literals up to 2^64-1 lex; whether one fits in `int`
    /// is the parser's decision, because only it knows whether a `-` is in front.
    case int(UInt64)
    case float(Double)
    /// A string literal with its escapes decoded.
    case string(String)

    case plus, minus, star, slash, percent
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case ampAmp, pipePipe, bang, amp, pipe, caret, shiftLeft, shiftRight
    case equal, plusEqual, minusEqual, starEqual, slashEqual, percentEqual
    /// `->`
    case arrow
    /// `=>`
    case fatArrow
    /// `<-`: send (binary) and receive (prefix).
    case leftArrow
    case dot, dotDot, dotDotEqual, colonColon, colon, comma, semicolon, question
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
    /// End of input. The lexer returns it forever once the bytes run out.
    case eof

    /// How the token is spelled, for messages: "expected `;`, found `}`".
    public var spelling: String {
        switch self {
        case .identifier(let name): return name
        case .keyword(let k): return k.rawValue
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .string(let s): return "\"\(s)\""
        case .plus: return "+"
        case .minus: return "-"
        case .star: return "*"
        case .slash: return "/"
        case .percent: return "%"
        case .equalEqual: return "=="
        case .bangEqual: return "!="
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .ampAmp: return "&&"
        case .pipePipe: return "||"
        case .bang: return "!"
        case .amp: return "&"
        case .pipe: return "|"
        case .caret: return "^"
        case .shiftLeft: return "<<"
        case .shiftRight: return ">>"
        case .equal: return "="
        case .plusEqual: return "+="
        case .minusEqual: return "-="
        case .starEqual: return "*="
        case .slashEqual: return "/="
        case .percentEqual: return "%="
        case .arrow: return "->"
        case .fatArrow: return "=>"
        case .leftArrow: return "<-"
        case .dot: return "."
        case .dotDot: return ".."
        case .dotDotEqual: return "..="
        case .colonColon: return "::"
        case .colon: return ":"
        case .comma: return ","
        case .semicolon: return ";"
        case .question: return "?"
        case .leftParen: return "("
        case .rightParen: return ")"
        case .leftBrace: return "{"
        case .rightBrace: return "}"
        case .leftBracket: return "["
        case .rightBracket: return "]"
        case .eof: return "end of file"
        }
    }
}

/// One token and the bytes it came from.
public struct Token: Sendable {
    public var kind: TokenKind
    public var span: Span
    public init(kind: TokenKind, span: Span) { self.kind = kind; self.span = span }
}

/// A comment as written (`// ...`, `/// ...` or `/* ... */`), kept by the lexer only when
/// asked (`Lexer.keepsComments`): the formatter prints comments back where they were, and
/// the language server reads `///` doc comments.
public struct Comment: Sendable {
    /// The comment's text including its `//`, `///` or `/* */` markers.
    public var text: String
    public var span: Span
    /// `/* ... */` rather than a line comment.
    public var isBlock: Bool
    public init(text: String, span: Span, isBlock: Bool) { self.text = text; self.span = span; self.isBlock = isBlock }

    /// A `///` doc comment (but not a `////` rule).
    public var isDocComment: Bool { text.hasPrefix("///") && !text.hasPrefix("////") }
}

/// The kind of a token without its payload: one byte. The parser switches on these, not
/// on `TokenKind`, because matching a payload-carrying enum copies it into a temporary at
/// every test, and in a debug build every such temporary costs stack in the recursive
/// parsing functions.
enum TokenTag: UInt8, Sendable {
    case identifier, int, float, string, eof
    case plus, minus, star, slash, percent
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case ampAmp, pipePipe, bang, amp, pipe, caret, shiftLeft, shiftRight
    case equal, plusEqual, minusEqual, starEqual, slashEqual, percentEqual
    case arrow, fatArrow, leftArrow
    case dot, dotDot, dotDotEqual, colonColon, colon, comma, semicolon, question
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
    // Keywords, in the order of `Keyword`.
    case `let`, `mut`, `const`, `fn`, `struct`, `enum`, `trait`, `impl`, `type`, `mod`, `use`, `pub`, `as`
    case `if`, `else`, `match`, `while`, `for`, `in`, `loop`, `break`, `continue`, `return`
    case `true`, `false`, `nil`
    case `spawn`, `chan`, `select`, `case`, `default`, `where`, `unsafe`
    case selfValue, selfType

    init(_ kind: TokenKind) {
        switch kind {
        case .identifier: self = .identifier
        case .int: self = .int
        case .float: self = .float
        case .string: self = .string
        case .eof: self = .eof
        case .keyword(let k): self = TokenTag.keywordTags[k]!
        case .plus: self = .plus
        case .minus: self = .minus
        case .star: self = .star
        case .slash: self = .slash
        case .percent: self = .percent
        case .equalEqual: self = .equalEqual
        case .bangEqual: self = .bangEqual
        case .less: self = .less
        case .lessEqual: self = .lessEqual
        case .greater: self = .greater
        case .greaterEqual: self = .greaterEqual
        case .ampAmp: self = .ampAmp
        case .pipePipe: self = .pipePipe
        case .bang: self = .bang
        case .amp: self = .amp
        case .pipe: self = .pipe
        case .caret: self = .caret
        case .shiftLeft: self = .shiftLeft
        case .shiftRight: self = .shiftRight
        case .equal: self = .equal
        case .plusEqual: self = .plusEqual
        case .minusEqual: self = .minusEqual
        case .starEqual: self = .starEqual
        case .slashEqual: self = .slashEqual
        case .percentEqual: self = .percentEqual
        case .arrow: self = .arrow
        case .fatArrow: self = .fatArrow
        case .leftArrow: self = .leftArrow
        case .dot: self = .dot
        case .dotDot: self = .dotDot
        case .dotDotEqual: self = .dotDotEqual
        case .colonColon: self = .colonColon
        case .colon: self = .colon
        case .comma: self = .comma
        case .semicolon: self = .semicolon
        case .question: self = .question
        case .leftParen: self = .leftParen
        case .rightParen: self = .rightParen
        case .leftBrace: self = .leftBrace
        case .rightBrace: self = .rightBrace
        case .leftBracket: self = .leftBracket
        case .rightBracket: self = .rightBracket
        }
    }

    private static let keywordTags: [Keyword: TokenTag] = {
        var table = [Keyword: TokenTag]()
        for (i, k) in Keyword.allCases.enumerated() {
            table[k] = TokenTag(rawValue: TokenTag.let.rawValue + UInt8(i))!
        }
        return table
    }()

    /// How a token of this kind is spelled, for "expected `;`" messages.
    var spelling: String {
        switch self {
        case .identifier: return "identifier"
        case .int: return "integer"
        case .float: return "float"
        case .string: return "string"
        case .eof: return "end of file"
        default:
            if rawValue >= TokenTag.let.rawValue {
                return Keyword.allCases[Int(rawValue - TokenTag.let.rawValue)].rawValue
            }
            return TokenTag.punctuation[self]!.spelling
        }
    }

    private static let punctuation: [TokenTag: TokenKind] = {
        let all: [TokenKind] = [
            .plus, .minus, .star, .slash, .percent, .equalEqual, .bangEqual, .less, .lessEqual, .greater,
            .greaterEqual, .ampAmp, .pipePipe, .bang, .amp, .pipe, .caret, .shiftLeft, .shiftRight, .equal,
            .plusEqual, .minusEqual, .starEqual, .slashEqual, .percentEqual, .arrow, .fatArrow, .leftArrow,
            .dot, .dotDot, .dotDotEqual, .colonColon, .colon, .comma, .semicolon, .question, .leftParen,
            .rightParen, .leftBrace, .rightBrace, .leftBracket, .rightBracket,
        ]
        var table = [TokenTag: TokenKind]()
        for kind in all { table[TokenTag(kind)] = kind }
        return table
    }()
}
