// The builtin methods of strings, lists, maps, channels and numbers (LANGUAGE 5-6, and
// the additions documented on `BuiltinMethod`). Which implementation runs is decided by
// the receiver; a method defined on a user type never reaches here (the VM looks those up
// first).
//
// Mutating methods change the receiver in place. The caller moves the receiver out of
// its slot first (so the slot no longer holds a reference to the box), passes it
// `inout`, and stores it back afterwards; the box is then copied only when someone else
// still shares it (copy-on-write), and `v.push(x)` in a loop is amortized O(1).
//
// Decisions where LANGUAGE.md is silent:
// - `v.remove(i)` and `v.insert(i, x)` with `i` out of range are errors (as in Rust);
//   `v.get(i)`, `v.pop()`, `v.first()`, `v.last()` give nil instead.
// - `m.put(k, v)` / `m.insert(k, v)` return the value replaced, or nil; `m.remove(k)`
//   returns the value removed, or nil.
// - `s.split("")` gives the characters; `s.find(t)` gives a byte offset;
//   `parse_int` accepts an optional sign and decimal digits only (no spaces, no `_`),
//   `parse_float` what Rust's `parse::<f64>` accepts (also `inf`, `NaN`); both give nil
//   for anything else.
// - `sort` sorts ints, floats (a NaN sorts last), strings (by bytes), or lists and tuples
//   of those; mixed types are an error. It is stable.
// - `join` joins the display forms of any elements; `to_upper`/`to_lower` are Unicode
//   case mappings.

import MalphasCompiler

/// The builtin methods of Malphas values.
public enum Methods {
    /// Calls a Malphas function value with arguments; the VM supplies it for `map` and
    /// `filter`.
    public typealias Callback = (_ function: Value, _ arguments: [Value]) throws -> Value

    /// Calls `method` on `receiver` with `args` (valid until the call back into Malphas,
    /// if any: arguments are copied out first). Mutating methods
    /// (`BuiltinMethod.mutatesReceiver`) update `receiver`; see the file comment for how
    /// the caller must pass it.
    public static func call(_ method: BuiltinMethod, receiver: inout Value, args: UnsafeBufferPointer<Value>,
                            context: BuiltinContext, call: Callback) throws -> Value {
        guard method.arity.contains(args.count) else {
            throw RuntimeError("method `\(method.name)` takes \(method.arityDescription) but \(Builtins.supplied(args.count))")
        }
        // Lists and maps first, tested without binding their box: a binding would be one
        // more reference, and the mutating methods' uniqueness test would always fail.
        if case .list = receiver { return try listMethod(method, &receiver, args, call) }
        if case .map = receiver { return try mapMethod(method, &receiver, args) }
        switch receiver {
        case .string(let box): return try stringMethod(method, box.value, receiver, args)
        case .int, .float:
            return try numberMethod(method, receiver, args, context)
        case .channel(let box):
            switch method {
            case .len: return .int(box.count)
            case .cap: return .int(box.capacity)
            case .close:
                throw RuntimeError("internal error: `close` on a channel is run by the VM, not the value library")
            default: break
            }
        case .reference(let box):
            // Methods read and write through a reference (LANGUAGE 4).
            var target = box.value
            if method.mutatesReceiver { box.value = .unit }
            defer { if method.mutatesReceiver { box.value = target } }
            return try self.call(method, receiver: &target, args: args, context: context, call: call)
        default:
            break
        }
        return try anyValueMethod(method, receiver, args)
    }

    /// The methods every value has: `to_string clone unwrap unwrap_or`.
    private static func anyValueMethod(_ method: BuiltinMethod, _ receiver: Value,
                                       _ args: UnsafeBufferPointer<Value>) throws -> Value {
        switch method {
        case .toString: return try Printer.displayValue(receiver, "method `to_string`")
        case .clone: return receiver
        case .unwrap:
            if case .nil = receiver { throw RuntimeError.panic("called `unwrap()` on nil") }
            return receiver
        case .unwrapOr:
            if case .nil = receiver { return args[0] }
            return receiver
        default: throw noMethod(method, receiver)
        }
    }

    /// `call` with the arguments in an array (tests, cold paths).
    public static func call(_ method: BuiltinMethod, receiver: inout Value, args: [Value],
                            context: BuiltinContext, call: Callback = Methods.noCallback) throws -> Value {
        try args.withUnsafeBufferPointer {
            try self.call(method, receiver: &receiver, args: $0, context: context, call: call)
        }
    }

    /// A callback for calls that never call back into Malphas.
    public static let noCallback: Callback = { _, _ in
        throw RuntimeError("internal error: no way to call a Malphas function here")
    }

