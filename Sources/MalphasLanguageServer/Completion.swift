import MalphasCompiler
import MalphasSyntax
import MalphasVM

/// Completion: after `.` the fields and methods (of the receiver's type when it is known,
/// else of every type; and the builtin methods), after `::` the items of the module, enum or type named before
/// it, elsewhere the locals in scope, the top-level items, the builtins and the keywords.
extension DocumentAnalysis {
    /// LSP completion items for the cursor at `offset`.
    func completions(at offset: Int) -> [[String: Any]] {
        // The token before the name being typed (or before the cursor) says the context.
        var i = tokens.lastIndex(where: { $0.span.end <= offset && $0.kind != .eof }) ?? -1
        var prefix = ""
        if i >= 0, tokens[i].span.end == offset, case .identifier(let name) = tokens[i].kind {
            prefix = name
            i -= 1
        }
        let context = i >= 0 ? tokens[i].kind : nil
        var items: [[String: Any]] = []
        var seen = Set<String>()
        func offer(_ label: String, kind: Int, detail: String? = nil, documentation: String = "") {
            guard label.hasPrefix(prefix), seen.insert(label).inserted else { return }
            var item: [String: Any] = ["label": label, "kind": kind]
            if let detail { item["detail"] = detail }
            if !documentation.isEmpty { item["documentation"] = ["kind": "markdown", "value": documentation] }
            items.append(item)
        }
        func offer(_ d: Declaration) { offer(d.name, kind: completionKind(d.kind), detail: d.signature, documentation: d.documentation) }

        switch context {
        case .dot:
            for d in members(named: nil, receiverBefore: i) { offer(d) }
            for m in BuiltinMethod.allCases { offer(m.rawValue, kind: 2, detail: "builtin method") }
        case .colonColon:
            let qualifier: String? = i >= 1 ? { if case .identifier(let n) = tokens[i - 1].kind { return n } else { return nil } }() : nil
            if qualifier == "std" {
                for name in StandardLibrary.current.moduleNames.sorted() { offer(name, kind: 9, detail: "std::\(name)") }
            } else if let qualifier {
                for d in index.items(of: qualifier) { offer(d) }
            }
        default:
            for local in locals(at: offset).reversed() {
                offer(local.name, kind: 6, detail: local.annotation.map { index.text($0.span) } ?? local.origin)
            }
            for d in index.topLevel() { offer(d) }
            for f in BuiltinFunction.allCases where !f.isLibraryOnly { offer(f.rawValue, kind: 3, detail: "builtin function") }
            for k in Lexer.keywords { offer(k, kind: 14) }
        }
        return items
    }

    private func completionKind(_ kind: Declaration.Kind) -> Int {
        switch kind {
        case .function: return 3
        case .method: return 2
        case .structType: return 22
        case .enumType: return 13
        case .variant: return 20
        case .trait: return 8
        case .constant: return 21
        case .typeAlias: return 7
        case .module: return 9
        case .field: return 5
        }
    }
}
