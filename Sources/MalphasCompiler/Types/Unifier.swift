import MalphasSyntax

// Inference variables and unification, as in rustc within one function: `let mut xs = [];`
// gives `xs` the type `[]?0`, and `xs.push(1)` binds `?0` to `int`. A variable bound to
// `unknown` stays unknown (a nil, an untyped builtin): it then accepts every use.

/// The substitution of one checking run: what each inference variable is bound to, and
/// where it was bound (the "earlier use" a later mismatch points back to).
struct Unifier {
    private var bindings: [StaticType?] = []
    private var origins: [Span?] = []

    mutating func fresh() -> StaticType {
        bindings.append(nil)
        origins.append(nil)
        return .variable(bindings.count - 1)
    }

    /// `t` with its outer variables followed to what they are bound to.
    func shallow(_ t: StaticType) -> StaticType {
        var t = t
        while case .variable(let v) = t, let b = bindings[v] { t = b }
        return t
    }

    /// `t` with every bound variable replaced, deeply.
    func resolved(_ t: StaticType) -> StaticType {
        t.mapped { part in
            if case .variable(let v) = part { return bindings[v].map { resolved($0) } }
            return nil
        }
    }

    /// `resolved`, with unbound variables made `unknown` (for the expression table).
    func final(_ t: StaticType) -> StaticType {
        resolved(t).mapped { part in
            if case .variable = part { return .unknown }
            return nil
        }
    }

    /// Where the variable behind `t` (before it is resolved) was decided, if it was.
    func origin(of t: StaticType) -> Span? {
        var t = t
        while case .variable(let v) = t {
            if let o = origins[v] { return o }
            guard let b = bindings[v] else { return nil }
            t = b
        }
        return nil
    }

    private func occurs(_ v: Int, in t: StaticType) -> Bool {
        var found = false
        _ = resolved(t).mapped { part in
            if case .variable(v) = part { found = true }
            return nil
        }
        return found
    }

    /// Makes `a` and `b` one type where they can be. False when two known types conflict.
    /// `at` is the expression whose use binds a variable (recorded as its origin).
    mutating func unify(_ a: StaticType, _ b: StaticType, at span: Span? = nil) -> Bool {
        let a = shallow(a), b = shallow(b)
        switch (a, b) {
        case (.unknown, _), (_, .unknown), (.never, _), (_, .never):
            return true
        case (.parameter, _), (_, .parameter):
            // A generic parameter agrees with every type inside its body (programs use an
            // unbounded `T` as "any value"); what its bounds allow is checked at method calls.
            return true
        case (.variable(let x), .variable(let y)):
            if x != y { bindings[x] = b }
            return true
        case (.variable(let x), _):
            bind(x, to: b, at: span)
            return true
        case (_, .variable(let y)):
            bind(y, to: a, at: span)
            return true
        case (.int, .int), (.float, .float), (.bool, .bool), (.string, .string), (.unit, .unit):
            return true
        case (.list(let x), .list(let y)), (.channel(let x), .channel(let y)), (.range(let x), .range(let y)):
            return unify(x, y, at: span)
        case (.map(let k1, let v1), .map(let k2, let v2)):
            let keys = unify(k1, k2, at: span)
            return unify(v1, v2, at: span) && keys
        case (.tuple(let xs), .tuple(let ys)):
            guard xs.count == ys.count else { return false }
            return unifyAll(xs, ys, at: span)
        case (.function(let ps, let r), .function(let qs, let s)):
            guard ps.count == qs.count else { return false }
            let params = unifyAll(ps, qs, at: span)
            return unify(r, s, at: span) && params
        case (.structType(let i, _, let xs), .structType(let j, _, let ys)), (.enumType(let i, _, let xs), .enumType(let j, _, let ys)):
            guard i == j else { return false }
            // A type written without its generic arguments (`Box`) agrees with any `Box[T]`.
            guard xs.count == ys.count else { return true }
            return unifyAll(xs, ys, at: span)
        default:
            return false
        }
    }

    private mutating func unifyAll(_ xs: [StaticType], _ ys: [StaticType], at span: Span?) -> Bool {
        var ok = true
        for (x, y) in zip(xs, ys) where !unify(x, y, at: span) { ok = false }
        return ok
    }

    private mutating func bind(_ v: Int, to t: StaticType, at span: Span?) {
        // A cyclic type (`xs.push(xs)`) is left undecided rather than built.
        if occurs(v, in: t) { bindings[v] = .unknown; return }
        bindings[v] = t
        if origins[v] == nil, !t.isOpen { origins[v] = span }
    }
}
