import MalphasSyntax

// Inference over statements and expressions. `infer` gives an expression's type (with an
// optional expectation that blocks, `if`, `match`, closures and literals pass inward);
// `check` also requires the type to fit the expectation and reports a mismatch once.

extension TypeChecker {
    /// `e`'s type, required to fit `x`. After a mismatch the expected type is returned,
    /// so the mistake causes no further errors.
    func check(_ e: Expr, _ x: Expectation) -> StaticType {
        let t = infer(e, x)
        switch e.kind {
        case .block, .ifElse, .match:
            // They checked their own tails against `x`.
            return t
        default:
            if !unifier.unify(x.type, t, at: e.span) {
                mismatch(x, found: t, at: e.span)
                return x.type
            }
            return t
        }
    }

    /// `e`'s type; its value is used.
    func infer(_ e: Expr, _ x: Expectation? = nil) -> StaticType {
        if let t = chainTypes.removeValue(forKey: e.span) { return t }
        if let child = Self.chainChild(e), Self.chainChild(child) != nil { return inferChain(e, x) }
        return record(e.span, inferKind(e, x, used: true))
    }

    /// The operand a chain continues through: the left operand of a binary operator, the
    /// receiver or base of a postfix operation, the operand of `as`.
    static func chainChild(_ e: Expr) -> Expr? {
        switch e.kind {
        case .binary(_, let l, _): return l
        case .cast(let inner, _): return inner
        case .methodCall(let receiver, _, _, _): return receiver
        case .field(let base, _), .tupleField(let base, _, _), .index(let base, _): return base
        default: return nil
        }
    }

    /// A chain of binary and postfix operations (`0 + 1 + ... + 1`, `s.trim().trim()...`),
    /// innermost link first, in a loop: chains may be far deeper than the parser's nesting
    /// limit, and recursing per link could exhaust the native stack. Each link finds its
    /// child's type in `chainTypes` instead of inferring it again.
    private func inferChain(_ e: Expr, _ x: Expectation?) -> StaticType {
        var links: [Expr] = []
        var current = e
        while let child = Self.chainChild(current) {
            links.append(current)
            current = child
        }
        chainTypes[current.span] = record(current.span, inferKind(current, nil, used: true))
        for link in links.dropFirst().reversed() {
            chainTypes[link.span] = record(link.span, inferKind(link, nil, used: true))
        }
        let t = record(e.span, inferKind(e, x, used: true))
        for link in links { chainTypes[link.span] = nil }
        chainTypes[current.span] = nil
        return t
    }

    /// `e`'s type with its outer variables followed. (Inferred first, then looked up:
    /// `unifier.shallow(infer(e))` would read the unifier before `infer` adds variables.)
    func inferShallow(_ e: Expr) -> StaticType {
        let t = infer(e)
        return unifier.shallow(t)
    }

    /// An expression statement: `if`, `match` and blocks need no agreeing branches.
    func inferStatement(_ e: Expr) -> StaticType {
        record(e.span, inferKind(e, nil, used: false))
    }

    func checkStatement(_ s: Stmt) {
        _ = statementType(s)
    }

    /// The type of a statement: `never` when it does not finish (`return`, `panic`).
    private func statementType(_ s: Stmt) -> StaticType {
        switch s.kind {
        case .letBinding(let pattern, let annotation, let value):
            var t: StaticType
            if let annotation {
                let declared = convert(annotation)
                if let value { _ = check(value, Expectation(declared, note: ("expected due to this type", annotation.span))) }
                t = declared
            } else if let value {
                t = infer(value)
            } else {
                t = fresh()
            }
            let diverges = value.map { unifier.shallow(recorded[$0.span] ?? .unknown) == .never } ?? false
            if diverges, annotation == nil { t = fresh() }
            bindPattern(pattern, t, origin: value?.span)
            return diverges ? .never : .unit
        case .expression(let e, _):
            return inferStatement(e)
        case .item:
            // Nested functions are checked as functions of their own.
            return .unit
        }
    }

    /// A block's type: its tail's, `never` when a statement does not finish, else `()`.
    func inferBlock(_ b: Block, _ x: Expectation?, used: Bool) -> StaticType {
        var diverges = false
        for s in b.statements where statementType(s) == .never { diverges = true }
        if let tail = b.tail {
            if let x { return check(tail, x) }
            return used ? infer(tail) : inferStatement(tail)
        }
        return diverges ? .never : .unit
    }

