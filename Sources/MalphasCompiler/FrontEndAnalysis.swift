import MalphasSyntax

/// What the front end learned about a program, kept for tools that answer questions
/// about source (the language server's hover and go-to-definition) rather than run it.
/// Pass one to `BytecodeCompiler.compile`; it is filled in as the stages run, also when
/// a later stage fails, so a program with errors still has its names resolved.
public final class FrontEndAnalysis {
    /// The resolver after it resolved every body: what each name refers to, by span.
    public internal(set) var resolver: Resolver?
    /// The type of each expression and binding by its span, as the type checker writes
    /// it (empty when the program stopped before type checking: tools then show declared
    /// types).
    public internal(set) var expressionTypes: [Span: String] = [:]

    public init() {}
}
