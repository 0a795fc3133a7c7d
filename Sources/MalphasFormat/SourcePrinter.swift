import MalphasSyntax

/// Prints one parsed file back out as a `Document`. This file holds what every construct
/// needs: the tokens (for what the tree does not record), the comments still to place and
/// the shapes shared by many constructs (comma lists, braced bodies). The constructs
/// themselves are printed by the extensions in the Print*.swift files.
final class SourcePrinter {
    let file: SourceFileID
    let bytes: [UInt8]
    let tokens: [Token]
    let comments: [Comment]
    /// Index of the first comment not printed yet. Printing follows the source order, so
    /// the comments before a construct are exactly those before this cursor's next one.
    var nextComment = 0

    init(file: SourceFileID, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
        let lexed = Lexer.tokenizeKeepingComments(file: file, bytes: bytes)
        tokens = lexed.tokens
        comments = lexed.comments
    }

    // MARK: - Source text and tokens

    /// The source text of a span, as written.
    func text(_ span: Span) -> String {
        let start = max(0, min(span.start, bytes.count)), end = max(start, min(span.end, bytes.count))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Index of the first token starting at or after `offset`.
    func tokenIndex(startingAtOrAfter offset: Int) -> Int {
        var lo = 0, hi = tokens.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].span.start < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The token just before `offset`, if any.
    func token(before offset: Int) -> Token? {
        let i = tokenIndex(startingAtOrAfter: offset)
        return i > 0 ? tokens[i - 1] : nil
    }

    /// The token starting at or after `offset` (`eof` at the end).
    func token(after offset: Int) -> Token {
        tokens[tokenIndex(startingAtOrAfter: offset)]
    }

    /// Whether the source has the construct at `span` directly inside parentheses of its
    /// own: `(a + b) * c`. The tree drops them, so they are read back here.
    ///
    /// A span does not always cover the construct's own parentheses: a binary expression
    /// whose left operand is parenthesized starts inside them (`a) + (b` for `(a) + (b)`).
    /// The `)` left unmatched at the front of the span, and the `(` at its end, say how
    /// far the construct really reaches.
    func isParenthesized(_ span: Span) -> Bool {
        // Anything parenthesized, or starting with a parenthesized operand, follows a `(`.
        guard span.end > span.start, token(before: span.start)?.kind == .leftParen else { return false }
        var first = tokenIndex(startingAtOrAfter: span.start)
        var last = first
        var depth = 0, lowest = 0
        while last < tokens.count && tokens[last].kind != .eof && tokens[last].span.start < span.end {
            if tokens[last].kind == .leftParen { depth += 1 }
            if tokens[last].kind == .rightParen { depth -= 1; lowest = min(lowest, depth) }
            last += 1
        }
        first += lowest
        last += depth - lowest
        guard first >= 1, last < tokens.count else { return false }
        for i in first..<tokenIndex(startingAtOrAfter: span.start) where tokens[i].kind != .leftParen { return false }
        return tokens[first - 1].kind == .leftParen && tokens[last].kind == .rightParen
    }

    /// Whether the source text at `offset` starts with the word `word`.
    func startsWithWord(_ word: String, at offset: Int) -> Bool {
        let w = Array(word.utf8)
        guard offset >= 0, offset + w.count <= bytes.count, Array(bytes[offset..<offset + w.count]) == w else { return false }
        let next = offset + w.count
        guard next < bytes.count else { return true }
        let b = bytes[next]
        return !(b == UInt8(ascii: "_") || (b >= 48 && b <= 57) || (b | 0x20 >= 97 && b | 0x20 <= 122))
    }

    /// Tokens between two offsets, printed with canonical spacing: for the few things the
    /// tree keeps no node for (supertraits, a typed receiver such as `self: &mut Self`).
    func tokenText(from start: Int, to end: Int) -> String {
        var out = ""
        var previous: TokenKind?
        var i = tokenIndex(startingAtOrAfter: start)
        while i < tokens.count && tokens[i].kind != .eof && tokens[i].span.end <= end {
            let kind = tokens[i].kind
            if let previous, needsSpace(between: previous, and: kind) { out += " " }
            out += text(tokens[i].span)
            previous = kind
            i += 1
        }
        return out
    }

    private func needsSpace(between left: TokenKind, and right: TokenKind) -> Bool {
        func isWord(_ k: TokenKind) -> Bool {
            switch k {
            case .identifier, .keyword, .int, .float, .string: return true
            default: return false
            }
        }
        if right == .plus || left == .plus || left == .colon || left == .comma { return true }
        return isWord(left) && isWord(right)
    }

    // MARK: - Comments

    /// Whether the source has an empty line just before `offset` (skipping only blanks).
    func hasBlankLine(before offset: Int) -> Bool {
        var i = min(offset, bytes.count) - 1
        var newlines = 0
        while i >= 0 {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") {
                newlines += 1
            } else if b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") && b != UInt8(ascii: "\r") {
                break
            }
            i -= 1
        }
        return newlines >= 2 && i >= 0
    }

    /// Whether a comment not printed yet starts before `offset`.
    func hasComment(before offset: Int) -> Bool {
        nextComment < comments.count && comments[nextComment].span.start < offset
    }

    /// The comments not printed yet that start before `offset`, each on its own line
    /// (empty lines between them kept). `blankLineFirst`: whether an empty line may
    /// precede the first one.
    func leadingComments(before offset: Int, blankLineFirst: Bool) -> [Document] {
        var out: [Document] = []
        while hasComment(before: offset) {
            let comment = comments[nextComment]
            nextComment += 1
            let blank = hasBlankLine(before: comment.span.start)
            if !out.isEmpty {
                out.append(blank ? .blankLine : .hardLine)
            } else if blankLineFirst && blank {
                out.append(.blankLine)
            }
            out.append(.text(comment.text))
        }
        return out
    }

    /// A comment on the same line after `offset` with only `,` or `;` before it: printed
    /// after the construct ending at `offset`, as ` // note`.
    func trailingComment(after offset: Int) -> Document? {
        guard nextComment < comments.count else { return nil }
        let comment = comments[nextComment]
        guard comment.span.start >= offset else { return nil }
        for b in bytes[min(offset, bytes.count)..<comment.span.start] {
            switch b {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: ","), UInt8(ascii: ";"): continue
            default: return nil
            }
        }
        nextComment += 1
        return .text(" " + comment.text)
    }

    // MARK: - Shared shapes

    /// One element of a sequence printed one per line: where it starts and ends in the
    /// source (for its comments and the empty line before it) and how it prints.
    struct Entry {
        var start: Int
        var end: Int
        var document: () -> Document
        /// Whether an empty line goes before it: `nil` keeps the source's choice.
        var blankLineBefore: Bool? = nil
    }

    /// Entries one per line, with their comments, ending before `closeOffset` (whose
    /// remaining comments are printed last). `separator` follows each entry (`,` in lists).
    func lines(_ entries: [Entry], separator: String = "", closeOffset: Int) -> Document {
        var out: [Document] = []
        for (i, entry) in entries.enumerated() {
            let blank = i > 0 && (entry.blankLineBefore ?? hasBlankLine(before: firstStart(of: entry)))
            let comments = leadingComments(before: entry.start, blankLineFirst: i > 0 && entry.blankLineBefore != false)
            // A comment that had an empty line before it begins with that empty line.
            if i > 0 && comments.first.map(isBlankLine) != true { out.append(blank ? .blankLine : .hardLine) }
            if !comments.isEmpty {
                out.append(contentsOf: comments)
                out.append(hasBlankLine(before: entry.start) ? .blankLine : .hardLine)
            }
            out.append(entry.document())
            out.append(.text(separator))
            if let trailing = trailingComment(after: entry.end) { out.append(trailing) }
        }
        let rest = leadingComments(before: closeOffset, blankLineFirst: !entries.isEmpty)
        if !rest.isEmpty {
            if !entries.isEmpty && !isBlankLine(rest[0]) { out.append(.hardLine) }
            out.append(contentsOf: rest)
        }
        return .sequence(out)
    }

    private func isBlankLine(_ d: Document) -> Bool {
        if case .blankLine = d { return true }
        return false
    }

    /// Where an entry's first comment or its own text starts, to look for an empty line.
    private func firstStart(of entry: Entry) -> Int {
        if hasComment(before: entry.start) { return comments[nextComment].span.start }
        return entry.start
    }

    /// `{` entries one per line `}`; `{}` when there is nothing, not even a comment.
    func braced(_ entries: [Entry], separator: String = "", closeOffset: Int) -> Document {
        if entries.isEmpty && !hasComment(before: closeOffset) { return .text("{}") }
        // A comment on the line of the `{` stays there: `fn main() { // entry`.
        var open: Document = .text("{")
        if hasComment(before: closeOffset), comments[nextComment].span.start > 0 {
            var i = comments[nextComment].span.start - 1
            while i > 0 && (bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t")) { i -= 1 }
            if bytes[i] == UInt8(ascii: "{") {
                open = .text("{ " + comments[nextComment].text)
                nextComment += 1
            }
        }
        if entries.isEmpty && !hasComment(before: closeOffset) { return .sequence([open, .hardLine, .text("}")]) }
        return .sequence([open, .indent(.sequence([.hardLine, lines(entries, separator: separator, closeOffset: closeOffset)])),
                          .hardLine, .text("}")])
    }

    /// A comma-separated list between `open` and `close`: on one line when it fits,
    /// otherwise one element per line with a trailing comma. A list with a comment inside
    /// is always broken, so every comment keeps a line of its own. `spaced` puts spaces
    /// inside the delimiters when flat (`{ x, y }`).
    ///
    /// `hugsLast`: the last element ends in a block (a closure with a block body), which
    /// then may open on the line of the list, the list unbroken: `f(a, |x| {`.
    func commaList(_ open: String, _ entries: [Entry], _ close: String, closeOffset: Int, spaced: Bool = false,
                   hugsLast: Bool = false) -> Document {
        if entries.isEmpty && !hasComment(before: closeOffset) { return .text(open + close) }
        if hasComment(before: closeOffset) {
            return .sequence([.text(open), .indent(.sequence([.hardLine, lines(entries.map { var e = $0; e.blankLineBefore = false; return e },
                                                                                 separator: ",", closeOffset: closeOffset)])),
                              .hardLine, .text(close)])
        }
        let elements = entries.map { $0.document() }
        let inner: Document = .join(elements, .sequence([.text(","), .line]))
        let edge: Document = spaced ? .line : .softLine
        let list: Document = .group(.sequence([.text(open), .indentWhenBroken(.sequence([edge, inner, .ifBroken(",", flat: "")])),
                                               edge, .text(close)]))
        guard hugsLast else { return list }
        return .choice(.sequence([.text(open), .join(elements, .text(", ")), .text(close)]), otherwise: list)
    }
}
