// The operators' slow paths. The dispatch loop handles int-int and float-float
// arithmetic inline and calls here for everything else: mixed or non-numeric operands,
// overflow, strings, aggregates, indexing and slicing. Operands that are references are
// read through first, as Rust reads `&int` operands.
//
// Decisions where LANGUAGE.md is silent:
// - Int arithmetic is checked (overflow is an error) except that `<<` and `>>` discard
//   the bits shifted out, as in Rust and Go; the shift amount must be 0 to 63.
//   `int.min % -1` is an overflow, as in Rust.
// - `&`, `|`, `^` also work on two bools (without short-circuiting); `!` on an int is
//   its bitwise complement, as in Rust.
// - `+` joins two strings only; a list is extended with `extend`, not `+`.
// - `==` between an int and a float is an error (as their arithmetic is); other values
//   of different types are simply unequal, so `x == nil` works for any `x`.
// - `< <= > >=` order ints, floats, strings (by bytes), and lists and tuples of those
//   lexicographically; anything else is an error naming both types.
// - `s[i]` on a string is the character that starts at byte `i`, as a string.
// - `m[k]` on a map is the value under `k`, an error when there is none; `m[k] = v`
//   inserts or overwrites.

/// The slow paths of Malphas operators, on values.
public enum Operators {
    // MARK: - Arithmetic

