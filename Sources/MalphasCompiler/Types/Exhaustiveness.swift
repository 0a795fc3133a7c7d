import MalphasSyntax

// Exhaustiveness of `match` (LANGUAGE 10): on an enum every variant must be covered, on a
// bool both values, by arms without guards; a variant counts as covered only when the arms
// for it cover every payload (`Retry(0)` alone does not cover `Retry`). The search is the
// usual one over a matrix of pattern rows (Maranget's "usefulness"): split the first
// column by constructor, recurse on the payloads, and give back a value no row matches.
// Ints and strings have no finite set of constructors: a match on them without a
// catch-all is accepted with a warning.

/// One constructor of a type with finitely many: an enum variant, `true`/`false`, a tuple.
struct Constructor {
    enum Kind { case variant(Int), boolean(Bool), tuple }
    var kind: Kind
    var name: String
    var fields: [StaticType]

    func render(_ args: [String]) -> String {
        switch kind {
        case .variant: return args.isEmpty ? name : "\(name)(\(args.joined(separator: ", ")))"
        case .boolean: return name
        case .tuple: return "(\(args.joined(separator: ", ")))"
        }
    }
}

extension TypeChecker {
    func checkExhaustive(subject: StaticType, arms: [MatchArm], span: Span, subjectSpan: Span) {
        let t = unifier.resolved(subject)
        let rows = arms.filter { $0.guardExpr == nil }.map { [$0.pattern] }
        switch t {
        case .enumType, .bool:
            guard let ctors = constructors(of: t) else { return }
            var missing: [String] = []
            var budget = 2_000
            for c in ctors {
                let specialized = specialize(rows, by: c)
                if let w = witness(specialized, c.fields, budget: &budget) { missing.append(c.render(w)) }
            }
            guard !missing.isEmpty else { return }
            let list = missing.map { "`\($0)`" }
            let shown = list.count > 3 ? list.prefix(3).joined(separator: ", ") + " and \(list.count - 3) more" : list.joined(separator: ", ")
            let plural = missing.count > 1
            error("non-exhaustive patterns: \(shown) not covered", at: subjectSpan,
                  label: "pattern\(plural ? "s" : "") \(shown) not covered",
                  help: "ensure that all possible cases are handled by adding \(plural ? "match arms" : "a match arm"): "
                    + missing.map { "`\($0) => { ... }`" }.joined(separator: ", "))
        case .int, .string:
            var budget = 2_000
            if witness(rows, [t], budget: &budget) != nil {
                warning("match on \(t == .int ? "an int" : "a string") without a catch-all arm", at: subjectSpan,
                        label: "a value that matches no arm stops the program",
                        help: "add an arm `_ => { ... }` for the other values")
            }
        default:
            return
        }
    }

    /// The constructors of `t` when it has finitely many.
    private func constructors(of t: StaticType) -> [Constructor]? {
        let t = unifier.resolved(t)
        if let known = constructorCache[t] { return known }
        let found = findConstructors(of: t)
        constructorCache[t] = found
        return found
    }

    private func findConstructors(of t: StaticType) -> [Constructor]? {
        switch t {
        case .bool:
            return [Constructor(kind: .boolean(true), name: "true", fields: []),
                    Constructor(kind: .boolean(false), name: "false", fields: [])]
        case .enumType(let index, _, let args):
            guard let (_, e) = enumEntry(index) else { return nil }
            let first = program.enums[index].firstVariant
            return e.decl.variants.enumerated().map { tag, v in
                Constructor(kind: .variant(first + tag), name: v.name.name, fields: payloadTypes(ofVariant: first + tag, args: args))
            }
        case .tuple(let items):
            return [Constructor(kind: .tuple, name: "", fields: items)]
        default:
            return nil
        }
    }

    /// What the pattern is, for the matrix: a catch-all, a constructor with its argument
    /// patterns, or something else (a literal of an infinite type).
    private enum Head { case wildcard, constructor(Constructor.Kind, [Pattern]), other }