    // MARK: Expressions

    private func inferKind(_ e: Expr, _ x: Expectation?, used: Bool) -> StaticType {
        switch e.kind {
        case .int: return .int
        case .float: return .float
        case .string: return .string
        case .bool: return .bool
        case .nilLiteral: return .unknown
        case .unit: return .unit
        case .path(let path):
            return pathType(path, span: e.span)
        case .array(let items):
            var element: StaticType = fresh()
            if let x, case .list(let want) = unifier.shallow(x.type) { element = want }
            var first: Span?
            for item in items {
                let note = first.map { (message: "the list's element type was decided here", span: $0) }
                _ = check(item, Expectation(element, note: note))
                if first == nil, !unifier.shallow(element).isOpen { first = item.span }
            }
            return .list(element)
        case .arrayRepeat(let value, let count):
            _ = check(count, Expectation(.int))
            return .list(infer(value))
        case .tuple(let items):
            var hints: [StaticType]?
            if let x, case .tuple(let ts) = unifier.shallow(x.type), ts.count == items.count { hints = ts }
            return .tuple(items.enumerated().map { i, item in infer(item, hints.map { Expectation($0[i]) }) })
        case .structLiteral(let path, let fields):
            return structLiteral(path, fields: fields, x)
        case .unary(let op, let operand):
            return unary(op, operand)
        case .binary(let op, let l, let r):
            return binary(op, l, r, span: e.span)
        case .assign(let target, let op, let value):
            assign(target, op: op, value: value, span: e.span)
            return .unit
        case .range(let lo, let hi, _):
            var element: StaticType = fresh()
            if let lo { element = infer(lo) }
            if let hi { _ = check(hi, Expectation(element)) }
            return .range(element)
        case .cast(let operand, let type):
            _ = infer(operand)
            if case .named(let p) = type.kind, let target = CastTarget(typeName: p.last.name) {
                switch target {
                case .int: return .int
                case .float: return .float
                case .string: return .string
                case .bool: return .bool
                }
            }
            return .unknown
        case .call(let callee, let args):
            return call(callee, args, span: e.span)
        case .methodCall(let receiver, let name, let genericArgs, let args):
            return methodCall(receiver, name: name, genericArgs: genericArgs, args: args, span: e.span)
        case .field(let base, let name):
            return field(base, name)
        case .tupleField(let base, let index, let indexSpan):
            let b = inferShallow(base)
            if case .tuple(let items) = b {
                if index < items.count { return items[index] }
                error("no field `\(index)` on type `\(unifier.resolved(b))`", at: indexSpan,
                      label: "the tuple has \(items.count) field\(items.count == 1 ? "" : "s")")
            }
            return .unknown
        case .index(let base, let index):
            return indexType(base, index)
        case .closure(let params, let result, let body):
            return closure(params: params, result: result, body: body, x)
        case .block(let b):
            return inferBlock(b, x, used: used)
        case .ifElse:
            return ifElse(e, x, used: used)
        case .match(let subject, let arms):
            return match(subject, arms, x, used: used, span: e.span)
        case .whileLoop(let condition, let body):
            _ = check(condition, Expectation(.bool))
            contexts[contexts.count - 1].loops.append(LoopFrame(result: nil))
            _ = inferBlock(body, nil, used: false)
            context.loops.removeLast()
            return .unit
        case .loop(let body):
            let result: StaticType? = used ? (x?.type ?? fresh()) : nil
            context.loops.append(LoopFrame(result: result))
            _ = inferBlock(body, nil, used: false)
            let frame = context.loops.removeLast()
            return frame.broke ? (result ?? .unit) : .never
        case .forLoop(let pattern, let iterable, let body):
            let element = elementType(of: infer(iterable), at: iterable.span)
            bindPattern(pattern, element, origin: iterable.span)
            context.loops.append(LoopFrame(result: nil))
            _ = inferBlock(body, nil, used: false)
            context.loops.removeLast()
            return .unit
        case .breakLoop(let value):
            if !context.loops.isEmpty {
                context.loops[context.loops.count - 1].broke = true
                if let value {
                    if let r = context.loops[context.loops.count - 1].result { _ = check(value, Expectation(r)) }
                    else { _ = infer(value) }
                }
            } else if let value {
                _ = infer(value)
            }
            return .never
        case .continueLoop:
            return .never
        case .returnValue(let value):
            if let value {
                if let r = context.result { _ = check(value, Expectation(r, note: context.resultNote)) }
                else { _ = infer(value) }
            }
            return .never
        case .spawn(let body):
            spawn(body)
            return .unknown
        case .send(let channel, let value):
            let element = channelElement(infer(channel), at: channel.span)
            _ = check(value, Expectation(element, note: channelNote(channel)))
            return .unit
        case .select(let cases):
            for c in cases {
                switch c.kind {
                case .receive(let binding, let channel):
                    let element = channelElement(infer(channel), at: channel.span)
                    if let binding { bindPattern(binding, element, origin: channel.span) }
                case .send(let channel, let value):
                    let element = channelElement(infer(channel), at: channel.span)
                    _ = check(value, Expectation(element, note: channelNote(channel)))
                case .defaultCase:
                    break
                }
                _ = used ? infer(c.body) : inferStatement(c.body)
            }
            // A `select` used as a value: its arms' types are left to the run time.
            return used ? .unknown : .unit
        case .make(let type, let args):
            for a in args { _ = check(a, Expectation(.int)) }
            return convert(type)
        }
    }

