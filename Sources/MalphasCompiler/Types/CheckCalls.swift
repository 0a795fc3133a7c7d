import MalphasSyntax

// Calls: of functions (generic ones instantiated at each use, their bounds checked), of
// enum variants, builtins and constructors, of function values; and method calls on user
// types, generic parameters (through their bounds) and builtin values.

extension TypeChecker {
    func call(_ callee: Expr, _ args: [Expr], span: Span) -> StaticType {
        if case .path(let path) = callee.kind, let r = resolver.resolutions[callee.span] {
            switch r {
            case .function(let f):
                guard let sig = signature(of: f) else { break }
                let (s, vars) = instantiate(sig, explicit: path.segments[path.segments.count - 1].genericArgs)
                record(callee.span, .function((s.receiver.map { [$0] } ?? []) + s.params, s.result))
                let params = (s.receiver.map { [$0] } ?? []) + s.params
                let spans = (s.receiver.map { _ in [Span?.none] } ?? []) + s.paramSpans.map { Optional($0) }
                checkArguments(args, params: params, spans: spans, name: program.functions[f].name)
                checkBounds(vars, at: span, args: args)
                return s.result
            case .variant:
                let t = pathType(path: path, span: callee.span)
                record(callee.span, t)
                if case .function(let payload, let result) = t {
                    checkArguments(args, params: payload, spans: [], name: nil)
                    return result
                }
                for a in args { _ = infer(a) }
                return t
            case .builtin(let b):
                record(callee.span, .unknown)
                return builtinCall(b, args, span: span)
            case .constructor(let c):
                record(callee.span, .unknown)
                return constructorCall(c, path: path, args)
            default:
                break
            }
        }
        let ct = inferShallow(callee)
        if case .function(let params, let result) = ct {
            if params.count == args.count {
                // A closure parameter its body left undecided stays unknown: calls with
                // values of different types are all accepted (LANGUAGE 10).
                for (a, p) in zip(args, params) {
                    if case .variable = unifier.shallow(p) { _ = infer(a) } else { _ = check(a, Expectation(p)) }
                }
            } else {
                for a in args { _ = infer(a) }
                if case .path = callee.kind {} else {
                    error("this function takes \(params.count) argument\(params.count == 1 ? "" : "s") but \(args.count) \(args.count == 1 ? "was" : "were") supplied",
                          at: span, label: "expected \(params.count) argument\(params.count == 1 ? "" : "s")")
                }
            }
            return result
        }
        if case .closure = callee.kind {} else if case .parameter = ct {} else if !ct.isOpen, ct != .unknown {
            for a in args { _ = infer(a) }
            error("expected function, found `\(unifier.resolved(ct))`", at: callee.span,
                  label: "call expression requires a function")
            return .unknown
        }
        for a in args { _ = infer(a) }
        return .unknown
    }

    /// `pathType` reachable from calls (the variant constructor's function type).
    private func pathType(path: Path, span: Span) -> StaticType {
        infer(Expr(.path(path), span))
    }

    /// Checks each argument against its parameter's type (extra or missing arguments were
    /// reported by the resolver).
    func checkArguments(_ args: [Expr], params: [StaticType], spans: [Span?], name: String?) {
        for (i, a) in args.enumerated() {
            guard i < params.count else { _ = infer(a); continue }
            var note: (message: String, span: Span)?
            if i < spans.count, let s = spans[i] { note = ("parameter declared here", s) }
            _ = check(a, Expectation(params[i], note: note))
        }
    }

    // MARK: Builtins

    private func builtinCall(_ b: BuiltinFunction, _ args: [Expr], span: Span) -> StaticType {
        switch b {
        case .assertEq where args.count >= 2:
            let first = infer(args[0])
            _ = check(args[1], Expectation(first, note: ("the first value has type `\(unifier.resolved(first))`", args[0].span)))
            for a in args.dropFirst(2) { _ = infer(a) }
            return .unit
        case .assert where !args.isEmpty:
            _ = check(args[0], Expectation(.bool))
            for a in args.dropFirst() { _ = infer(a) }
            return .unit
        case .min, .max:
            let types = args.map { infer($0) }
            if types.count == 1, case .list(let e) = unifier.shallow(types[0]) { return e }
            if let first = types.first, types.count > 1 {
                for (a, t) in zip(args.dropFirst(), types.dropFirst()) where !unifier.unify(first, t, at: a.span) {
                    mismatch(Expectation(first, note: ("the first value has type `\(unifier.resolved(first))`", args[0].span)),
                             found: t, at: a.span)
                }
                return first
            }
            return .unknown
        case .len:
            let types = args.map { infer($0) }
            if let t = types.first.map({ unifier.shallow($0) }) {
                switch t {
                case .int, .float, .bool, .unit, .tuple, .function, .structType, .enumType:
                    error("mismatched types", at: args[0].span, label: "expected a string, list or map, found \(unifier.resolved(t))",
                          help: "`len` counts the bytes of a string and the items of a list or map")
                default: break
                }
            }
            return .int
        case .close:
            let types = args.map { infer($0) }
            if let t = types.first { _ = channelElement(t, at: args[0].span) }
            return .unit
        default:
            let types = args.map { infer($0) }
            guard let sig = b.signature(arguments: types.map { unifier.shallow($0) }) else { return .unknown }
            if let params = sig.params, params.count == args.count {
                for (i, a) in args.enumerated() where !unifier.unify(params[i], types[i], at: a.span) {
                    mismatch(Expectation(params[i]), found: types[i], at: a.span)
                }
            }
            return sig.result
        }
    }