    // MARK: - Lists

    private static func listMethod(_ method: BuiltinMethod, _ receiver: inout Value,
                                   _ args: UnsafeBufferPointer<Value>, _ call: Callback) throws -> Value {
        if method.mutatesReceiver {
            // Take the box out of the receiver so that only other holders keep it shared.
            guard case .list(var box) = receiver else { fatalError("unreachable: a list receiver") }
            receiver = .unit
            if !isKnownUniquelyReferenced(&box) { box = ListBox(box.items) }
            defer { receiver = .list(box) }
            return try mutateList(method, box, args)
        }
        guard case .list(let box) = receiver else { fatalError("unreachable: a list receiver") }
        let items = box.items
        switch method {
        case .len: return .int(items.count)
        case .isEmpty: return .bool(items.isEmpty)
        case .get:
            guard case .int(let i) = args[0].dereferenced else {
                throw RuntimeError("method `get` on a list expects an int index, got \(args[0].typeName)")
            }
            return i >= 0 && i < items.count ? items[i] : .nil
        case .first: return items.first ?? .nil
        case .last: return items.last ?? .nil
        case .contains:
            let needle = args[0]
            for item in items where try Equality.equal(item, needle) { return .bool(true) }
            return .bool(false)
        case .indexOf:
            let needle = args[0]
            for (i, item) in items.enumerated() where try Equality.equal(item, needle) { return .int(i) }
            return .nil
        case .join:
            guard case .string(let separator) = args[0].dereferenced else {
                throw RuntimeError("method `join` expects a string separator, got \(args[0].typeName)")
            }
            var buffer = TextBuffer()
            for (i, item) in items.enumerated() {
                if i > 0 { buffer.append(separator.value) }
                Printer.appendDisplay(item, to: &buffer)
                try ValueLimits.checkString(buffer.count, "method `join`")
            }
            return .string(StringBox(buffer.string))
        case .map:
            let function = args[0]
            var result: [Value] = []
            result.reserveCapacity(items.count)
            for item in items { result.append(try call(function, [item])) }
            return .list(ListBox(result))
        case .filter:
            let function = args[0]
            var result: [Value] = []
            for item in items {
                let keep = try call(function, [item])
                guard case .bool(let yes) = keep.dereferenced else {
                    throw RuntimeError("method `filter` expects its function to return a bool, got \(keep.typeName)")
                }
                if yes { result.append(item) }
            }
            return .list(ListBox(result))
        case .iter, .collect: return receiver
        case .enumerate:
            return .list(ListBox(items.enumerated().map { .tuple(TupleBox([.int($0.offset), $0.element])) }))
        case .rev: return .list(ListBox(items.reversed()))
        case .sum: return try sum(items)
        default: return try anyValueMethod(method, receiver, args)
        }
    }

    /// The sum of ints (checked) or of floats; 0 for an empty list.
    private static func sum(_ items: [Value]) throws -> Value {
        guard let first = items.first?.dereferenced else { return .int(0) }
        var total = first
        for item in items.dropFirst() {
            switch (total, item.dereferenced) {
            case (.int(let a), .int(let b)):
                let (r, overflow) = a.addingReportingOverflow(b)
                if overflow { throw Operators.overflowError("sum") }
                total = .int(r)
            case (.float(let a), .float(let b)): total = .float(a + b)
            case (let a, let b):
                throw RuntimeError("method `sum` adds ints or floats, got \(a.typeName) and \(b.typeName)")
            }
        }
        switch total {
        case .int, .float: return total
        default: throw RuntimeError("method `sum` adds ints or floats, got \(total.typeName)")
        }
    }

    private static func mutateList(_ method: BuiltinMethod, _ box: ListBox,
                                   _ args: UnsafeBufferPointer<Value>) throws -> Value {
        switch method {
        case .push:
            try ValueLimits.checkList(box.items.count + 1, "method `push`")
            box.items.append(args[0])
            return .unit
        case .pop:
            return box.items.popLast() ?? .nil
        case .insert:
            guard case .int(let i) = args[0].dereferenced else {
                throw RuntimeError("method `insert` on a list expects an int index, got \(args[0].typeName)")
            }
            guard i >= 0 && i <= box.items.count else {
                throw RuntimeError("insertion index \(i) out of range for list of length \(box.items.count)")
            }
            try ValueLimits.checkList(box.items.count + 1, "method `insert`")
            box.items.insert(args[1], at: i)
            return .unit
        case .remove:
            let i = try Operators.position(args[0].dereferenced, .list(box), count: box.items.count)
            return box.items.remove(at: i)
        case .reverse:
            box.items.reverse()
            return .unit
        case .sort:
            try sortList(&box.items)
            return .unit
        case .clear:
            box.items.removeAll()
            return .unit
        case .extend:
            switch args[0].dereferenced {
            case .list(let other):
                try ValueLimits.checkList(box.items.count + other.items.count, "method `extend`")
                box.items.append(contentsOf: other.items)
            case let other: throw RuntimeError("method `extend` expects a list, got \(other.typeName)")
            }
            return .unit
        default:
            throw noMethod(method, .list(box))
        }
    }

