import MalphasSyntax

/// A named declaration somewhere in a program, its modules or the standard library: what
/// go-to-definition jumps to, hover describes and completion offers.
struct Declaration {
    enum Kind { case function, method, structType, enumType, variant, trait, constant, typeAlias, module, field }

    var name: String
    var kind: Kind
    /// The span of the declaring name.
    var nameSpan: Span
    /// The whole declaration (for the outline's range).
    var span: Span
    /// The type, enum or module it belongs to: `Point` for a method or field, `Shape` for
    /// a variant, `geometry` for an item of that module; nil at a file's top level.
    var container: String?
    /// How it is declared, as written: `fn area(&self) -> float`, `x: int`.
    var signature: String
    /// Its `///` doc comment, without the markers.
    var documentation: String
}

/// Every declaration of a set of parsed files, found by walking their items.
struct SymbolIndex {
    private(set) var declarations: [Declaration] = []
    let sources: SourceMap
    /// `///` comments of each file, read once per file.
    private var commentsByFile: [SourceFileID: [Comment]] = [:]

    init(sources: SourceMap) { self.sources = sources }

    /// Adds the items of a unit (modules' items included), inside module `container`.
    mutating func add(_ items: [Item], container: String?) {
        for item in items { add(item, container: container) }
    }

    private mutating func add(_ item: Item, container: String?) {
        switch item.kind {
        case .function(let f):
            record(f.name, .function, span: item.span, container: container, signature: signature(f), docsBefore: item.span.start)
        case .structDecl(let s):
            record(s.name, .structType, span: item.span, container: container,
                   signature: "struct \(s.name.name)" + generics(s.generics), docsBefore: item.span.start)
            for field in s.fields {
                let span = field.name.span.to(field.type.span)
                record(field.name, .field, span: span, container: s.name.name,
                       signature: "\(field.name.name): \(text(field.type.span))", docsBefore: field.name.span.start)
            }
        case .enumDecl(let e):
            record(e.name, .enumType, span: item.span, container: container,
                   signature: "enum \(e.name.name)" + generics(e.generics), docsBefore: item.span.start)
            for v in e.variants {
                record(v.name, .variant, span: v.span, container: e.name.name, signature: "\(e.name.name)::\(text(v.span))",
                       docsBefore: v.span.start)
            }
        case .implDecl(let i):
            let owner = typeName(i.target)
            for m in i.methods {
                record(m.name, .method, span: m.span, container: owner, signature: signature(m), docsBefore: m.span.start)
            }
            for c in i.constants {
                record(c.name, .constant, span: c.name.span.to(c.value.span), container: owner,
                       signature: "const " + text(c.name.span.to(c.value.span)), docsBefore: c.name.span.start)
            }
        case .traitDecl(let t):
            record(t.name, .trait, span: item.span, container: container,
                   signature: "trait \(t.name.name)" + generics(t.generics), docsBefore: item.span.start)
            for m in t.methods {
                record(m.name, .method, span: m.span, container: t.name.name, signature: signature(m), docsBefore: m.span.start)
            }
        case .constDecl(let c):
            record(c.name, .constant, span: item.span, container: container,
                   signature: "const " + text(c.name.span.to(c.value.span)), docsBefore: item.span.start)
        case .typeAlias(let t):
            record(t.name, .typeAlias, span: item.span, container: container,
                   signature: "type \(t.name.name)" + generics(t.generics) + " = " + text(t.type.span), docsBefore: item.span.start)
        case .module(let m):
            record(m.name, .module, span: item.span, container: container, signature: "mod \(m.name.name)",
                   docsBefore: item.span.start)
            if let items = m.items { add(items, container: m.name.name) }
        case .use:
            break
        }
    }

    private mutating func record(_ name: Ident, _ kind: Declaration.Kind, span: Span, container: String?,
                                 signature: String, docsBefore offset: Int) {
        guard name.span != .synthetic, !name.name.isEmpty else { return }
        declarations.append(Declaration(name: name.name, kind: kind, nameSpan: name.span, span: span, container: container,
                                        signature: signature, documentation: documentation(in: name.span.file, before: offset)))
    }

    // MARK: - Text of declarations

    func text(_ span: Span) -> String {
        guard let file = sources.file(span.file) else { return "" }
        let start = max(0, min(span.start, file.bytes.count)), end = max(start, min(span.end, file.bytes.count))
        return String(decoding: file.bytes[start..<end], as: UTF8.self)
    }

    /// A function's header as written, whitespace collapsed: `fn area(&self) -> float`.
    private func signature(_ f: FunctionDecl) -> String {
        let end = f.body?.span.start ?? f.span.end
        let header = text(Span(file: f.span.file, start: f.span.start, end: end))
        let words = header.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
        var joined = words.joined(separator: " ")
        if joined.hasSuffix(";") { joined.removeLast() }
        return joined.replacingOccurrences(of: "( ", with: "(").replacingOccurrences(of: ", )", with: ")")
            .replacingOccurrences(of: ",)", with: ")")
    }

    private func generics(_ params: [GenericParam]) -> String {
        params.isEmpty ? "" : "[" + params.map(\.name.name).joined(separator: ", ") + "]"
    }

    private func typeName(_ type: TypeRef) -> String {
        if case .named(let path) = type.kind { return path.last.name }
        return text(type.span)
    }

    /// The `///` lines just above `offset` (only blanks, `pub` and `unsafe` between).
    private mutating func documentation(in file: SourceFileID, before offset: Int) -> String {
        if commentsByFile[file] == nil {
            let bytes = sources.file(file)?.bytes ?? []
            commentsByFile[file] = Lexer.tokenizeKeepingComments(file: file, bytes: bytes).comments.filter(\.isDocComment)
        }
        let comments = commentsByFile[file] ?? []
        var lines: [String] = []
        var cursor = offset
        var i = comments.lastIndex(where: { $0.span.end <= offset }) ?? -1
        while i >= 0 {
            let between = text(Span(file: file, start: comments[i].span.end, end: cursor))
            let words = between.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            guard words.allSatisfy({ $0 == "pub" || $0 == "unsafe" }), between.filter({ $0 == "\n" }).count <= 1 else { break }
            var line = String(comments[i].text.dropFirst(3))
            if line.hasPrefix(" ") { line.removeFirst() }
            lines.insert(line, at: 0)
            cursor = comments[i].span.start
            i -= 1
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Lookup

    func named(_ name: String) -> [Declaration] { declarations.filter { $0.name == name } }

    /// Members written after `.`: fields and methods of every type (until types are known,
    /// a member is found by its name).
    func members(named name: String? = nil) -> [Declaration] {
        declarations.filter { ($0.kind == .field || $0.kind == .method) && (name == nil || $0.name == name) }
    }

    /// What `qualifier::` offers: a module's items, an enum's variants, a type's
    /// associated functions and constants.
    func items(of qualifier: String) -> [Declaration] {
        declarations.filter { $0.container == qualifier && $0.kind != .field }
    }

    /// What a bare name can reach: items at a file's top level, and enum variants.
    func topLevel() -> [Declaration] {
        declarations.filter { ($0.container == nil && $0.kind != .field && $0.kind != .method) || $0.kind == .variant }
    }
}
