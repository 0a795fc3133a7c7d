import MalphasSyntax

/// The document's outline: its items, with the fields, variants and methods inside them.
extension DocumentAnalysis {
    func documentSymbols() -> [[String: Any]] {
        parsed.unit.items.compactMap(symbol)
    }

    private func symbol(_ item: Item) -> [String: Any]? {
        switch item.kind {
        case .function(let f): return symbol(f.name, kind: 12, span: item.span, detail: nil)
        case .structDecl(let s):
            return symbol(s.name, kind: 23, span: item.span, detail: nil,
                          children: s.fields.map { symbol($0.name, kind: 8, span: $0.name.span.to($0.type.span), detail: index.text($0.type.span)) })
        case .enumDecl(let e):
            return symbol(e.name, kind: 10, span: item.span, detail: nil,
                          children: e.variants.map { symbol($0.name, kind: 22, span: $0.span, detail: nil) })
        case .implDecl(let i):
            let name = "impl " + (i.trait.map { $0.text + " for " } ?? "") + index.text(i.target.span)
            return ["name": name, "kind": 3, "range": source.range(of: item.span), "selectionRange": source.range(of: i.target.span),
                    "children": i.methods.map { symbol($0.name, kind: 6, span: $0.span, detail: nil) }]
        case .traitDecl(let t):
            return symbol(t.name, kind: 11, span: item.span, detail: nil,
                          children: t.methods.map { symbol($0.name, kind: 6, span: $0.span, detail: nil) })
        case .constDecl(let c): return symbol(c.name, kind: 14, span: item.span, detail: c.type.map { index.text($0.span) })
        case .typeAlias(let t): return symbol(t.name, kind: 26, span: item.span, detail: index.text(t.type.span))
        case .module(let m):
            return symbol(m.name, kind: 2, span: item.span, detail: nil, children: (m.items ?? []).compactMap(symbol))
        case .use: return nil
        }
    }

    private func symbol(_ name: Ident, kind: Int, span: Span, detail: String?, children: [[String: Any]] = []) -> [String: Any] {
        // The selection must lie inside the range; a recovered node may not satisfy that.
        let whole = span.to(name.span)
        var symbol: [String: Any] = ["name": name.name.isEmpty ? "?" : name.name, "kind": kind,
                                     "range": source.range(of: whole), "selectionRange": source.range(of: name.span)]
        if let detail { symbol["detail"] = detail }
        if !children.isEmpty { symbol["children"] = children }
        return symbol
    }
}