    /// Sorts ints, floats and strings directly, anything else through `Ordering`.
    private static func sortList(_ items: inout [Value]) throws {
        guard let first = items.first else { return }
        switch first {
        case .int:
            var numbers: [Int] = []
            numbers.reserveCapacity(items.count)
            for item in items {
                guard case .int(let n) = item else { return try sortGenerally(&items) }
                numbers.append(n)
            }
            numbers.sort()
            for i in numbers.indices { items[i] = .int(numbers[i]) }
        case .float:
            var numbers: [Double] = []
            numbers.reserveCapacity(items.count)
            for item in items {
                guard case .float(let d) = item else { return try sortGenerally(&items) }
                numbers.append(d)
            }
            // NaNs last, so the order is total.
            numbers.sort { a, b in a < b || (!a.isNaN && b.isNaN) }
            for i in numbers.indices { items[i] = .float(numbers[i]) }
        case .string:
            var texts: [StringBox] = []
            texts.reserveCapacity(items.count)
            for item in items {
                guard case .string(let box) = item else { return try sortGenerally(&items) }
                texts.append(box)
            }
            texts.sort { Text.compareBytes($0.value, $1.value) < 0 }
            for i in texts.indices { items[i] = .string(texts[i]) }
        default:
            try sortGenerally(&items)
        }
    }

    private static func sortGenerally(_ items: inout [Value]) throws {
        try items.sort { a, b in
            guard let order = try Ordering.order(a, b, "`sort`") else {
                // A NaN nested in a list or tuple: keep such elements in place relative
                // to each other rather than breaking the sort's invariants.
                return false
            }
            return order < 0
        }
    }

    // MARK: - Strings

    private static func stringMethod(_ method: BuiltinMethod, _ text: String, _ receiver: Value,
                                     _ args: UnsafeBufferPointer<Value>) throws -> Value {
        func stringArgument(_ i: Int) throws -> String {
            guard case .string(let box) = args[i].dereferenced else {
                throw RuntimeError("method `\(method.name)` on a string expects a string, got \(args[i].typeName)")
            }
            return box.value
        }
        func strings(_ parts: [String]) -> Value { .list(ListBox(parts.map { .string(StringBox($0)) })) }
        switch method {
        case .len: return .int(text.utf8.count)
        case .isEmpty: return .bool(text.utf8.isEmpty)
        case .contains: return .bool(Text.find(try stringArgument(0), in: text) != nil)
        case .startsWith:
            let prefix = try stringArgument(0)
            return .bool(text.utf8.starts(with: prefix.utf8))
        case .endsWith:
            let suffix = try stringArgument(0)
            return .bool(text.utf8.reversed().starts(with: suffix.utf8.reversed()))
        case .find:
            guard let offset = Text.find(try stringArgument(0), in: text) else { return .nil }
            return .int(offset)
        case .split: return strings(Text.split(text, by: try stringArgument(0)))
        case .splitWhitespace: return strings(Text.splitWhitespace(text))
        case .lines: return strings(Text.lines(text))
        case .trim: return .string(StringBox(Text.trim(text, leading: true, trailing: true)))
        case .trimStart: return .string(StringBox(Text.trim(text, leading: true, trailing: false)))
        case .trimEnd: return .string(StringBox(Text.trim(text, leading: false, trailing: true)))
        case .toUpper: return .string(StringBox(text.uppercased()))
        case .toLower: return .string(StringBox(text.lowercased()))
        case .replace:
            let (pattern, replacement) = (try stringArgument(0), try stringArgument(1))
            try ValueLimits.checkString(Text.replacedLength(text, pattern, with: replacement), "method `replace`")
            return .string(StringBox(Text.replace(text, pattern, with: replacement)))
        case .repeatString:
            guard case .int(let n) = args[0].dereferenced, n >= 0 else {
                throw RuntimeError("method `repeat` expects a count of 0 or more, got \(Printer.display(args[0]))")
            }
            let (total, overflow) = text.utf8.count.multipliedReportingOverflow(by: n)
            try ValueLimits.checkString(overflow ? Int.max : total, "method `repeat`")
            return .string(StringBox(String(repeating: text, count: n)))
        case .chars: return strings(text.unicodeScalars.map { String($0) })
        case .bytes: return .list(ListBox(text.utf8.map { .int(Int($0)) }))
        case .parseInt: return parseInt(text).map(Value.int) ?? .nil
        case .parseFloat: return parseFloat(text).map(Value.float) ?? .nil
        case .toString: return receiver
        default: return try anyValueMethod(method, receiver, args)
        }
    }