    private func channelNote(_ channel: Expr) -> (message: String, span: Span)? {
        guard case .path = channel.kind else { return nil }
        let t = recorded[channel.span] ?? .unknown
        if let origin = unifier.origin(of: t) { return ("the channel's element type was decided here", origin) }
        switch resolver.resolutions[channel.span] {
        case .local(let b)?, .upvalue(_, let b)?:
            return ("`\(b.name)` has type `\(unifier.resolved(t))`", b.span)
        default:
            return nil
        }
    }

    /// The element type of a channel-typed value (binding an undecided one to a channel).
    func channelElement(_ t: StaticType, at span: Span) -> StaticType {
        switch unifier.shallow(t) {
        case .channel(let e): return e
        case .variable:
            let e = fresh()
            _ = unifier.unify(t, .channel(e), at: span)
            return e
        default: return .unknown
        }
    }

    /// What `for x in v` binds for a `v` of type `t`.
    private func elementType(of t: StaticType, at span: Span) -> StaticType {
        switch unifier.shallow(t) {
        case .range(let e), .list(let e), .channel(let e): return e
        case .map(let k, let v): return .tuple([k, v])
        case .string: return .string
        default: return .unknown
        }
    }

    // MARK: Names

    private func pathType(_ path: Path, span: Span) -> StaticType {
        guard let r = resolver.resolutions[span] else { return .unknown }
        switch r {
        case .local(let b), .upvalue(_, let b):
            return bindingTypes[ObjectIdentifier(b)] ?? .unknown
        case .global(let slot):
            guard slot < program.globalNames.count else { return .unknown }
            let name = program.globalNames[slot]
            if let c = global.consts[name] { return constantType(c) }
            return env.variables[name] ?? .unknown
        case .constant(let c):
            return constantType(c)
        case .function(let f):
            guard let sig = signature(of: f) else { return .unknown }
            let s = instantiate(sig, explicit: path.segments[path.segments.count - 1].genericArgs).sig
            return .function((s.receiver.map { [$0] } ?? []) + s.params, s.result)
        case .variant(let v):
            let (enumIndex, _) = program.variants[v]
            let instance = freshInstance(enumIndex: enumIndex)
            guard case .enumType(_, _, let args) = instance else { return .unknown }
            let payload = payloadTypes(ofVariant: v, args: args)
            return payload.isEmpty ? instance : .function(payload, instance)
        case .structType(let s):
            return freshInstance(structIndex: s)
        case .builtin, .constructor, .traitMethod:
            return .unknown
        }
    }

    private func constantType(_ c: ConstItem) -> StaticType {
        if let t = c.decl.type {
            return resolver.inModule(resolver.modules.itemModules[c.key] ?? resolver.modules.root) {
                convert(t, generics: [], selfType: .unknown)
            }
        }
        if let f = c.folded { return constantType(f) }
        return .unknown
    }

    private func constantType(_ c: Constant) -> StaticType {
        switch c {
        case .int: return .int
        case .float: return .float
        case .string: return .string
        case .bool: return .bool
        default: return .unknown
        }
    }

    // MARK: Operators

