// Token-level mutations of Malphas programs: programs that are almost right, which is what
// reaches deep into the resolver, the compiler and the VM (random bytes mostly stop at
// the lexer). The source is split with the real lexer into tokens and the text between
// them, a few tokens are changed, and the pieces are joined again.

import MalphasSyntax

public struct ProgramMutator {
    /// One token: its text as written and its kind.
    struct Piece {
        var text: String
        var kind: TokenKind
        /// The whitespace and comments before the token.
        var before: String
    }

    private var pieces: [Piece] = []
    private var trailing = ""
    private let identifiers: [String]

    public init(source: String) {
        let bytes = Array(source.utf8)
        let (tokens, _) = Lexer.tokenize(file: SourceFileID(raw: 0), bytes: bytes)
        var last = 0
        var names: Set<String> = []
        for t in tokens where t.kind != .eof {
            let start = min(max(t.span.start, last), bytes.count), end = min(max(t.span.end, start), bytes.count)
            pieces.append(Piece(text: String(decoding: bytes[start..<end], as: UTF8.self), kind: t.kind,
                                before: String(decoding: bytes[last..<start], as: UTF8.self)))
            if case .identifier(let name) = t.kind { names.insert(name) }
            last = end
        }
        trailing = String(decoding: bytes[min(last, bytes.count)...], as: UTF8.self)
        identifiers = names.sorted()
    }

    /// Literals that sit on the edges of what the interpreter accepts.
    public static let edgeLiterals = [
        "0", "-1", "1", "2", "63", "64", "255", "65536", "1000000", "268435457", "2147483647",
        "4294967296", "9223372036854775807", "-9223372036854775808", "0x7fffffffffffffff", "0b1", "0o777",
        "0.0", "-0.0", "0.5", "1e308", "-1e308", "2.5e-320", "3.14",
        "\"\"", "\"x\"", "\"\\u{1F600}\"", "\"\\0\"", "\"a\\nb\"", "true", "false", "nil", "()", "[]",
    ]
    /// Literals the compiler must refuse.
    static let invalidLiterals = ["9223372036854775808", "18446744073709551615", "99999999999999999999", "1e309"]

    static let operators = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "&",
                            "|", "^", "<<", ">>", "=", "+=", "-=", "*=", "/=", "%=", "->", "=>", "<-", ".",
                            "..", "..=", "::", ":", ",", ";", "?"]
    static let brackets = ["(", ")", "{", "}", "[", "]"]
    static let flippable = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "&", "|", "^", "<<", ">>"]
    static let keywords = Lexer.keywords

    /// The program with `count` random mutations applied.
    public func mutated(_ random: inout FuzzRandom, count: Int) -> String {
        var p = pieces
        for _ in 0..<count where !p.isEmpty {
            let i = random.below(p.count)
            // Mostly changes that keep the program parsing, so that it reaches the compiler
            // and the VM: literals, names and operators; now and then a structural cut.
            switch random.below(20) {
            case 0, 1:
                p.remove(at: i)
            case 2:
                var copy = p[i]
                copy.before = " "
                p.insert(copy, at: i + 1)
            case 3:
                let j = random.chance(50) ? min(i + 1, p.count - 1) : random.below(p.count)
                (p[i].text, p[j].text) = (p[j].text, p[i].text)
                (p[i].kind, p[j].kind) = (p[j].kind, p[i].kind)
            case 4, 5, 6, 7:
                // A name becomes another name of the program, or a keyword.
                guard let j = nearest(p, from: i, where: { if case .identifier = $0 { return true } else { return false } }) else { continue }
                p[j].text = random.chance(85) && !identifiers.isEmpty ? random.pick(identifiers) : random.pick(Self.keywords)
            case 8, 9, 10, 11, 12, 13:
                guard let j = nearest(p, from: i, where: Self.isLiteral) else { continue }
                p[j].text = random.chance(5) ? random.pick(Self.invalidLiterals) : random.pick(Self.edgeLiterals)
            case 14, 15, 16:
                // An operator becomes another of its kind (arithmetic, comparison, logic).
                guard let j = nearest(p, from: i, where: { Self.flippable.contains($0.spelling) }) else { continue }
                p[j].text = random.pick(Self.flippable)
            case 17:
                guard let j = nearest(p, from: i, where: { Self.operators.contains($0.spelling) }) else { continue }
                p[j].text = random.pick(Self.operators)
            case 18 where random.chance(50):
                // `x.m()` becomes `x.m` and `x.f` becomes `x.f()`: fields and methods of
                // one name meet at one member site.
                guard let dot = nearest(p, from: i, where: { $0 == .dot }), dot + 1 < p.count,
                      case .identifier = p[dot + 1].kind else { continue }
                if dot + 3 < p.count, p[dot + 2].kind == .leftParen, p[dot + 3].kind == .rightParen {
                    p.removeSubrange(dot + 2...dot + 3)
                } else {
                    p.insert(contentsOf: [Piece(text: "(", kind: .leftParen, before: ""),
                                          Piece(text: ")", kind: .rightParen, before: "")], at: dot + 2)
                }
            case 18:
                p.insert(Piece(text: random.pick(Self.operators + Self.brackets + Self.keywords + Self.edgeLiterals),
                               kind: .eof, before: " "), at: i)
            default:
                // Cut a run of tokens out (an unbalanced bracket, a half statement).
                let n = 1 + random.below(6)
                p.removeSubrange(i..<min(i + n, p.count))
            }
        }
        return join(p)
    }

    /// The program cut after its first `tokens` tokens; with `closing`, followed by the
    /// brackets still open, so that more of the cut programs compile and run.
    public func truncated(atToken tokens: Int, closing: Bool = false) -> String {
        let kept = Array(pieces.prefix(tokens))
        var closers: [String] = []
        if closing {
            for piece in kept {
                switch piece.kind {
                case .leftParen: closers.append(")")
                case .leftBracket: closers.append("]")
                case .leftBrace: closers.append("}")
                case .rightParen, .rightBracket, .rightBrace: if !closers.isEmpty { closers.removeLast() }
                default: break
                }
            }
        }
        return join(kept, trailing: closers.isEmpty ? "" : " " + closers.reversed().joined(separator: " ") + "\n")
    }

    public var tokenCount: Int { pieces.count }

    private func join(_ p: [Piece], trailing: String? = nil) -> String {
        var text = ""
        for piece in p { text += piece.before; text += piece.text }
        return text + (trailing ?? self.trailing)
    }

    private func nearest(_ p: [Piece], from i: Int, where matches: (TokenKind) -> Bool) -> Int? {
        var offset = 0
        while i - offset >= 0 || i + offset < p.count {
            if i + offset < p.count, matches(p[i + offset].kind) { return i + offset }
            if i - offset >= 0, matches(p[i - offset].kind) { return i - offset }
            offset += 1
        }
        return nil
    }

    static func isLiteral(_ kind: TokenKind) -> Bool {
        switch kind {
        case .int, .float, .string, .keyword(.true), .keyword(.false), .keyword(.nil): return true
        default: return false
        }
    }
}
