// The static constructors of the builtin types (`BuiltinConstructor`), except
// `Channel::new`, which the VM runs because a channel belongs to the runtime.

import MalphasCompiler

/// `Vec::new()`, `Vec::with_capacity(n)`, `Vec::from(v)`, `HashMap::new()`,
/// `HashMap::with_capacity(n)`, `String::new()`, `String::from(s)`.
public enum Constructors {
    /// Builds the value `constructor` makes from `args`.
    /// - `with_capacity(n)` reserves room for up to a million entries (a hint, not a
    ///   limit); a negative `n` is an error.
    /// - `Vec::from(v)` takes a list (it is a copy, as every assignment is).
    /// - `String::from(x)` takes a string, or the display form of anything else.
    public static func call(_ constructor: BuiltinConstructor, _ args: UnsafeBufferPointer<Value>) throws -> Value {
        let name = constructor.rawValue
        guard constructor.arity.contains(args.count) else {
            throw RuntimeError("`\(name)` takes \(constructor.arityDescription) but \(Builtins.supplied(args.count))")
        }
        switch constructor {
        case .vecNew:
            return .list(ListBox([]))
        case .vecWithCapacity:
            var items: [Value] = []
            items.reserveCapacity(try capacity(args[0], name))
            return .list(ListBox(items))
        case .vecFrom:
            guard case .list = args[0].dereferenced else {
                throw RuntimeError("`\(name)` expects a list, got \(args[0].typeName)")
            }
            return args[0].dereferenced
        case .hashMapNew:
            return .map(MapBox())
        case .hashMapWithCapacity:
            return .map(MapBox(capacity: try capacity(args[0], name)))
        case .stringNew:
            return .string(StringBox(""))
        case .stringFrom:
            if case .string = args[0].dereferenced { return args[0].dereferenced }
            return try Printer.displayValue(args[0], "`String::from`")
        case .channelNew:
            throw RuntimeError("internal error: `Channel::new` is run by the VM, not the value library")
        }
    }

    /// `call` with the arguments in an array (tests, cold paths).
    public static func call(_ constructor: BuiltinConstructor, _ args: [Value]) throws -> Value {
        try args.withUnsafeBufferPointer { try call(constructor, $0) }
    }

    private static func capacity(_ value: Value, _ name: String) throws -> Int {
        guard case .int(let n) = value.dereferenced, n >= 0 else {
            throw RuntimeError("`\(name)` expects a capacity of 0 or more, got \(Printer.display(value))")
        }
        // Reserving is only a hint; do not let a huge one exhaust memory up front.
        return min(n, 1 << 20)
    }
}
