import MalphasSyntax

/// Types, paths and patterns, which are short and never broken over lines.
extension SourcePrinter {
    func type(_ t: TypeRef) -> Document { .text(typeText(t)) }

    func typeText(_ t: TypeRef) -> String {
        switch t.kind {
        case .named(let p): return pathText(p)
        case .slice(let element): return "[]" + typeText(element)
        case .array(let element, let size): return "[" + typeText(element) + "; " + flat(expr(size)) + "]"
        case .tuple(let elements):
            if elements.count == 1 { return "(" + typeText(elements[0]) + ",)" }
            return "(" + elements.map(typeText).joined(separator: ", ") + ")"
        case .function(let params, let result):
            return "fn(" + params.map(typeText).joined(separator: ", ") + ")" + (result.map { " -> " + typeText($0) } ?? "")
        case .channel(let element): return "chan " + typeText(element)
        case .optional(let wrapped): return typeText(wrapped) + "?"
        case .reference(let target, let mutable): return (mutable ? "&mut " : "&") + typeText(target)
        }
    }

    /// `Vec[int]::new`
    func pathText(_ p: Path) -> String {
        p.segments.map { $0.name.name + typeArguments($0.genericArgs) }.joined(separator: "::")
    }

    func path(_ p: Path) -> Document { .text(pathText(p)) }

    func typeArguments(_ args: [TypeRef]) -> String {
        args.isEmpty ? "" : "[" + args.map(typeText).joined(separator: ", ") + "]"
    }

    /// A document printed on one line, for the rare expression inside a type.
    private func flat(_ d: Document) -> String {
        DocumentPrinter(width: Int.max / 2).print(.group(d))
    }

    func pattern(_ p: Pattern) -> Document { .text(patternText(p)) }

    func patternText(_ p: Pattern) -> String {
        switch p.kind {
        case .wildcard: return "_"
        case .binding(let name, let isMutable): return (isMutable ? "mut " : "") + name.name
        case .literal(let value): return text(value.span)
        case .range(let lower, let upper, let inclusive):
            return text(lower.span) + (inclusive ? "..=" : "..") + text(upper.span)
        case .tuple(let elements):
            if elements.count == 1 { return "(" + patternText(elements[0]) + ",)" }
            return "(" + elements.map(patternText).joined(separator: ", ") + ")"
        case .variant(let path, let args):
            return pathText(path) + (args.map { "(" + $0.map(patternText).joined(separator: ", ") + ")" } ?? "")
        case .structPattern(let path, let fields, let hasRest):
            var parts = fields.map { field -> String in
                if case .binding(let name, let isMutable) = field.pattern.kind, name.name == field.name.name {
                    return (isMutable ? "mut " : "") + name.name
                }
                return field.name.name + ": " + patternText(field.pattern)
            }
            if hasRest { parts.append("..") }
            return parts.isEmpty ? pathText(path) + " {}" : pathText(path) + " { " + parts.joined(separator: ", ") + " }"
        case .alternatives(let alternatives):
            return alternatives.map(patternText).joined(separator: " | ")
        }
    }
}
