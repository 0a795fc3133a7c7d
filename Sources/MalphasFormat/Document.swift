/// The layout document the formatter builds and the printer that lays it out within a
/// line width: the algebra of Wadler's "A prettier printer", as Prettier implements it.
/// A group is printed flat (its line breaks as spaces or nothing) when its content fits in
/// what is left of the line up to the first forced line break, and broken otherwise
/// (every line break of the group itself a newline at the current indentation).
///
/// Measuring only up to the first forced break (and deciding every group on its own) is
/// what lets a call whose last argument
/// is a closure with a block body stay `f(|x| {` on one line with the block below it.
indirect enum Document {
    case text(String)
    /// A space when flat, a newline when broken.
    case line
    /// Nothing when flat, a newline when broken.
    case softLine
    /// Always a newline.
    case hardLine
    /// A newline and an empty line (a blank line kept between statements).
    case blankLine
    /// The content with its line breaks one level (4 spaces) deeper.
    case indent(Document)
    /// `indent` when the enclosing group is broken, nothing when it is flat: the elements
    /// of a list, which a flat list keeps at the list's own level even where a closure's
    /// block inside it spans lines (`f(|x| {` ... `})`).
    case indentWhenBroken(Document)
    case group(Document)
    case sequence([Document])
    /// `broken` when the enclosing group is broken, `flat` otherwise (trailing commas).
    case ifBroken(String, flat: String)
    /// `preferred` flat when it fits up to its first forced line break, else `otherwise`:
    /// a call whose last argument is a closure with a block keeps `f(a, |x| {` together
    /// without the arguments' indentation.
    case choice(Document, otherwise: Document)

    static let empty = Document.sequence([])

    /// Joins documents with a separator.
    static func join(_ parts: [Document], _ separator: Document) -> Document {
        var out: [Document] = []
        for (i, part) in parts.enumerated() {
            if i > 0 { out.append(separator) }
            out.append(part)
        }
        return .sequence(out)
    }
}

/// Lays a document out within `width` columns.
struct DocumentPrinter {
    static let indentWidth = 4

    let width: Int

    private enum Mode { case flat, broken }
    private struct Command {
        var indent: Int
        var mode: Mode
        var document: Document
    }

    func print(_ document: Document) -> String {
        var out = ""
        var column = 0
        var stack = [Command(indent: 0, mode: .broken, document: document)]
        func newline(_ indent: Int) {
            // No trailing spaces: an empty line stays empty.
            while out.hasSuffix(" ") { out.removeLast() }
            out += "\n" + String(repeating: " ", count: indent)
            column = indent
        }
        while let command = stack.popLast() {
            switch command.document {
            case .text(let s):
                out += s
                column += s.count
            case .line, .softLine:
                if command.mode == .broken {
                    newline(command.indent)
                } else if case .line = command.document {
                    out += " "
                    column += 1
                }
            case .hardLine:
                newline(command.indent)
            case .blankLine:
                while out.hasSuffix(" ") { out.removeLast() }
                out += "\n"
                newline(command.indent)
            case .indent(let inner):
                stack.append(Command(indent: command.indent + DocumentPrinter.indentWidth, mode: command.mode, document: inner))
            case .indentWhenBroken(let inner):
                let extra = command.mode == .broken ? DocumentPrinter.indentWidth : 0
                stack.append(Command(indent: command.indent + extra, mode: command.mode, document: inner))
            case .group(let inner):
                let flat = Command(indent: command.indent, mode: .flat, document: inner)
                // Decided afresh even inside a flat group: a flat group was only measured up
                // to its first forced line break, and what follows that break may not fit.
                if fits(flat, rest: stack, remaining: width - column) {
                    stack.append(flat)
                } else {
                    stack.append(Command(indent: command.indent, mode: .broken, document: inner))
                }
            case .sequence(let parts):
                for part in parts.reversed() { stack.append(Command(indent: command.indent, mode: command.mode, document: part)) }
            case .ifBroken(let broken, let flat):
                let s = command.mode == .broken ? broken : flat
                out += s
                column += s.count
            case .choice(let preferred, let otherwise):
                let flat = Command(indent: command.indent, mode: .flat, document: preferred)
                stack.append(fits(flat, rest: stack, remaining: width - column)
                             ? flat : Command(indent: command.indent, mode: command.mode, document: otherwise))
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// Whether `next` printed flat, followed by `rest` as it stands, reaches a line break
    /// before using up `remaining` columns.
    private func fits(_ next: Command, rest: [Command], remaining: Int) -> Bool {
        var remaining = remaining
        var work = [next]
        var restIndex = rest.count
        while remaining >= 0 {
            guard let command = work.popLast() else {
                guard restIndex > 0 else { return true }
                restIndex -= 1
                work.append(rest[restIndex])
                continue
            }
            switch command.document {
            case .text(let s):
                remaining -= s.count
            case .line, .softLine:
                if command.mode == .broken { return true }
                if case .line = command.document { remaining -= 1 }
            case .hardLine, .blankLine:
                return true
            case .indent(let inner), .indentWhenBroken(let inner), .group(let inner), .choice(let inner, _):
                work.append(Command(indent: command.indent, mode: command.mode, document: inner))
            case .sequence(let parts):
                for part in parts.reversed() { work.append(Command(indent: command.indent, mode: command.mode, document: part)) }
            case .ifBroken(let broken, let flat):
                remaining -= (command.mode == .broken ? broken : flat).count
            }
        }
        return false
    }
}
