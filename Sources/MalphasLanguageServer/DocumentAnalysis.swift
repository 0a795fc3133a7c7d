import Foundation
import MalphasCompiler
import MalphasSyntax
import MalphasVM

/// One open document, analysed: its own parse (which recovers from errors, for the outline
/// and completion on half-typed code), the diagnostics of the whole front end (the same
/// entry `malphas check` uses), the resolver's tables and the declarations of the program's
/// modules and the standard library modules it names.
final class DocumentAnalysis {
    let uri: String
    let sources = SourceMap()
    let file: SourceFileID
    let source: SourceFile
    let parsed: ParseResult
    let tokens: [Token]
    /// Every diagnostic of parsing, module loading, resolving and (once it exists) type
    /// checking, as `malphas check` reports them.
    let diagnostics: [Diagnostic]
    let frontEnd = FrontEndAnalysis()
    private(set) var index: SymbolIndex

    init(uri: String, text: String) {
        self.uri = uri
        // The file is named by its path, so `mod name;` finds the files beside it.
        source = SourceFile(name: DocumentAnalysis.path(of: uri), text: text)
        file = sources.add(source)
        parsed = Parser.parse(file, in: sources)
        tokens = Lexer.tokenize(file: file, bytes: source.bytes).0
        // A file without `main` (a module, a library, a test file) is checked as a test
        // file is, so it is not told it lacks `main`.
        let hasMain = parsed.unit.items.contains { if case .function(let f) = $0.kind { return f.name.name == "main" } else { return false } }
        switch Interpreter.compile(file, in: sources, entryPrefix: hasMain ? nil : "test_", analysis: frontEnd) {
        case .success: diagnostics = []
        case .failure(let failure): diagnostics = failure.diagnostics
        }
        index = SymbolIndex(sources: sources)
        let modules = ModuleLoader(sources: sources, library: StandardLibrary.current).load(parsed.unit)
        index.add(modules.unit.items, container: nil)
        for module in modules.library { index.add(module.unit.items, container: module.name) }
    }

    /// The file system path a `file://` URI names (other URIs are used as they are).
    static func path(of uri: String) -> String {
        guard uri.hasPrefix("file://"), let url = URL(string: uri) else { return uri }
        return url.path
    }

    /// The URI of a file of the analysis (a module file, the document itself).
    func uri(of file: SourceFileID) -> String? {
        if file == self.file { return uri }
        guard let name = sources.file(file)?.name, name.hasPrefix("/") else { return nil }
        return URL(fileURLWithPath: name).absoluteString
    }

    /// An LSP location for a span, if its file can be opened.
    func location(of span: Span) -> [String: Any]? {
        guard let uri = uri(of: span.file), let file = sources.file(span.file) else { return nil }
        return ["uri": uri, "range": file.range(of: span)]
    }

    // MARK: - Tokens around a position

    /// Index of the token under `offset` (or ending at it: the cursor just after a name).
    func tokenIndex(at offset: Int) -> Int? {
        var lo = 0, hi = tokens.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if tokens[mid].span.end < offset { lo = mid + 1 } else { hi = mid }
        }
        guard lo < tokens.count, tokens[lo].span.start <= offset, offset <= tokens[lo].span.end, tokens[lo].kind != .eof else {
            return nil
        }
        // Between two tokens touching at `offset`, prefer the name.
        if tokens[lo].span.end == offset, lo + 1 < tokens.count, tokens[lo + 1].span.start == offset,
           case .identifier = tokens[lo + 1].kind { return lo + 1 }
        return lo
    }

    func identifier(at offset: Int) -> (name: String, index: Int)? {
        guard let i = tokenIndex(at: offset) else { return nil }
        switch tokens[i].kind {
        case .identifier(let name): return (name, i)
        case .keyword(.selfValue): return ("self", i)
        case .keyword(.selfType): return ("Self", i)
        default: return nil
        }
    }

    /// The locals visible at an offset, innermost last.
    func locals(at offset: Int) -> [LocalBinding] {
        LocalScopes(items: parsed.unit.items, offset: offset).bindings
    }
}
