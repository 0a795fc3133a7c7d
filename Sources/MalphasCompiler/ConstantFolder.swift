import MalphasSyntax

/// Folds constant expressions (int, float, bool and string literals combined with
/// operators) into a `Constant`.
///
/// Decision: an operation that would fail at run time (int overflow, division or
/// remainder by zero, mixing int and float) is *not* folded. It is left to run time,
/// where it fails with the ordinary runtime error, line and trace, and only if it is
/// actually executed (`if false { i64::MAX + 1 }` is not an error, as in a dynamic language).
enum ConstantFolder {
    /// `lookup` resolves a name to a constant (a folded `const`), or nil.
    static func fold(_ e: Expr, lookup: (Expr) -> Constant?) -> Constant? {
        switch e.kind {
        case .int(let v): return .int(v)
        case .float(let v): return .float(v)
        case .string(let v): return .string(v)
        case .bool(let v): return .bool(v)
        case .nilLiteral: return .nil
        case .path: return lookup(e)
        case .block(let b) where b.statements.isEmpty:
            guard let tail = b.tail else { return nil }
            return fold(tail, lookup: lookup)
        case .unary(let op, let operand):
            guard let v = fold(operand, lookup: lookup) else { return nil }
            switch (op, v) {
            case (.negate, .int(let i)):
                let (r, o) = Int(0).subtractingReportingOverflow(i)
                return o ? nil : .int(r)
            case (.negate, .float(let f)): return .float(-f)
            case (.not, .bool(let b)): return .bool(!b)
            case (.not, .int(let i)): return .int(~i)
            default: return nil
            }
        case .binary, .cast:
            // Chains of binary operators and casts can be far deeper than the nesting
            // limit: fold them in a loop over the left spine.
            var links: [Expr] = []
            var current = e
            while true {
                switch current.kind {
                case .binary(_, let l, _): links.append(current); current = l; continue
                case .cast(let inner, _): links.append(current); current = inner; continue
                default: break
                }
                break
            }
            guard var value = fold(current, lookup: lookup) else { return nil }
            for link in links.reversed() {
                switch link.kind {
                case .binary(let op, _, let r):
                    guard let b = fold(r, lookup: lookup), let v = binary(op, value, b) else { return nil }
                    value = v
                case .cast(_, let type):
                    guard let v = cast(value, type) else { return nil }
                    value = v
                default:
                    return nil
                }
            }
            return value
        default:
            return nil
        }
    }

    static func cast(_ v: Constant, _ type: TypeRef) -> Constant? {
        guard case .named(let path) = type.kind, path.segments.count == 1 else { return nil }
        switch (v, CastTarget(typeName: path.last.name)) {
        case (.int(let i), .some(.int)): return .int(i)
        case (.int(let i), .some(.float)): return .float(Double(i))
        case (.float(let f), .some(.float)): return .float(f)
        case (.bool(let b), .some(.int)): return .int(b ? 1 : 0)
        default: return nil
        }
    }

    static func binary(_ op: BinaryOp, _ a: Constant, _ b: Constant) -> Constant? {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            switch op {
            case .add: let (r, o) = x.addingReportingOverflow(y); return o ? nil : .int(r)
            case .subtract: let (r, o) = x.subtractingReportingOverflow(y); return o ? nil : .int(r)
            case .multiply: let (r, o) = x.multipliedReportingOverflow(by: y); return o ? nil : .int(r)
            case .divide:
                if y == 0 { return nil }
                let (r, o) = x.dividedReportingOverflow(by: y); return o ? nil : .int(r)
            case .remainder:
                if y == 0 { return nil }
                let (r, o) = x.remainderReportingOverflow(dividingBy: y); return o ? nil : .int(r)
            case .bitAnd: return .int(x & y)
            case .bitOr: return .int(x | y)
            case .bitXor: return .int(x ^ y)
            case .shiftLeft: return y >= 0 && y < 64 ? .int(x << y) : nil
            case .shiftRight: return y >= 0 && y < 64 ? .int(x >> y) : nil
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            case .and, .or: return nil
            }
        case (.float(let x), .float(let y)):
            switch op {
            case .add: return .float(x + y)
            case .subtract: return .float(x - y)
            case .multiply: return .float(x * y)
            case .divide: return .float(x / y)
            case .remainder: return .float(x.truncatingRemainder(dividingBy: y))
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            case .less: return .bool(x < y)
            case .lessEqual: return .bool(x <= y)
            case .greater: return .bool(x > y)
            case .greaterEqual: return .bool(x >= y)
            default: return nil
            }
        case (.bool(let x), .bool(let y)):
            switch op {
            case .and: return .bool(x && y)
            case .or: return .bool(x || y)
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            default: return nil
            }
        case (.string(let x), .string(let y)):
            switch op {
            case .add: return .string(x + y)
            case .equal: return .bool(x == y)
            case .notEqual: return .bool(x != y)
            default: return nil
            }
        default:
            return nil
        }
    }
}
