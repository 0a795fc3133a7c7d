import MalphasSyntax

/// Blocks and statements: one statement per line, empty lines between them kept (at most
/// one), comments in place.
extension SourcePrinter {
    func block(_ b: Block) -> Document {
        var entries = b.statements.map { s in
            Entry(start: s.span.start, end: s.span.end, document: { [unowned self] in self.statement(s) })
        }
        if let tail = b.tail {
            entries.append(Entry(start: tail.span.start, end: tail.span.end, document: { [unowned self] in self.expr(tail) }))
        }
        return braced(entries, closeOffset: b.span.end - 1)
    }

    func statement(_ s: Stmt) -> Document {
        switch s.kind {
        case .letBinding(let pattern, let type, let value):
            var parts: [Document] = [.text("let "), self.pattern(pattern)]
            if let type { parts += [.text(": "), self.type(type)] }
            if let value { parts += [.text(" = "), expr(value)] }
            parts.append(.text(";"))
            return .group(.sequence(parts))
        case .expression(let e, let hasSemicolon):
            return .sequence([expr(e), .text(hasSemicolon ? ";" : "")])
        case .item(let item):
            return self.item(item)
        }
    }
}