    /// An optional sign and decimal digits, within the int range.
    static func parseInt(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        // Parse the negative side so that int.min, which has no positive twin, parses.
        var result = 0
        for byte in digits.utf8 {
            let (shifted, o1) = result.multipliedReportingOverflow(by: 10)
            let (next, o2) = shifted.subtractingReportingOverflow(Int(byte) - 48)
            if o1 || o2 { return nil }
            result = next
        }
        if negative { return result }
        return result == Int.min ? nil : -result
    }

    /// Decimal floats with an optional sign and exponent, `inf`, `infinity`, `NaN` (any
    /// case). Swift's parser would also take hexadecimal floats, which Malphas does not.
    static func parseFloat(_ text: String) -> Double? {
        let body = text.utf8.first == UInt8(ascii: "+") || text.utf8.first == UInt8(ascii: "-")
            ? text.dropFirst() : Substring(text)
        let lowered = body.lowercased()
        if lowered.hasPrefix("0x") { return nil }
        if lowered == "inf" || lowered == "infinity" || lowered == "nan" {
            let value: Double = lowered == "nan" ? .nan : .infinity
            return text.utf8.first == UInt8(ascii: "-") ? -value : value
        }
        guard body.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 101 || $0 == 69 || $0 == 43 || $0 == 45 }),
              body.utf8.contains(where: { $0 >= 48 && $0 <= 57 }) else { return nil }
        return Double(text)
    }

    // MARK: - Maps

    private static func mapMethod(_ method: BuiltinMethod, _ receiver: inout Value,
                                  _ args: UnsafeBufferPointer<Value>) throws -> Value {
        if method.mutatesReceiver {
            let key: MapKey? = method == .clear ? nil : try MapKey(args[0])
            guard case .map(var box) = receiver else { fatalError("unreachable: a map receiver") }
            receiver = .unit
            if !isKnownUniquelyReferenced(&box) { box = MapBox(copying: box) }
            defer { receiver = .map(box) }
            switch method {
            case .put, .insert: return box.put(key!, args[1]) ?? .nil
            case .remove: return box.remove(key!) ?? .nil
            case .clear: box.removeAll(); return .unit
            default: throw noMethod(method, .map(box))
            }
        }
        guard case .map(let box) = receiver else { fatalError("unreachable: a map receiver") }
        switch method {
        case .get: return box.value(for: try MapKey(args[0])) ?? .nil
        case .containsKey: return .bool(box.contains(try MapKey(args[0])))
        case .len: return .int(box.count)
        case .isEmpty: return .bool(box.count == 0)
        case .keys: return .list(ListBox(box.keys))
        case .values: return .list(ListBox(box.values))
        case .iter: return receiver
        default: return try anyValueMethod(method, receiver, args)
        }
    }

    // MARK: - Numbers

    private static func numberMethod(_ method: BuiltinMethod, _ receiver: Value,
                                     _ args: UnsafeBufferPointer<Value>, _ context: BuiltinContext) throws -> Value {
        let function: BuiltinFunction
        switch method {
        case .abs: function = .abs
        case .sqrt: function = .sqrt
        case .floor: function = .floor
        case .ceil: function = .ceil
        case .pow: function = .pow
        case .min: function = .min
        case .max: function = .max
        default: return try anyValueMethod(method, receiver, args)
        }
        return try Builtins.call(function, [receiver] + Array(args), context)
    }

    // MARK: - Errors

    /// "no method `push` on string", with a pointer to the right method where one is
    /// likely meant.
    static func noMethod(_ method: BuiltinMethod, _ receiver: Value) -> RuntimeError {
        var message = "no method `\(method.name)` on \(receiver.typeName)"
        switch (method, receiver) {
        case (.contains, .map): message += "; use `contains_key`"
        case (.push, .string), (.insert, .string), (.remove, .string), (.clear, .string),
             (.reverse, .string), (.sort, .string), (.pop, .string), (.extend, .string):
            message += "; strings are immutable: build a new one with `+`, `replace` or `format`"
        case (.push, .map): message += "; use `put` or `insert`"
        case (.len, _): message += "; `len` works on strings, lists, maps and channels"
        default: break
        }
        return RuntimeError(message)
    }
}
