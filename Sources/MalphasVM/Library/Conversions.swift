import MalphasCompiler

/// `e as T` (LANGUAGE 4).
public enum Conversions {
    /// Converts `value` for `as`:
    /// - `as int`: an int stays; a float is truncated toward zero (NaN, infinities and
    ///   floats beyond the int range are errors, not saturated as Rust does); a bool is
    ///   0 or 1.
    /// - `as float`: an int becomes the nearest float; a float stays.
    /// - `as string`: the display form of anything.
    /// - `as bool`: only a bool.
    /// Strings do not convert to numbers with `as`: the error points at `parse_int()` and
    /// `parse_float()`.
    public static func cast(_ value: Value, to target: CastTarget) throws -> Value {
        let value = value.dereferenced
        switch (target, value) {
        case (.int, .int), (.float, .float), (.bool, .bool): return value
        case (.string, .string): return value
        case (.string, _): return try Printer.displayValue(value, "`as string`")
        case (.int, .float(let d)):
            if d.isNaN { throw RuntimeError("cannot convert NaN to int") }
            // -2^63 and 2^63 are exact floats; everything in between truncates into
            // range.
            guard d >= -9223372036854775808.0 && d < 9223372036854775808.0 else {
                throw RuntimeError("float \(Printer.display(value)) is out of range for int")
            }
            return .int(Int(d))
        case (.int, .bool(let b)): return .int(b ? 1 : 0)
        case (.float, .int(let n)): return .float(Double(n))
        case (.int, .string): throw RuntimeError("cannot convert string to int with `as`; use `parse_int()`")
        case (.float, .string): throw RuntimeError("cannot convert string to float with `as`; use `parse_float()`")
        case (.bool, .int): throw RuntimeError("cannot convert int to bool with `as`; compare with `!= 0`")
        default:
            throw RuntimeError("cannot convert \(value.typeName) to \(target.rawValue) with `as`")
        }
    }
}
