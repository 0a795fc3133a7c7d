import MalphasSyntax

/// Items: functions, structs, enums, impls, traits, constants, type aliases, modules, `use`.
extension SourcePrinter {
    func sourceUnit(_ unit: SourceUnit) -> Document {
        var entries: [Entry] = []
        // `package name;` is accepted and dropped by the parser: printed back from the tokens.
        if tokens.count > 3, case .identifier("package") = tokens[0].kind, case .identifier(let name) = tokens[1].kind,
           tokens[2].kind == .semicolon {
            entries.append(Entry(start: tokens[0].span.start, end: tokens[2].span.end, document: { .text("package \(name);") }))
        }
        entries += itemEntries(unit.items)
        return .sequence([lines(entries, closeOffset: bytes.count), .hardLine])
    }

    /// Items one per entry, an empty line between them; `use` and `const` runs keep the
    /// source's grouping.
    func itemEntries(_ items: [Item]) -> [Entry] {
        var entries: [Entry] = []
        for (i, item) in items.enumerated() {
            var entry = Entry(start: item.span.start, end: item.span.end, document: { [unowned self] in self.item(item) })
            if i > 0 && !(isGroupable(item) && isGroupable(items[i - 1]) && sameKind(item, items[i - 1])) {
                entry.blankLineBefore = true
            }
            entries.append(entry)
        }
        return entries
    }

    private func isGroupable(_ item: Item) -> Bool {
        switch item.kind {
        case .use, .constDecl, .typeAlias: return true
        case .module(let m): return m.items == nil
        default: return false
        }
    }

    private func sameKind(_ a: Item, _ b: Item) -> Bool {
        switch (a.kind, b.kind) {
        case (.use, .use), (.constDecl, .constDecl), (.typeAlias, .typeAlias), (.module, .module): return true
        default: return false
        }
    }

    func item(_ item: Item) -> Document {
        let pub: Document = .text(item.isPublic ? "pub " : "")
        switch item.kind {
        case .function(let f): return .sequence([pub, function(f)])
        case .structDecl(let s): return .sequence([pub, structDecl(s, item: item)])
        case .enumDecl(let e): return .sequence([pub, enumDecl(e, item: item)])
        case .implDecl(let i): return .sequence([pub, implDecl(i, item: item)])
        case .traitDecl(let t): return .sequence([pub, traitDecl(t, item: item)])
        case .constDecl(let c): return .sequence([pub, constDecl(c)])
        case .typeAlias(let t):
            return .sequence([pub, .text("type \(t.name.name)"), genericParams(t.generics), .text(" = "), type(t.type), .text(";")])
        case .module(let m):
            guard let items = m.items else { return .sequence([pub, .text("mod \(m.name.name);")]) }
            return .sequence([pub, .text("mod \(m.name.name) "), braced(itemEntries(items), closeOffset: item.span.end - 1)])
        case .use(let u):
            return .sequence([pub, .text("use "), useTree(u.tree), .text(";")])
        }
    }

    /// `pub`/`unsafe` written before a method: the parser accepts and drops them.
    private func memberModifiers(before offset: Int) -> String {
        var words: [String] = []
        var i = tokenIndex(startingAtOrAfter: offset) - 1
        while i >= 0 {
            if tokens[i].kind == .keyword(.pub) { words.insert("pub ", at: 0) }
            else if tokens[i].kind == .keyword(.unsafe) { words.insert("unsafe ", at: 0) }
            else { break }
            i -= 1
        }
        return words.joined()
    }

    func function(_ f: FunctionDecl) -> Document {
        var params: [Entry] = []
        if f.receiver != nil, let span = f.receiverSpan {
            // As written (`&self`, `self: &mut Self`), spaced canonically.
            params.append(Entry(start: span.start, end: span.end, document: { [unowned self] in
                .text(self.tokenText(from: span.start, to: span.end))
            }))
        }
        for p in f.params {
            params.append(Entry(start: p.span.start, end: p.span.end, document: { [unowned self] in self.param(p) }))
        }
        let paramsEnd = f.body?.span.start ?? f.span.end
        let closeParen = closeOffset(of: .rightParen, before: f.result?.span.start ?? paramsEnd, after: f.name.span.end)
        var parts: [Document] = [.text("fn \(f.name.name)"), genericParams(f.generics),
                                 commaList("(", params, ")", closeOffset: closeParen)]
        if let result = f.result { parts += [.text(" -> "), type(result)] }
        if let body = f.body {
            parts += [.text(" "), block(body)]
        } else {
            parts.append(.text(";"))
        }
        return .group(.sequence(parts))
    }

    /// The offset of the last `kind` token between `after` and `before` (where a list
    /// closes), or `before` when there is none.
    func closeOffset(of kind: TokenKind, before: Int, after: Int) -> Int {
        var i = tokenIndex(startingAtOrAfter: before) - 1
        while i >= 0 && tokens[i].span.start >= after {
            if tokens[i].kind == kind { return tokens[i].span.start }
            i -= 1
        }
        return before
    }

    func param(_ p: Param) -> Document {
        var parts: [Document] = [.text((p.isMutable ? "mut " : "") + p.name.name)]
        if let t = p.type { parts += [.text(": "), type(t)] }
        return .sequence(parts)
    }