    private func unary(_ op: UnaryOp, _ operand: Expr) -> StaticType {
        let t = infer(operand)
        switch op {
        case .receive: return channelElement(t, at: operand.span)
        case .not:
            let s = unifier.shallow(t)
            if s == .bool || s == .int { return s }
            if s.isOpen { return t }
            error("cannot apply unary operator `!` to type `\(unifier.resolved(s))`", at: operand.span,
                  label: "expected bool, found \(unifier.resolved(s))")
            return .unknown
        case .negate:
            let s = unifier.shallow(t)
            switch s {
            case .int, .float: return s
            case .bool, .string, .unit, .list, .map, .channel, .tuple, .function, .range:
                error("cannot apply unary operator `-` to type `\(unifier.resolved(s))`", at: operand.span,
                      label: "expected int or float, found \(unifier.resolved(s))")
                return .unknown
            default: return t
            }
        case .reference, .mutableReference, .dereference:
            return t
        }
    }

    private func isNumeric(_ t: StaticType) -> Bool { t == .int || t == .float }

    private func binary(_ op: BinaryOp, _ l: Expr, _ r: Expr, span: Span) -> StaticType {
        let lt = infer(l)
        switch op {
        case .and, .or:
            _ = unifier.unify(lt, .bool, at: l.span)
            let ls = unifier.shallow(lt)
            if !ls.isOpen, ls != .bool {
                mismatch(Expectation(.bool, message: "mismatched types"), found: ls, at: l.span)
            }
            _ = check(r, Expectation(.bool))
            return .bool
        default:
            break
        }
        let rt = infer(r)
        return operatorResult(op, lt, rt, left: l.span, right: r.span)
    }

    /// The type of `l op r` for operand types `lt` and `rt`; reports operands that cannot
    /// go together.
    func operatorResult(_ op: BinaryOp, _ lt: StaticType, _ rt: StaticType, left: Span, right: Span) -> StaticType {
        let ls = unifier.shallow(lt), rs = unifier.shallow(rt)
        let comparison: Bool
        switch op {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: comparison = true
        default: comparison = false
        }
        // Arithmetic and comparison need one type on both sides; an undecided side takes
        // the other's type when that is a number or a string.
        if ls.isOpen || rs.isOpen {
            if case .variable = ls, isNumeric(rs) || rs == .string { _ = unifier.unify(ls, rs, at: left) }
            else if case .variable = rs, isNumeric(ls) || ls == .string { _ = unifier.unify(rs, ls, at: right) }
            else if case .variable = ls, case .variable = rs { _ = unifier.unify(ls, rs, at: right) }
            if comparison { return .bool }
            let decided = unifier.shallow(ls)
            return decided.isOpen ? unifier.shallow(rs).isOpen ? .unknown : rs : decided
        }
        let conflict = !unifier.unify(ls, rs, at: right)
        if conflict {
            let known: Set<String> = ["int", "float", "string", "bool", "()"]
            if known.contains(ls.description) || known.contains(rs.description) || comparison {
                error("mismatched types", at: right, label: "expected \(unifier.resolved(ls)), found \(unifier.resolved(rs))",
                      help: operandHelp(ls, rs, op: op),
                      notes: [("the left operand has type `\(unifier.resolved(ls))`", left)])
                return comparison ? .bool : .unknown
            }
            return comparison ? .bool : .unknown
        }
        if comparison {
            if op != .equal, op != .notEqual, !isOrdered(ls) {
                error("cannot compare values of type `\(unifier.resolved(ls))` with `\(op.rawValue)`", at: left,
                      label: "`\(op.rawValue)` needs ints, floats, strings, or lists or tuples of them")
            }
            return .bool
        }
        switch op {
        case .add:
            if isNumeric(ls) || ls == .string { return ls }
        case .subtract, .multiply, .divide, .remainder:
            if isNumeric(ls) { return ls }
        case .bitAnd, .bitOr, .bitXor, .shiftLeft, .shiftRight:
            if ls == .int || ls == .bool { return ls }
        default:
            break
        }
        switch ls {
        case .bool, .string, .unit, .float:
            error("cannot apply `\(op.rawValue)` to type `\(unifier.resolved(ls))`", at: left,
                  label: "`\(op.rawValue)` does not take \(unifier.resolved(ls)) operands")
        default:
            break
        }
        return .unknown
    }

