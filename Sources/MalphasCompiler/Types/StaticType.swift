import MalphasSyntax

// The types of the static checker (LANGUAGE 10), and the table of every expression's type
// that the bytecode compiler reads.
//
// `T?` is `T` for the checker (nil is a value of every type), `&T` is `T` (references
// dereference themselves), and every integer width is `int`. `unknown` is what the
// checker could not decide: it agrees with every type, so a use of it is never an error
// ("unknown is not wrong"); it is also the type of an expression that already had an
// error, so one mistake is reported once.

/// The static type of a Malphas value.
public indirect enum StaticType: Hashable, Sendable, CustomStringConvertible {
    case int
    case float
    case bool
    case string
    /// `()`, the value of statements and of functions without a result annotation.
    case unit
    /// `[]T`, `[T; N]` and `Vec[T]`: one list type.
    case list(StaticType)
    case map(StaticType, StaticType)
    case channel(StaticType)
    case tuple([StaticType])
    /// `a..b` over `int` (or what its bounds are).
    case range(StaticType)
    case function([StaticType], StaticType)
    /// A user struct or enum: its index in the program's tables, its name for messages and
    /// its generic arguments.
    case structType(Int, name: String, [StaticType])
    case enumType(Int, name: String, [StaticType])
    /// A generic parameter inside the body that declares it (`T` in `fn id[T](x: T)`).
    case parameter(String)
    /// An inference variable, bound by unification (never left in the expression table).
    case variable(Int)
    /// The type of `return`, `break`, `panic(...)`: an expression that does not produce
    /// a value agrees with every type.
    case never
    case unknown

    public var description: String {
        switch self {
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .string: return "string"
        case .unit: return "()"
        case .list(let e): return "[]\(e)"
        case .map(let k, let v): return "HashMap[\(k), \(v)]"
        case .channel(let e): return "Channel[\(e)]"
        case .tuple(let items): return items.count == 1 ? "(\(items[0]),)" : "(\(items.map(\.description).joined(separator: ", ")))"
        case .range(let e): return "Range[\(e)]"
        case .function(let params, let result):
            let r = result == .unit ? "" : " -> \(result)"
            return "fn(\(params.map(\.description).joined(separator: ", ")))\(r)"
        case .structType(_, let name, let args), .enumType(_, let name, let args):
            return args.isEmpty ? name : "\(name)[\(args.map(\.description).joined(separator: ", "))]"
        case .parameter(let name): return name
        case .variable, .unknown: return "_"
        case .never: return "!"
        }
    }

    /// True when nothing is known (`unknown`, `never` or an unbound variable).
    var isOpen: Bool {
        switch self {
        case .unknown, .never, .variable: return true
        default: return false
        }
    }

    /// The type with `f` applied to every component (variables and parameters included).
    func mapped(_ f: (StaticType) -> StaticType?) -> StaticType {
        if let replaced = f(self) { return replaced }
        switch self {
        case .list(let e): return .list(e.mapped(f))
        case .map(let k, let v): return .map(k.mapped(f), v.mapped(f))
        case .channel(let e): return .channel(e.mapped(f))
        case .range(let e): return .range(e.mapped(f))
        case .tuple(let items): return .tuple(items.map { $0.mapped(f) })
        case .function(let ps, let r): return .function(ps.map { $0.mapped(f) }, r.mapped(f))
        case .structType(let i, let name, let args): return .structType(i, name: name, args.map { $0.mapped(f) })
        case .enumType(let i, let name, let args): return .enumType(i, name: name, args.map { $0.mapped(f) })
        default: return self
        }
    }
}

/// The static type of every expression of a compiled program, keyed by the expression's
/// span (as the resolver keys its resolutions). The bytecode compiler reads it to emit
/// instructions for statically known operand types: `types[e.span]`, `types.isInt(e)`.
/// An expression the checker did not type, or typed as unknown, answers nil / false.
///
/// What "statically int" promises: the value is an int or nil (nil is a value of every
/// type: `pop()` of an empty list, `get` of a missing key), and, in the rare case of a
/// generic function that returns its parameter's value as another type (the checker lets
/// an unbounded `T` agree with every type in its own body), whatever that body returned.
/// An instruction chosen from this table must keep a cheap check that fails over to the
/// general path (or to the run-time error) when the operand is not what it expects.
public struct ExpressionTypes {
    var storage: [Span: StaticType] = [:]

    public init() {}

    /// The type of the expression at `span`, or nil when it is unknown.
    public subscript(_ span: Span) -> StaticType? {
        guard let t = storage[span], t != .unknown, t != .never else { return nil }
        return t
    }

    /// True when the expression is statically an `int`.
    public func isInt(_ e: Expr) -> Bool { storage[e.span] == .int }
    /// True when the expression is statically a `float`.
    public func isFloat(_ e: Expr) -> Bool { storage[e.span] == .float }
    /// True when the expression is statically a `bool`.
    public func isBool(_ e: Expr) -> Bool { storage[e.span] == .bool }
    /// True when the expression is statically a `string`.
    public func isString(_ e: Expr) -> Bool { storage[e.span] == .string }

    /// The number of typed expressions (statistics and tests).
    public var count: Int { storage.count }
}