    func genericParams(_ generics: [GenericParam]) -> Document {
        guard !generics.isEmpty else { return .empty }
        let parts = generics.map { g -> String in
            g.bounds.isEmpty ? g.name.name : g.name.name + ": " + g.bounds.map(pathText).joined(separator: " + ")
        }
        return .text("[" + parts.joined(separator: ", ") + "]")
    }

    private func structDecl(_ s: StructDecl, item: Item) -> Document {
        let head: Document = .sequence([.text("struct \(s.name.name)"), genericParams(s.generics)])
        if s.fields.isEmpty && text(item.span).hasSuffix(";") { return .sequence([head, .text(";")]) }
        let entries = s.fields.map { f in
            Entry(start: f.name.span.start, end: f.type.span.end, document: { [unowned self] in
                .sequence([.text((f.isPublic ? "pub " : "") + f.name.name + ": "), self.type(f.type)])
            })
        }
        return .sequence([head, .text(" "), braced(entries, separator: ",", closeOffset: item.span.end - 1)])
    }

    private func enumDecl(_ e: EnumDecl, item: Item) -> Document {
        let entries = e.variants.map { v in
            Entry(start: v.span.start, end: v.span.end, document: { [unowned self] in
                guard !v.payload.isEmpty else { return .text(v.name.name) }
                return .sequence([.text(v.name.name), .text("("), .join(v.payload.map(self.type), .text(", ")), .text(")")])
            })
        }
        return .sequence([.text("enum \(e.name.name)"), genericParams(e.generics), .text(" "),
                          braced(entries, separator: ",", closeOffset: item.span.end - 1)])
    }

    private func implDecl(_ i: ImplDecl, item: Item) -> Document {
        var head: [Document] = [.text("impl"), genericParams(i.generics), .text(" ")]
        if let trait = i.trait { head += [path(trait), .text(" for ")] }
        head.append(type(i.target))
        let members = memberEntries(methods: i.methods, constants: i.constants)
        return .sequence(head + [.text(" "), braced(members, closeOffset: item.span.end - 1)])
    }

    private func traitDecl(_ t: TraitDecl, item: Item) -> Document {
        var head: [Document] = [.text("trait \(t.name.name)"), genericParams(t.generics)]
        // Supertraits are parsed and dropped: printed back from the tokens.
        var k = tokenIndex(startingAtOrAfter: t.name.span.end)
        if tokens[k].kind == .leftBracket {
            var depth = 0
            repeat {
                if tokens[k].kind == .leftBracket { depth += 1 }
                if tokens[k].kind == .rightBracket { depth -= 1 }
                k += 1
            } while depth > 0 && tokens[k].kind != .eof
        }
        let afterName = tokens[k].span.start
        let colon = token(after: afterName)
        if colon.kind == .colon {
            var end = colon.span.end
            k = tokenIndex(startingAtOrAfter: colon.span.end)
            while k < tokens.count && tokens[k].kind != .leftBrace && tokens[k].kind != .keyword(.where) && tokens[k].kind != .eof {
                end = tokens[k].span.end
                k += 1
            }
            head.append(.text(": " + tokenText(from: colon.span.end, to: end)))
        }
        let members = memberEntries(methods: t.methods, constants: [])
        return .sequence(head + [.text(" "), braced(members, closeOffset: item.span.end - 1)])
    }

    /// The methods and constants of an impl or trait in source order, an empty line
    /// around every method with a body (a trait's required methods stay grouped as written).
    private func memberEntries(methods: [FunctionDecl], constants: [ConstDecl]) -> [Entry] {
        var members: [(start: Int, end: Int, hasBody: Bool, document: () -> Document)] = []
        for m in methods {
            let start = m.span.start
            members.append((start, m.span.end, m.body != nil, { [unowned self] in
                .sequence([.text(self.memberModifiers(before: start)), self.function(m)])
            }))
        }
        for c in constants {
            let keywordStart = token(before: c.name.span.start)?.span.start ?? c.name.span.start
            members.append((keywordStart, c.value.span.end + 1, false, { [unowned self] in
                .sequence([.text(self.memberModifiers(before: keywordStart)), self.constDecl(c)])
            }))
        }
        members.sort { $0.start < $1.start }
        var entries: [Entry] = []
        for (i, m) in members.enumerated() {
            var entry = Entry(start: m.start, end: m.end, document: m.document)
            if i > 0 && (m.hasBody || members[i - 1].hasBody) { entry.blankLineBefore = true }
            entries.append(entry)
        }
        return entries
    }

    func constDecl(_ c: ConstDecl) -> Document {
        var parts: [Document] = [.text("const \(c.name.name)")]
        if let t = c.type { parts += [.text(": "), type(t)] }
        parts += [.text(" = "), expr(c.value), .text(";")]
        return .sequence(parts)
    }

    private func useTree(_ tree: UseDecl.Tree) -> Document {
        switch tree {
        case .path(let p, let alias):
            return .text(pathText(p) + (alias.map { " as \($0.name)" } ?? ""))
        case .glob(let prefix):
            return .text(prefix.segments.isEmpty ? "*" : pathText(prefix) + "::*")
        case .group(let prefix, let trees):
            let entries = trees.map { t in Entry(start: 0, end: 0, document: { [unowned self] in self.useTree(t) }) }
            let list = commaList("{", entries, "}", closeOffset: 0)
            return prefix.segments.isEmpty ? list : .sequence([.text(pathText(prefix) + "::"), list])
        }
    }
}