    /// True unless `t` is known to have no order (`< <= > >=`).
    private func isOrdered(_ t: StaticType) -> Bool {
        switch unifier.shallow(t) {
        case .bool, .unit, .map, .channel, .function, .structType, .enumType, .range: return false
        case .list(let e): return isOrdered(e)
        case .tuple(let items): return items.allSatisfy(isOrdered)
        default: return true
        }
    }

    private func operandHelp(_ l: StaticType, _ r: StaticType, op: BinaryOp) -> String? {
        switch (l, r) {
        case (.int, .float): return "convert the int operand with `as float`"
        case (.float, .int): return "convert the int operand with `as float`"
        case (.string, .int), (.string, .float), (.string, .bool):
            return op == .add ? "convert it to a string first: `to_string(...)` or `format(\"{}{}\", a, b)`" : nil
        default: return nil
        }
    }

    private func assign(_ target: Expr, op: BinaryOp?, value: Expr, span: Span) {
        let tt = infer(target)
        var note: (message: String, span: Span)?
        if case .path = target.kind, let r = resolver.resolutions[target.span] {
            switch r {
            case .local(let b), .upvalue(_, let b): note = ("expected due to the type of `\(b.name)`", b.span)
            default: break
            }
        }
        if let op {
            let vt = infer(value)
            _ = operatorResult(op, tt, vt, left: target.span, right: value.span)
        } else {
            _ = check(value, Expectation(tt, note: note))
        }
    }

    // MARK: Places

    private func field(_ base: Expr, _ name: Ident) -> StaticType {
        let b = inferShallow(base)
        guard case .structType(let index, let typeName, let args) = b else { return .unknown }
        if let f = fieldType(ofStruct: index, args: args, field: name.name) { return f.type }
        // A method used as a value, or a field the struct does not have.
        if global.methods[.structType(index)]?[name.name] != nil { return .unknown }
        let names = structEntry(index)?.1.decl.fields.map(\.name.name) ?? []
        error("no field `\(name.name)` on type `\(typeName)`", at: name.span, label: "unknown field",
              help: similarName(to: name.name, among: names).map { "a field with a similar name exists: `\($0)`" }
                ?? (names.isEmpty ? nil : "available fields are: \(names.map { "`\($0)`" }.joined(separator: ", "))"))
        return .unknown
    }

    private func indexType(_ base: Expr, _ index: Expr) -> StaticType {
        let b = inferShallow(base)
        if case .range = index.kind {
            _ = infer(index)
            switch b {
            case .list, .string: return b
            default: return .unknown
            }
        }
        switch b {
        case .list(let e):
            _ = check(index, Expectation(.int, message: "mismatched types", note: nil))
            return e
        case .map(let k, let v):
            _ = check(index, Expectation(k))
            return v
        default:
            _ = infer(index)
            return .unknown
        }
    }

    // MARK: Literals

    private func structLiteral(_ path: Path, fields: [(name: Ident, value: Expr)], _ x: Expectation?) -> StaticType {
        guard case .structType(let index)? = resolver.resolutions[path.span] ?? resolver.resolutions[path.span],
              let (_, entry) = structEntry(index) else {
            for f in fields { _ = infer(f.value) }
            return .unknown
        }
        let written = path.segments[path.segments.count - 1].genericArgs
        var instance: StaticType
        if written.count == entry.decl.generics.count, !written.isEmpty {
            instance = .structType(index, name: entry.decl.name.name, written.map { convert($0) })
        } else if let x, case .structType(index, _, _) = unifier.shallow(x.type) {
            instance = unifier.shallow(x.type)
        } else {
            instance = freshInstance(structIndex: index)
        }
        guard case .structType(_, _, let args) = instance else { return .unknown }
        for f in fields {
            if let (t, declared) = fieldType(ofStruct: index, args: args, field: f.name.name) {
                _ = check(f.value, Expectation(t, note: ("field `\(f.name.name)` declared here", declared)))
            } else {
                _ = infer(f.value)
            }
        }
        return instance
    }

