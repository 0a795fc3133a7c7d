import MalphasSyntax

/// Expressions. Spaces around binary operators; a chain of them that does not fit breaks
/// before its operators; calls, array, tuple and struct literals break between their
/// elements. Parentheses are printed where the author wrote them, which is everywhere
/// the tree needs them.
extension SourcePrinter {
    /// `isOwnDelimited`: the expression is the only argument of a call, whose parentheses
    /// are the call's, not the expression's.
    func expr(_ e: Expr, isOwnDelimited: Bool = false) -> Document {
        let d = bareExpr(e)
        if !isOwnDelimited && isParenthesized(e.span) { return .sequence([.text("("), d, .text(")")]) }
        return d
    }

    private func bareExpr(_ e: Expr) -> Document {
        switch e.kind {
        case .int, .float, .string, .bool, .nilLiteral:
            return .text(text(e.span))
        case .unit:
            return .text("()")
        case .path(let p):
            return .text(pathText(p))
        case .array(let elements):
            return commaList("[", elements.map(argumentEntry(count: 0)), "]", closeOffset: e.span.end - 1)
        case .arrayRepeat(let value, let count):
            return .sequence([.text("["), expr(value), .text("; "), expr(count), .text("]")])
        case .tuple(let elements):
            if elements.count == 1 { return .sequence([.text("("), expr(elements[0]), .text(",)")]) }
            return commaList("(", elements.map(argumentEntry(count: 0)), ")", closeOffset: e.span.end - 1)
        case .structLiteral(let path, let fields):
            let entries = fields.map { field in
                Entry(start: field.name.span.start, end: field.value.span.end, document: { [unowned self] in
                    if case .path(let p) = field.value.kind, p.segments.count == 1, field.value.span == field.name.span {
                        return .text(field.name.name)
                    }
                    return .sequence([.text(field.name.name + ": "), self.expr(field.value)])
                })
            }
            return .sequence([.text(pathText(path) + " "), commaList("{", entries, "}", closeOffset: e.span.end - 1, spaced: true)])
        case .unary(let op, let operand):
            let spelling = op == .mutableReference ? "&mut " : op.rawValue
            return .sequence([.text(spelling), expr(operand)])
        case .binary:
            return binaryChain(e)
        case .assign(let target, let op, let value):
            return .group(.sequence([expr(target), .text(" \(op?.rawValue ?? "")= "), expr(value)]))
        case .range(let lower, let upper, let inclusive):
            return .sequence([lower.map { expr($0) } ?? .empty, .text(inclusive ? "..=" : ".."), upper.map { expr($0) } ?? .empty])
        case .cast(let value, let type):
            return .sequence([expr(value), .text(" as "), self.type(type)])
        case .call(let callee, let args):
            let bang = token(after: callee.span.end).kind == .bang ? "!" : ""
            return .sequence([expr(callee), .text(bang), arguments(args, closeOffset: e.span.end - 1)])
        case .methodCall(let receiver, let name, let genericArgs, let args):
            return .sequence([expr(receiver), .text("." + name.name + typeArguments(genericArgs)),
                              arguments(args, closeOffset: e.span.end - 1)])
        case .field(let base, let name):
            return .sequence([expr(base), .text("." + name.name)])
        case .tupleField(let base, let index, _):
            return .sequence([expr(base), .text(".\(index)")])
        case .index(let base, let index):
            return .sequence([expr(base), .text("["), expr(index), .text("]")])
        case .closure(let params, let result, let body):
            return closure(params: params, result: result, body: body, span: e.span)
        case .block(let b):
            let isUnsafe = token(before: b.span.start)?.kind == .keyword(.unsafe) && e.span.start < b.span.start
            return .sequence([.text(isUnsafe ? "unsafe " : ""), block(b)])
        case .ifElse:
            return ifChain(e)
        case .match(let scrutinee, let arms):
            let entries = arms.map { arm in
                Entry(start: arm.span.start, end: arm.span.end, document: { [unowned self] in self.matchArm(arm) })
            }
            return .sequence([.text("match "), expr(scrutinee), .text(" "), braced(entries, closeOffset: e.span.end - 1)])
        case .whileLoop(let condition, let body):
            return .sequence([.text("while "), expr(condition), .text(" "), block(body)])
        case .loop(let body):
            return .sequence([.text("loop "), block(body)])
        case .forLoop(let pattern, let iterable, let body):
            return .sequence([.text("for "), self.pattern(pattern), .text(" in "), expr(iterable), .text(" "), block(body)])
        case .breakLoop(let value):
            return .sequence([.text("break"), value.map { .sequence([.text(" "), expr($0)]) } ?? .empty])
        case .continueLoop:
            return .text("continue")
        case .returnValue(let value):
            return .sequence([.text("return"), value.map { .sequence([.text(" "), expr($0)]) } ?? .empty])
        case .spawn(let body):
            // `legion` is a synonym the lexer folds into `spawn`; the author's word is kept.
            let keyword = startsWithWord("legion", at: e.span.start) ? "legion" : "spawn"
            return .sequence([.text(keyword + " "), expr(body)])
        case .send(let channel, let value):
            return .sequence([expr(channel), .text(" <- "), expr(value)])
        case .select(let cases):
            let entries = cases.map { c in
                Entry(start: c.span.start, end: c.span.end, document: { [unowned self] in self.selectCase(c) })
            }
            return .sequence([.text("select "), braced(entries, closeOffset: e.span.end - 1)])
        case .make(let type, let args):
            return .sequence([.text("make[" + typeText(type) + "]"), arguments(args, closeOffset: e.span.end - 1)])
        }
    }