    /// `a + b`: checked int addition, float addition, or string concatenation.
    public static func add(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            let (r, overflow) = x.addingReportingOverflow(y)
            if overflow { throw overflowError("+") }
            return .int(r)
        case (.float(let x), .float(let y)): return .float(x + y)
        case (.string(let x), .string(let y)):
            if x.value.isEmpty { return .string(y) }
            if y.value.isEmpty { return .string(x) }
            try ValueLimits.checkString(x.value.utf8.count + y.value.utf8.count, "`+`")
            return .string(StringBox(x.value + y.value))
        case (let x, let y): throw mismatch("cannot add \(x.typeName) and \(y.typeName)", x, y)
        }
    }

    /// `a - b`.
    public static func subtract(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            let (r, overflow) = x.subtractingReportingOverflow(y)
            if overflow { throw overflowError("-") }
            return .int(r)
        case (.float(let x), .float(let y)): return .float(x - y)
        case (let x, let y): throw mismatch("cannot subtract \(y.typeName) from \(x.typeName)", x, y)
        }
    }

    /// `a * b`.
    public static func multiply(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            let (r, overflow) = x.multipliedReportingOverflow(by: y)
            if overflow { throw overflowError("*") }
            return .int(r)
        case (.float(let x), .float(let y)): return .float(x * y)
        case (let x, let y): throw mismatch("cannot multiply \(x.typeName) by \(y.typeName)", x, y)
        }
    }

    /// `a / b`: int division truncates toward zero; dividing an int by zero is an error,
    /// a float by zero gives an infinity or NaN.
    public static func divide(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw RuntimeError("division by zero") }
            let (r, overflow) = x.dividedReportingOverflow(by: y)
            if overflow { throw overflowError("/") }
            return .int(r)
        case (.float(let x), .float(let y)): return .float(x / y)
        case (let x, let y): throw mismatch("cannot divide \(x.typeName) by \(y.typeName)", x, y)
        }
    }

    /// `a % b`: the remainder has the sign of `a` (truncated division), for floats too.
    public static func remainder(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw RuntimeError("division by zero in `%`") }
            let (r, overflow) = x.remainderReportingOverflow(dividingBy: y)
            if overflow { throw overflowError("%") }
            return .int(r)
        case (.float(let x), .float(let y)): return .float(x.truncatingRemainder(dividingBy: y))
        case (let x, let y):
            throw mismatch("cannot take the remainder of \(x.typeName) divided by \(y.typeName)", x, y)
        }
    }

    /// `-a`.
    public static func negate(_ a: Value) throws -> Value {
        switch a.dereferenced {
        case .int(let x):
            if x == Int.min { throw overflowError("-") }
            return .int(-x)
        case .float(let x): return .float(-x)
        case let x: throw RuntimeError("cannot negate \(x.typeName)")
        }
    }

    /// `!a`: logical not of a bool, bitwise complement of an int.
    public static func not(_ a: Value) throws -> Value {
        switch a.dereferenced {
        case .bool(let x): return .bool(!x)
        case .int(let x): return .int(~x)
        case let x: throw RuntimeError("cannot apply `!` to \(x.typeName)")
        }
    }

    // MARK: - Bits

    /// `a & b` on ints or bools.
    public static func bitAnd(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)): return .int(x & y)
        case (.bool(let x), .bool(let y)): return .bool(x && y)
        case (let x, let y): throw bitwiseMismatch("&", x, y)
        }
    }

    /// `a | b` on ints or bools.
    public static func bitOr(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)): return .int(x | y)
        case (.bool(let x), .bool(let y)): return .bool(x || y)
        case (let x, let y): throw bitwiseMismatch("|", x, y)
        }
    }

    /// `a ^ b` on ints or bools.
    public static func bitXor(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)): return .int(x ^ y)
        case (.bool(let x), .bool(let y)): return .bool(x != y)
        case (let x, let y): throw bitwiseMismatch("^", x, y)
        }
    }

    /// `a << b`: bits shifted out are lost; `b` must be 0 to 63.
    public static func shiftLeft(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            try checkShift(y, "<<")
            return .int(x << y)
        case (let x, let y): throw bitwiseMismatch("<<", x, y)
        }
    }

    /// `a >> b`: an arithmetic shift (the sign is kept); `b` must be 0 to 63.
    public static func shiftRight(_ a: Value, _ b: Value) throws -> Value {
        switch (a.dereferenced, b.dereferenced) {
        case (.int(let x), .int(let y)):
            try checkShift(y, ">>")
            return .int(x >> y)
        case (let x, let y): throw bitwiseMismatch(">>", x, y)
        }
    }

    // MARK: - Comparison

    /// `a == b`: structural equality (see `Equality.equal` for the rules).
    public static func equals(_ a: Value, _ b: Value) throws -> Bool {
        try Equality.equal(a, b)
    }

    /// `a != b`.
    public static func notEquals(_ a: Value, _ b: Value) throws -> Bool {
        try !Equality.equal(a, b)
    }

    /// `a < b`.
    public static func lessThan(_ a: Value, _ b: Value) throws -> Bool {
        guard let order = try Ordering.order(a, b, "`<`") else { return false }
        return order < 0
    }

    /// `a <= b`.
    public static func lessOrEqual(_ a: Value, _ b: Value) throws -> Bool {
        guard let order = try Ordering.order(a, b, "`<=`") else { return false }
        return order <= 0
    }

    /// `a > b`.
    public static func greaterThan(_ a: Value, _ b: Value) throws -> Bool {
        guard let order = try Ordering.order(a, b, "`>`") else { return false }
        return order > 0
    }

    /// `a >= b`.
    public static func greaterOrEqual(_ a: Value, _ b: Value) throws -> Bool {
        guard let order = try Ordering.order(a, b, "`>=`") else { return false }
        return order >= 0
    }

    // MARK: - Indexing

    /// `base[index]`: an element of a list or tuple, the character at a byte offset of a
    /// string, the value under a key of a map. A range index slices (`v[1..3]` as a
    /// value).
    public static func index(_ base: Value, _ index: Value) throws -> Value {
        let base = base.dereferenced
        let index = index.dereferenced
        if case .range(let r) = index, !isMap(base) {
            return try slice(base, lower: r.lower, upper: r.upper, inclusive: r.inclusive)
        }
        switch base {
        case .list(let box):
            let i = try position(index, base, count: box.items.count)
            return box.items[i]
        case .tuple(let box):
            let i = try position(index, base, count: box.items.count)
            return box.items[i]
        case .string(let box):
            let text = box.value
            let i = try position(index, base, count: text.utf8.count)
            guard Text.isCharBoundary(text, i) else { throw notBoundary(i, text) }
            var end = i + 1
            while !Text.isCharBoundary(text, end) { end += 1 }
            return .string(StringBox(Text.bytes(text, i, end)))
        case .map(let box):
            let key = try MapKey(index)
            guard let value = box.value(for: key) else {
                throw RuntimeError("key \(Printer.excerpt(key.value)) not found in map; use `get` to get nil instead")
            }
            return value
        default:
            throw RuntimeError("cannot index into \(base.typeName)")
        }
    }

    /// `base[index] = value` on a list, tuple or map (inserting into a map, or
    /// overwriting). Strings are immutable. The caller must have moved `base` out of its
    /// slot, so the box is copied only when another holder shares it.
    public static func setIndex(_ base: inout Value, _ index: Value, _ value: Value) throws {
        let index = index.dereferenced
        // `if case` rather than `switch`: a switch may keep a copy of `base` alive, and
        // the uniqueness test would then always fail.
        if case .list(var box) = base {
            let i = try position(index, base, count: box.items.count)
            base = .unit
            if !isKnownUniquelyReferenced(&box) { box = ListBox(box.items) }
            box.items[i] = value
            base = .list(box)
        } else if case .map(var box) = base {
            let key = try MapKey(index)
            base = .unit
            if !isKnownUniquelyReferenced(&box) { box = MapBox(copying: box) }
            box.put(key, value)
            base = .map(box)
        } else if case .tuple(var box) = base {
            let i = try position(index, base, count: box.items.count)
            base = .unit
            if !isKnownUniquelyReferenced(&box) { box = TupleBox(box.items) }
            box.items[i] = value
            base = .tuple(box)
        } else if case .reference(let box) = base {
            // Assigning through a reference assigns to its target.
            var target = box.value
            box.value = .unit
            defer { box.value = target }
            try setIndex(&target, index, value)
        } else if case .string = base {
            throw RuntimeError("cannot assign to part of a string: strings are immutable; build a new one with `+`, `replace` or slicing")
        } else {
            throw RuntimeError("cannot index into \(base.typeName)")
        }
    }

    /// `base[lower..upper]` (or `..=` when `inclusive`) of a list (a new list) or a string
    /// (by byte offsets that must fall on character boundaries). A missing bound is the
    /// start or the end.
    public static func slice(_ base: Value, lower: Int?, upper: Int?, inclusive: Bool) throws -> Value {
        let base = base.dereferenced
        let count: Int
        switch base {
        case .list(let box): count = box.items.count
        case .string(let box): count = box.value.utf8.count
        default: throw RuntimeError("cannot slice \(base.typeName); slicing works on lists and strings")
        }
        let written = (lower.map(String.init) ?? "") + (inclusive ? "..=" : "..") + (upper.map(String.init) ?? "")
        let start = lower ?? 0
        var end = upper ?? count
        if inclusive {
            guard upper != nil, end < Int.max else {
                throw RuntimeError("slice \(written) out of range for \(base.typeName) of length \(count)")
            }
            end += 1
        }
        guard start >= 0, end <= count else {
            throw RuntimeError("slice \(written) out of range for \(base.typeName) of length \(count)")
        }
        guard start <= end else {
            throw RuntimeError("slice \(written) starts at \(start) but ends at \(end)")
        }
        switch base {
        case .list(let box):
            if start == 0 && end == count { return base }
            return .list(ListBox(Array(box.items[start..<end])))
        case .string(let box):
            let text = box.value
            guard Text.isCharBoundary(text, start) else { throw notBoundary(start, text) }
            guard Text.isCharBoundary(text, end) else { throw notBoundary(end, text) }
            if start == 0 && end == count { return base }
            return .string(StringBox(Text.bytes(text, start, end)))
        default:
            fatalError("unreachable: checked above")
        }
    }

    // MARK: - Errors

    static func overflowError(_ op: String) -> RuntimeError {
        RuntimeError("integer overflow in `\(op)`")
    }

    /// A type mismatch of a binary operator, with the fix when one is known.
    private static func mismatch(_ what: String, _ x: Value, _ y: Value) -> RuntimeError {
        switch (x, y) {
        case (.int, .float), (.float, .int):
            return RuntimeError(what + "; convert with `as`")
        case (.string, _), (_, .string):
            return RuntimeError(what + "; convert with `to_string` or use `format`")
        case (.list, .list):
            return RuntimeError(what + "; use `extend` to append a list to another")
        default:
            return RuntimeError(what)
        }
    }

    private static func bitwiseMismatch(_ op: String, _ x: Value, _ y: Value) -> RuntimeError {
        let message = "cannot apply `\(op)` to \(x.typeName) and \(y.typeName)"
        switch (x, y) {
        case (.int, .float), (.float, .int), (.float, .float):
            return RuntimeError(message + "; bitwise operators work on ints (convert with `as`)")
        default:
            return RuntimeError(message)
        }
    }

    private static func checkShift(_ amount: Int, _ op: String) throws {
        guard amount >= 0 && amount < 64 else {
            throw RuntimeError("shift amount \(amount) out of range in `\(op)`; it must be 0 to 63")
        }
    }

    /// Validates an index into something of `count` elements.
    static func position(_ index: Value, _ base: Value, count: Int) throws -> Int {
        guard case .int(let i) = index else {
            throw RuntimeError("\(base.typeName) index must be an int, got \(index.typeName)")
        }
        guard i >= 0 && i < count else {
            throw RuntimeError("index \(i) out of range for \(base.typeName) of length \(count)")
        }
        return i
    }

    static func notBoundary(_ offset: Int, _ text: String) -> RuntimeError {
        // Name the character the offset falls inside, as Rust does.
        var start = offset
        while start > 0 && !Text.isCharBoundary(text, start) { start -= 1 }
        var end = offset
        while end < text.utf8.count && !Text.isCharBoundary(text, end) { end += 1 }
        let character = Text.bytes(text, start, end)
        return RuntimeError("byte index \(offset) is not a character boundary; it is inside '\(character)' (bytes \(start)..\(end))")
    }

    private static func isMap(_ v: Value) -> Bool {
        if case .map = v { return true }
        return false
    }
}