    private func closure(params: [Param], result: TypeRef?, body: Expr, _ x: Expectation?) -> StaticType {
        var expectedParams: [StaticType]?
        var expectedResult: StaticType?
        if let x, case .function(let ps, let r) = unifier.shallow(x.type), ps.count == params.count {
            expectedParams = ps
            expectedResult = r
        }
        var types: [StaticType] = []
        for (i, p) in params.enumerated() {
            var t = p.type.map { convert($0) } ?? expectedParams?[i] ?? fresh()
            if p.type != nil, let want = expectedParams?[i], !unifier.unify(want, t, at: p.span) {
                mismatch(Expectation(want), found: t, at: p.type?.span ?? p.span)
                t = want
            }
            if let b = resolver.declarations[p.name.span] { bindingTypes[ObjectIdentifier(b)] = t }
            types.append(t)
        }
        let declared = result.map { convert($0) }
        let resultType = declared ?? expectedResult ?? fresh()
        var ctx = context
        ctx.result = resultType
        ctx.resultNote = result.map { ("expected `\(unifier.resolved(resultType))` because of the return type", $0.span) }
        ctx.loops = []
        contexts.append(ctx)
        defer { contexts.removeLast() }
        if declared != nil || expectedResult != nil {
            // A closure whose body makes no value (`|x| { println(x); }`) where a result is
            // expected is left to the run time.
            if case .block(let b) = body.kind, b.tail == nil {
                _ = inferBlock(b, nil, used: false)
                record(body.span, .unit)
            } else {
                _ = check(body, Expectation(resultType, note: ctx.resultNote))
            }
        } else {
            let t = infer(body)
            _ = unifier.unify(resultType, t, at: body.span)
        }
        return .function(types, resultType)
    }

    private func spawn(_ body: Expr) {
        switch body.kind {
        case .block(let b):
            var ctx = context
            ctx.result = nil
            ctx.loops = []
            contexts.append(ctx)
            record(body.span, inferBlock(b, nil, used: false))
            contexts.removeLast()
        default:
            _ = inferStatement(body)
        }
    }

    // MARK: Conditionals

    private func ifElse(_ e: Expr, _ x: Expectation?, used: Bool) -> StaticType {
        // `else if` chains can be long: walk them in a loop.
        var expectation = x
        var current = e
        var types: [StaticType] = []
        var hasElse = false
        var chain: [Span] = []
        while case .ifElse(let condition, let then, let otherwise) = current.kind {
            chain.append(current.span)
            _ = check(condition, Expectation(.bool))
            let t = inferBlock(then, used ? expectation : nil, used: used)
            types.append(t)
            if used, expectation == nil, unifier.shallow(t) != .never, let tail = then.tail {
                expectation = Expectation(t, message: "`if` and `else` have incompatible types",
                                          note: ("expected because of this", tail.span))
            }
            guard let o = otherwise else { break }
            hasElse = true
            if case .ifElse = o.kind { current = o; continue }
            let t2: StaticType
            if used, let expectation, case .block(let b) = o.kind {
                t2 = record(o.span, inferBlock(b, expectation, used: true))
            } else if used, let expectation {
                t2 = check(o, expectation)
            } else {
                t2 = used ? infer(o) : inferStatement(o)
            }
            types.append(t2)
            break
        }
        let result: StaticType
        if !hasElse {
            result = .unit
        } else if types.allSatisfy({ unifier.shallow($0) == .never }) {
            result = .never
        } else if used {
            result = expectation?.type ?? types.first(where: { unifier.shallow($0) != .never }) ?? .unit
        } else {
            result = .unit
        }
        for span in chain.dropFirst() { record(span, result) }
        return result
    }

    private func match(_ subject: Expr, _ arms: [MatchArm], _ x: Expectation?, used: Bool, span: Span) -> StaticType {
        let s = infer(subject)
        var expectation = x
        var types: [StaticType] = []
        for arm in arms {
            bindPattern(arm.pattern, s, origin: subject.span, refutable: true)
            if let g = arm.guardExpr { _ = check(g, Expectation(.bool)) }
            let t: StaticType
            if used, let expectation {
                t = check(arm.body, expectation)
            } else {
                t = used ? infer(arm.body) : inferStatement(arm.body)
            }
            types.append(t)
            if used, expectation == nil, unifier.shallow(t) != .never {
                expectation = Expectation(t, message: "`match` arms have incompatible types",
                                          note: ("this is found to be of type `\(unifier.resolved(t))`", arm.body.span))
            }
        }
        checkExhaustive(subject: s, arms: arms, span: span, subjectSpan: subject.span)
        if !types.isEmpty, types.allSatisfy({ unifier.shallow($0) == .never }) { return .never }
        return used ? (expectation?.type ?? .unit) : .unit
    }
}
