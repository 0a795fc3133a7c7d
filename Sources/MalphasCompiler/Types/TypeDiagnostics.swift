import MalphasSyntax

// The checker's diagnostics (LANGUAGE 9-10): `error: mismatched types`, the offending
// expression labelled `expected X, found Y`, a note at what set the expectation, and a
// help line where the fix is known.

/// What an expression is checked against, and why (for the note of a mismatch).
struct Expectation {
    var type: StaticType
    /// The error's message when the expression does not fit.
    var message = "mismatched types"
    /// Where the expectation comes from: an annotation, a parameter, an earlier arm.
    var note: (message: String, span: Span)?

    init(_ type: StaticType, message: String = "mismatched types", note: (message: String, span: Span)? = nil) {
        self.type = type
        self.message = message
        self.note = note
    }
}

extension TypeChecker {
    func error(_ message: String, at span: Span, label: String? = nil, help: String? = nil,
               notes: [(message: String, span: Span?)] = []) {
        var d = Diagnostic(.error, message, at: span, help: help, notes: notes)
        d.label = label
        diagnostics.append(d)
    }

    func warning(_ message: String, at span: Span, label: String? = nil, help: String? = nil) {
        var d = Diagnostic(.warning, message, at: span, help: help)
        d.label = label
        warnings.append(d)
    }

    /// Reports that `found` does not fit `expected` at `span`.
    func mismatch(_ expected: Expectation, found: StaticType, at span: Span) {
        let want = unifier.resolved(expected.type), got = unifier.resolved(found)
        var notes: [(message: String, span: Span?)] = []
        if let note = expected.note { notes.append((note.message, note.span)) }
        else if let origin = unifier.origin(of: expected.type), origin != span {
            notes.append(("expected because of this earlier use", origin))
        }
        error(expected.message, at: span, label: "expected \(want), found \(got)",
              help: conversionHelp(from: got, to: want), notes: notes)
    }

    /// The `as` conversion that turns `from` into `to`, when there is one.
    func conversionHelp(from: StaticType, to: StaticType) -> String? {
        switch (from, to) {
        case (.int, .float): return "convert the int with `as float`"
        case (.float, .int): return "convert the float with `as int` (it truncates toward zero)"
        case (.int, .string), (.float, .string), (.bool, .string): return "convert it with `as string` or `to_string(...)`"
        default: return nil
        }
    }
}