    /// `if a { b } else if c { d } else { e }`: on one line when every branch is a lone
    /// value and it fits, otherwise each block broken over lines.
    private func ifChain(_ e: Expr) -> Document {
        var links: [(condition: Expr, then: Block)] = []
        var current = e
        var otherwise: Expr?
        while case .ifElse(let condition, let then, let rest) = current.kind {
            links.append((condition, then))
            guard let rest else { otherwise = nil; break }
            if case .ifElse = rest.kind, !isParenthesized(rest.span) {
                current = rest
            } else {
                otherwise = rest
                break
            }
        }
        var blocks = links.map(\.then)
        if let otherwise, case .block(let b) = otherwise.kind { blocks.append(b) }
        let canBeFlat = otherwise != nil && blocks.count == links.count + 1
            && blocks.allSatisfy { $0.statements.isEmpty && $0.tail != nil } && !hasComment(before: e.span.end)
        func body(_ b: Block) -> Document {
            guard canBeFlat, let tail = b.tail else { return block(b) }
            return .sequence([.text("{"), .indent(.sequence([.line, expr(tail)])), .line, .text("}")])
        }
        var parts: [Document] = []
        for (i, link) in links.enumerated() {
            parts += [.text(i == 0 ? "if " : " else if "), expr(link.condition), .text(" "), body(link.then)]
        }
        if let otherwise {
            if case .block(let b) = otherwise.kind, !isParenthesized(otherwise.span) {
                parts += [.text(" else "), body(b)]
            } else {
                parts += [.text(" else "), expr(otherwise)]
            }
        }
        return canBeFlat ? .group(.sequence(parts)) : .sequence(parts)
    }

    private func argumentEntry(count: Int) -> (Expr) -> Entry {
        { e in Entry(start: e.span.start, end: e.span.end, document: { [unowned self] in self.expr(e, isOwnDelimited: count == 1) }) }
    }

    private func arguments(_ args: [Expr], closeOffset: Int) -> Document {
        var hugsLast = false
        if let last = args.last, case .closure(_, _, let body) = last.kind, case .block = body.kind { hugsLast = true }
        return commaList("(", args.map(argumentEntry(count: args.count)), ")", closeOffset: closeOffset, hugsLast: hugsLast)
    }

    /// `a + b * c - d`: the left-leaning chain printed flat, so a long chain costs no
    /// recursion, and broken before each operator when it does not fit.
    private func binaryChain(_ e: Expr) -> Document {
        var operands: [Expr] = []
        var operators: [BinaryOp] = []
        var current = e
        while case .binary(let op, let left, let right) = current.kind, current.span == e.span || !isParenthesized(current.span) {
            operands.append(right)
            operators.append(op)
            current = left
        }
        operands.append(current)
        operands.reverse()
        operators.reverse()
        var rest: [Document] = []
        for (i, op) in operators.enumerated() {
            rest += [.line, .text(op.rawValue + " "), expr(operands[i + 1])]
        }
        return .group(.sequence([expr(operands[0]), .indentWhenBroken(.sequence(rest))]))
    }

    private func closure(params: [Param], result: TypeRef?, body: Expr, span: Span) -> Document {
        let list = params.map { param($0) }
        if startsWithWord("fn", at: span.start), case .block(let b) = body.kind {
            var parts: [Document] = [.text("fn("), .join(list, .text(", ")), .text(")")]
            if let result { parts += [.text(" -> "), type(result)] }
            return .sequence(parts + [.text(" "), closureBlock(b)])
        }
        var parts: [Document] = [.text("|"), .join(list, .text(", ")), .text("|")]
        if let result { parts += [.text(" -> "), type(result)] }
        if case .block(let b) = body.kind, !isParenthesized(body.span) { return .sequence(parts + [.text(" "), closureBlock(b)]) }
        return .sequence(parts + [.text(" "), expr(body)])
    }

    /// A closure's block: `{ x * 2 }` on one line when it is a lone value that fits.
    private func closureBlock(_ b: Block) -> Document {
        guard b.statements.isEmpty, let tail = b.tail, !hasComment(before: b.span.end) else { return block(b) }
        return .group(.sequence([.text("{"), .indent(.sequence([.line, expr(tail)])), .line, .text("}")]))
    }

    private func matchArm(_ arm: MatchArm) -> Document {
        var parts: [Document] = [pattern(arm.pattern)]
        if let guardExpr = arm.guardExpr { parts += [.text(" if "), expr(guardExpr)] }
        parts += [.text(" => "), expr(arm.body)]
        if case .block = arm.body.kind, !isParenthesized(arm.body.span) {} else { parts.append(.text(",")) }
        return .sequence(parts)
    }

    private func selectCase(_ c: SelectCase) -> Document {
        var parts: [Document]
        switch c.kind {
        case .receive(let binding, let channel):
            parts = [.text("case ")]
            if let binding { parts += [.text("let "), pattern(binding), .text(" = ")] }
            parts += [.text("<-"), expr(channel)]
        case .send(let channel, let value):
            parts = [.text("case "), expr(channel), .text(" <- "), expr(value)]
        case .defaultCase:
            parts = [.text(startsWithWord("case", at: c.span.start) ? "case default" : "default")]
        }
        parts += [.text(" => "), expr(c.body)]
        if case .block = c.body.kind, !isParenthesized(c.body.span) {} else { parts.append(.text(",")) }
        return .sequence(parts)
    }
}
