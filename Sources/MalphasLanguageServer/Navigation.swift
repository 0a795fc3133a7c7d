import MalphasCompiler
import MalphasSyntax

/// What a name in the document refers to, for go-to-definition and hover.
enum Referent {
    case local(LocalBinding)
    case declaration(Declaration)
    case builtin(String)
}

extension DocumentAnalysis {
    /// What the name at `offset` refers to: the resolver's answer where it has one (locals
    /// and functions, scoping exact), else a lookup by name on the syntax trees (types,
    /// fields, methods, module items; a member is found by its name until types are known).
    func referents(at offset: Int) -> [Referent] {
        guard let (name, i) = identifier(at: offset) else { return [] }
        let token = tokens[i]
        if let resolved = resolvedReferent(for: token) { return [resolved] }
        let previous = i > 0 ? tokens[i - 1].kind : nil
        if previous == .dot { return members(named: name, receiverBefore: i - 1).map(Referent.declaration) }
        if previous == .colonColon, i >= 2 {
            let qualifier = qualifierName(before: i - 1)
            let qualified = qualifier.map { index.items(of: $0).filter { $0.name == name } } ?? []
            if !qualified.isEmpty { return qualified.map(Referent.declaration) }
        }
        if let local = locals(at: token.span.start).last(where: { $0.name == name }) { return [.local(local)] }
        let top = index.topLevel().filter { $0.name == name }
        if !top.isEmpty { return top.map(Referent.declaration) }
        let any = index.named(name)
        if !any.isEmpty { return any.map(Referent.declaration) }
        if BuiltinFunction(rawValue: name) != nil { return [.builtin(name)] }
        return []
    }

    /// The members named `name` (all of them when nil) of the receiver before the `.` at
    /// token `dot`: those of its type when the type is known, else every type's.
    func members(named name: String?, receiverBefore dot: Int) -> [Declaration] {
        let all = index.members(named: name)
        guard let type = receiverType(beforeDot: dot) else { return all }
        let ofType = all.filter { $0.container == type }
        return ofType.isEmpty ? all : ofType
    }

    /// The type name of the receiver just before the `.` at token `dot`, when it can be
    /// told: the type checker's answer once it records types, else what the source
    /// states: `self` in an impl, a local annotated `p: Point` or bound to `Point { ... }`
    /// or `Point::new(...)`.
    func receiverType(beforeDot dot: Int) -> String? {
        guard dot >= 1 else { return nil }
        let receiver = tokens[dot - 1]
        if let checked = checkedType(at: receiver.span.start) { return typeName(inText: checked) }
        if receiver.kind == .keyword(.selfValue) { return enclosingImplType(at: receiver.span.start) }
        guard case .identifier(let name) = receiver.kind,
              let local = locals(at: receiver.span.start).last(where: { $0.name == name }) else { return nil }
        if let annotation = local.annotation, case .named(let path) = annotation.kind { return path.last.name }
        switch local.value?.kind {
        case .structLiteral(let path, _)?:
            return path.last.name
        case .call(let callee, _)?:
            if case .path(let path) = callee.kind, path.segments.count >= 2 { return path.segments[path.segments.count - 2].name.name }
            return nil
        default:
            return nil
        }
    }

    /// `Point` for `Point`, `Box[int]` or `&mut Point`.
    private func typeName(inText text: String) -> String {
        let trimmed = text.drop(while: { $0 == "&" || $0 == " " }).replacingOccurrences(of: "mut ", with: "")
        return String(trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }

    /// The type an `impl` block around `offset` is for.
    private func enclosingImplType(at offset: Int) -> String? {
        for item in parsed.unit.items where item.span.start <= offset && offset <= item.span.end {
            if case .implDecl(let i) = item.kind, case .named(let path) = i.target.kind { return path.last.name }
        }
        return nil
    }

    /// The name before a `::` at token `i` (`geometry` in `geometry::area`).
    private func qualifierName(before i: Int) -> String? {
        guard i >= 1 else { return nil }
        if case .identifier(let name) = tokens[i - 1].kind { return name }
        return nil
    }

    /// The resolver's answer for the name token, when the token ends a resolved path or
    /// declares a binding.
    private func resolvedReferent(for token: Token) -> Referent? {
        guard let resolver = frontEnd.resolver else { return nil }
        if let binding = resolver.declarations[token.span] { return .local(local(binding)) }
        var best: (span: Span, resolution: Resolution)?
        for (span, resolution) in resolver.resolutions where span.file == file && span.end == token.span.end && span.start <= token.span.start {
            if best == nil || span.start > best!.span.start { best = (span, resolution) }
        }
        guard let (_, resolution) = best else { return nil }
        switch resolution {
        case .local(let binding), .upvalue(_, let binding):
            return .local(local(binding))
        case .function(let index):
            guard let item = resolver.functionItems.first(where: { $0.index == index }) ?? resolver.global.functions.values.first(where: { $0.index == index }),
                  let declaration = self.index.declarations.first(where: { $0.nameSpan == item.decl.name.span })
                    ?? self.index.named(item.decl.name.name).first else { return nil }
            return .declaration(declaration)
        case .builtin(let builtin):
            return .builtin(builtin.rawValue)
        default:
            return nil
        }
    }

    /// The syntax tree's view of a binding the resolver found (for its annotation).
    private func local(_ binding: Binding) -> LocalBinding {
        locals(at: binding.span.start).last(where: { $0.span == binding.span })
            ?? LocalBinding(name: binding.name, span: binding.span, isMutable: binding.isMutable, annotation: nil, origin: "let")
    }

    /// Where the name at `offset` is defined, as LSP locations.
    func definition(at offset: Int) -> [[String: Any]] {
        referents(at: offset).compactMap { referent in
            switch referent {
            case .local(let binding): return location(of: binding.span)
            case .declaration(let declaration): return location(of: declaration.nameSpan)
            case .builtin: return nil
            }
        }
    }

    /// The type of the expression at `offset` as the type checker recorded it: the
    /// innermost expression covering the offset that has one. Empty until a checker
    /// fills `FrontEndAnalysis.expressionTypes`.
    func checkedType(at offset: Int) -> String? {
        var best: (span: Span, type: String)?
        for (span, type) in frontEnd.expressionTypes where span.file == file && span.start <= offset && offset <= span.end {
            if best == nil || span.end - span.start < best!.span.end - best!.span.start { best = (span, type) }
        }
        return best?.type
    }

    /// Markdown for a hover at `offset`, nil when there is nothing to say.
    func hover(at offset: Int) -> String? {
        let referents = referents(at: offset)
        let type = checkedType(at: offset)
        guard let first = referents.first else { return type.map { "```malphas\n\($0)\n```" } }
        switch first {
        case .local(let binding):
            var line = binding.origin == "let" ? "let " + (binding.isMutable ? "mut " : "") + binding.name : binding.name
            if let written = type ?? binding.annotation.map({ index.text($0.span) }) { line += ": " + written }
            return "```malphas\n\(line)\n```\n\n(\(binding.origin))"
        case .declaration:
            let parts = referents.compactMap { referent -> String? in
                guard case .declaration(let d) = referent else { return nil }
                var text = "```malphas\n\(d.signature)\n```"
                if let container = d.container { text += "\n\nin `\(container)`" }
                if let type, d.kind != .function && d.kind != .method { text += "\n\ntype: `\(type)`" }
                if !d.documentation.isEmpty { text += "\n\n" + d.documentation }
                return text
            }
            return parts.joined(separator: "\n\n---\n\n")
        case .builtin(let name):
            return "```malphas\n\(name)(...)\n```\n\nbuiltin function"
        }
    }
}