    private func head(_ p: Pattern) -> Head {
        switch p.kind {
        case .wildcard: return .wildcard
        case .binding(let ident, _):
            if resolver.declarations[ident.span] != nil { return .wildcard }
            if case .variant(let v)? = resolver.resolutions[p.span] { return .constructor(.variant(v), []) }
            if case .constant(.bool(let b))? = resolver.resolutions[p.span] { return .constructor(.boolean(b), []) }
            return resolver.resolutions[p.span] == nil ? .wildcard : .other
        case .literal(let e):
            if case .bool(let b) = e.kind { return .constructor(.boolean(b), []) }
            return .other
        case .range: return .other
        case .tuple(let items): return .constructor(.tuple, items)
        case .variant(_, let args):
            if case .variant(let v)? = resolver.resolutions[p.span] { return .constructor(.variant(v), args ?? []) }
            return .other
        case .structPattern(_, let fields, _):
            // A struct has one shape: it is a catch-all when its field patterns are.
            return fields.allSatisfy({ if case .wildcard = head($0.pattern) { return true } else { return false } }) ? .wildcard : .other
        case .alternatives: return .other
        }
    }

    private func sameConstructor(_ a: Constructor.Kind, _ b: Constructor.Kind) -> Bool {
        switch (a, b) {
        case (.variant(let x), .variant(let y)): return x == y
        case (.boolean(let x), .boolean(let y)): return x == y
        case (.tuple, .tuple): return true
        default: return false
        }
    }

    /// Rows with alternatives in the first column split into one row per alternative.
    private func expanded(_ rows: [[Pattern]]) -> [[Pattern]] {
        var out: [[Pattern]] = []
        for row in rows {
            guard let first = row.first else { out.append(row); continue }
            if case .alternatives(let alts) = first.kind {
                out.append(contentsOf: expanded(alts.map { [$0] + row.dropFirst() }))
            } else {
                out.append(row)
            }
        }
        return out
    }

    /// The rows that match constructor `c` in the first column, with its argument patterns
    /// in place of the first column.
    private func specialize(_ rows: [[Pattern]], by c: Constructor) -> [[Pattern]] {
        let arity = c.fields.count
        let wildcard = Pattern(.wildcard, .synthetic)
        var out: [[Pattern]] = []
        for row in expanded(rows) {
            guard let first = row.first else { continue }
            switch head(first) {
            case .wildcard:
                out.append(Array(repeating: wildcard, count: arity) + row.dropFirst())
            case .constructor(let k, let args) where sameConstructor(k, c.kind):
                let fitted = (0..<arity).map { $0 < args.count ? args[$0] : wildcard }
                out.append(fitted + row.dropFirst())
            default:
                break
            }
        }
        return out
    }

    /// A value (one rendered pattern per column) that no row matches, or nil when the rows
    /// cover every value of `types`. `budget` bounds the search on pathological matches
    /// (then the match is taken as covered: unknown is not wrong).
    private func witness(_ rows: [[Pattern]], _ types: [StaticType], budget: inout Int) -> [String]? {
        budget -= 1
        if budget < 0 { return nil }
        guard let t = types.first else { return rows.isEmpty ? [] : nil }
        // No row left: any value is missing. A row of catch-alls: every value is covered.
        // (Both end the search before it walks into the payloads of a recursive enum.)
        if rows.isEmpty { return types.map { _ in "_" } }
        if rows.contains(where: { $0.allSatisfy { if case .wildcard = head($0) { return true } else { return false } } }) {
            return nil
        }
        let rest = Array(types.dropFirst())
        let rows = expanded(rows)
        if let ctors = constructors(of: t) {
            for c in ctors {
                if let w = witness(specialize(rows, by: c), c.fields + rest, budget: &budget) {
                    return [c.render(Array(w.prefix(c.fields.count)))] + w.dropFirst(c.fields.count)
                }
            }
            return nil
        }
        var defaults: [[Pattern]] = []
        for row in rows {
            if let first = row.first, case .wildcard = head(first) { defaults.append(Array(row.dropFirst())) }
        }
        return witness(defaults, rest, budget: &budget).map { ["_"] + $0 }
    }
}