    private func constructorCall(_ c: BuiltinConstructor, path: Path, _ args: [Expr]) -> StaticType {
        let written = path.segments.count >= 2 ? path.segments[path.segments.count - 2].genericArgs.map { convert($0) } : []
        func arg(_ i: Int) -> StaticType { i < written.count ? written[i] : fresh() }
        switch c {
        case .vecNew, .vecWithCapacity:
            for a in args { _ = check(a, Expectation(.int)) }
            return .list(arg(0))
        case .vecFrom:
            let t = args.first.map { infer($0) } ?? .unknown
            if case .list = unifier.shallow(t) { return t }
            return .list(arg(0))
        case .hashMapNew, .hashMapWithCapacity:
            for a in args { _ = check(a, Expectation(.int)) }
            return .map(arg(0), arg(1))
        case .channelNew:
            for a in args { _ = check(a, Expectation(.int)) }
            return .channel(arg(0))
        case .stringNew:
            return .string
        case .stringFrom:
            for a in args { _ = infer(a) }
            return .string
        }
    }

    // MARK: Methods

    func methodCall(_ receiver: Expr, name: Ident, genericArgs: [TypeRef], args: [Expr], span: Span) -> StaticType {
        let rt = inferShallow(receiver)
        // A method of a user type (or a user impl on a builtin type) wins over a builtin one.
        if let key = typeKey(of: rt), let index = global.methods[key]?[name.name] {
            return userMethodCall(index, receiver: rt, name: name, genericArgs: genericArgs, args: args, span: span)
        }
        if case .parameter(let p) = rt {
            return boundMethodCall(p, receiver: rt, name: name, args: args, span: span)
        }
        if let builtin = BuiltinMethod(name: name.name),
           let sig = builtin.signature(on: rt, fresh: { fresh() }) {
            if let params = sig.params, params.count == args.count {
                checkArguments(args, params: params, spans: [], name: nil)
            } else {
                for a in args { _ = infer(a) }
            }
            return sig.result
        }
        if !rt.isOpen, rt != .unknown, case .structType = rt, BuiltinMethod(name: name.name) == nil {
            error("no method named `\(name.name)` found for `\(unifier.resolved(rt))`", at: name.span,
                  label: "method not found in `\(unifier.resolved(rt))`")
        }
        for a in args { _ = infer(a) }
        return .unknown
    }

    private func userMethodCall(_ index: Int, receiver: StaticType, name: Ident, genericArgs: [TypeRef],
                                args: [Expr], span: Span) -> StaticType {
        guard let sig = signature(of: index) else {
            for a in args { _ = infer(a) }
            return .unknown
        }
        let (s, vars) = instantiate(sig, explicit: genericArgs)
        // `Self` of the method is the receiver's type (generic arguments included).
        if let r = s.receiver { _ = unifier.unify(r, receiver, at: span) } else { _ = unifier.unify(s.selfType, receiver, at: span) }
        // A method without a receiver called with dot syntax binds the arguments to its parameters.
        if s.params.count != args.count {
            for a in args { _ = infer(a) }
            if sig.receiver != nil {
                error("this method takes \(s.params.count) argument\(s.params.count == 1 ? "" : "s") but \(args.count) \(args.count == 1 ? "was" : "were") supplied",
                      at: span, label: "expected \(s.params.count) argument\(s.params.count == 1 ? "" : "s")",
                      help: "`\(program.functions[index].name)` is declared at line \(program.functions[index].line)")
            }
            return s.result
        }
        checkArguments(args, params: s.params, spans: s.paramSpans, name: program.functions[index].name)
        checkBounds(vars, at: span, args: args)
        return s.result
    }

    /// A method called on a value of generic type `T`: a bound of `T` must provide it.
    private func boundMethodCall(_ p: String, receiver: StaticType, name: Ident, args: [Expr], span: Span) -> StaticType {
        let bounds = contexts.reversed().lazy.compactMap { $0.generics[p] }.first ?? []
        for bound in bounds {
            guard let key = resolver.userTypeKey(bound.segments[...]), let trait = global.traits[key] else {
                // A bound the checker does not know (`Display`, `Clone`): anything goes.
                for a in args { _ = infer(a) }
                return .unknown
            }
            if let m = trait.methods.first(where: { $0.name.name == name.name }) {
                let names = Set(m.generics.map(\.name.name))
                let params = resolver.inModule(resolver.modules.itemModules[key] ?? resolver.module) {
                    m.params.map { $0.type.map { convert($0, generics: names, selfType: receiver) } ?? .unknown }
                }
                let result = resolver.inModule(resolver.modules.itemModules[key] ?? resolver.module) {
                    m.result.map { convert($0, generics: names, selfType: receiver) } ?? .unit
                }
                if params.count == args.count, names.isEmpty {
                    checkArguments(args, params: params, spans: m.params.map(\.span), name: nil)
                } else {
                    for a in args { _ = infer(a) }
                }
                return names.isEmpty ? result : .unknown
            }
        }
        for a in args { _ = infer(a) }
        // An unbounded parameter stands for any value; builtin methods every value has are fine.
        if bounds.isEmpty || ["to_string", "clone", "unwrap", "unwrap_or"].contains(name.name) {
            return name.name == "to_string" ? .string : .unknown
        }
        let traits = bounds.map(\.text)
        error("no method named `\(name.name)` found for type parameter `\(p)`", at: name.span,
              label: "method not found in `\(p)`",
              help: traits.isEmpty
                ? "add a bound that provides it: `\(p): SomeTrait`"
                : "none of the bounds of `\(p)` (\(traits.map { "`\($0)`" }.joined(separator: ", "))) provides `\(name.name)`")
        return .unknown
    }
}
