// The value printer: the one place that turns a value into text. `println`, `print`,
// `format`, `to_string`, `as string`, `join`, error messages and the REPL all call it.
//
// Two forms (LANGUAGE 5):
// - display: what `println(x)` shows. A string prints raw.
// - debug: what `{:?}` shows, and how values nested in aggregates print in either form.
//   A string prints quoted with escapes, so `["a", "b"]` is not confused with `[a, b]`.
//
// Aggregates are printed by a loop over an explicit stack of open containers, not by
// recursion, so a list nested 100,000 deep prints on a legion's small native stack.

/// Renders values as text.
public enum Printer {
    /// The display form: strings raw, everything else as in `debug`.
    public static func display(_ value: Value) -> String {
        if case .string(let box) = value { return box.value }
        var buffer = TextBuffer()
        write(value, quoted: false, to: &buffer)
        return buffer.string
    }

    /// The debug form: strings quoted and escaped, at the top level too.
    public static func debug(_ value: Value) -> String {
        var buffer = TextBuffer()
        write(value, quoted: true, to: &buffer)
        return buffer.string
    }

    /// The display form as a new string value (`to_string`, `as string`), or an error when
    /// it would pass the longest string (ValueLimits).
    static func displayValue(_ value: Value, _ operation: @autoclosure () -> String) throws -> Value {
        if case .string = value { return value }
        var buffer = TextBuffer()
        write(value, quoted: false, to: &buffer)
        try ValueLimits.checkString(buffer.count, operation())
        if ValueLimits.programIsEnding { throw ValueLimits.stopped }
        return .string(StringBox(buffer.string))
    }

    /// The debug form cut to about `limit` bytes, for error messages: a message naming a
    /// value must not grow with the value.
    static func excerpt(_ value: Value, limit: Int = 200) -> String {
        var buffer = TextBuffer()
        write(value, quoted: true, to: &buffer, limit: limit)
        guard buffer.count > limit else { return buffer.string }
        var end = limit
        while end > 0 && buffer.bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: buffer.bytes[..<end], as: UTF8.self) + "..."
    }

    /// Appends the display form of `value` to `buffer`.
    public static func appendDisplay(_ value: Value, to buffer: inout TextBuffer) {
        switch value {
        case .int(let n): buffer.append(int: n)
        case .string(let box): buffer.append(box.value)
        default: write(value, quoted: false, to: &buffer)
        }
    }

    /// Appends the debug form of `value` to `buffer`.
    public static func appendDebug(_ value: Value, to buffer: inout TextBuffer) {
        write(value, quoted: true, to: &buffer)
    }

    /// The display form of a float (LANGUAGE 5): the shortest digits that read back as
    /// the same float, without a trailing `.0` (`1.0` prints `1`, `2.50` prints `2.5`).
    /// Magnitudes from 1e-4 up to 2^53 print positionally; outside that, in exponent form
    /// with the exponent's sign and no leading zeros: `1e+16`, `1.5e-7`. Also `inf`,
    /// `-inf`, `NaN`, and `-0` for negative zero.
    public static func appendFloat(_ d: Double, to buffer: inout TextBuffer) {
        if d.isNaN { buffer.append("NaN"); return }
        if d.isInfinite { buffer.append(d < 0 ? "-inf" : "inf"); return }
        // Swift's description is already the shortest round-trip form ("1.0", "1e-05",
        // "1.5e+16"); only the spelling is adjusted.
        let text = d.description
        let utf8 = text.utf8
        if let e = utf8.firstIndex(of: UInt8(ascii: "e")) {
            var mantissa = text[..<e]
            if mantissa.hasSuffix(".0") { mantissa = mantissa.dropLast(2) }
            buffer.append(mantissa)
            buffer.append(byte: UInt8(ascii: "e"))
            var rest = utf8[utf8.index(after: e)...]
            if let sign = rest.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
                buffer.append(byte: sign)
                rest = rest.dropFirst()
            }
            while rest.count > 1 && rest.first == UInt8(ascii: "0") { rest = rest.dropFirst() }
            buffer.bytes.append(contentsOf: rest)
        } else if text.hasSuffix(".0") {
            buffer.append(text.dropLast(2))
        } else {
            buffer.append(text)
        }
    }

    /// The debug form of a string: in double quotes, with `\"`, `\\`, `\n`, `\t`, `\r`,
    /// `\0` and `\u{..}` for other control characters.
    public static func appendQuoted(_ text: String, to buffer: inout TextBuffer) {
        buffer.append(byte: UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append("\\\"")
            case UInt8(ascii: "\\"): buffer.append("\\\\")
            case UInt8(ascii: "\n"): buffer.append("\\n")
            case UInt8(ascii: "\t"): buffer.append("\\t")
            case UInt8(ascii: "\r"): buffer.append("\\r")
            case 0: buffer.append("\\0")
            case 0..<0x20, 0x7F:
                buffer.append("\\u{")
                if byte >= 16 { buffer.append(byte: hexDigit(byte >> 4)) }
                buffer.append(byte: hexDigit(byte & 15))
                buffer.append(byte: UInt8(ascii: "}"))
            default: buffer.append(byte: byte)
            }
        }
        buffer.append(byte: UInt8(ascii: "\""))
    }

    private static func hexDigit(_ n: UInt8) -> UInt8 {
        n < 10 ? UInt8(ascii: "0") + n : UInt8(ascii: "a") + n - 10
    }

    // MARK: - The walk

    /// An aggregate being printed: which one, how its items are punctuated, and the next
    /// item to print.
    private struct OpenContainer {
        enum Shape {
            case list
            case tuple
            case record(StructType)
            case variant
            case map(MapBox)
            /// A reference being printed as its target; it only marks the reference as
            /// open so that a reference reaching itself prints `<cycle>` once.
            case reference(ReferenceBox)
        }
        let shape: Shape
        /// The items (for maps, unused: entries are read from the box by slot).
        let items: [Value]
        /// The next item (for maps: the next slot) to print.
        var next: Int
        /// For maps: true when the key of the current entry is printed and its value is
        /// next.
        var valueIsNext = false
        /// True once an item has been printed, so the next one needs a separator.
        var printedAny = false
    }

    /// Stops once `buffer` holds more than `limit` bytes (or the program is ending): the
    /// caller that needs the whole text checks the length (ValueLimits).
    static func write(_ value: Value, quoted: Bool, to buffer: inout TextBuffer,
                      limit: Int = ValueLimits.maxStringBytes) {
        var stack: [OpenContainer] = []
        // The references open on `stack` (a set: a chain of 100,000 references must not
        // cost a scan of the stack per link).
        var openReferences: Set<ObjectIdentifier> = []
        var steps = 0
        // Only the outermost string of the display form prints raw; a reference prints
        // as its target, so a top-level reference to a string prints it raw too.
        var next: Value? = value
        var quoteStrings = quoted
        while true {
            if let v = next {
                next = nil
                open(v, quoteStrings: quoteStrings, stack: &stack, openReferences: &openReferences, buffer: &buffer)
                if case .reference = v {} else { quoteStrings = true }
            }
            guard !stack.isEmpty else { return }
            if _slowPath(buffer.count > limit) { return }
            steps &+= 1
            if _slowPath(steps & (ValueLimits.stepsBetweenChecks - 1) == 0) && ValueLimits.programIsEnding { return }
            next = advance(&stack[stack.count - 1], buffer: &buffer)
            if next == nil {
                let done = stack.removeLast()
                if case .reference(let box) = done.shape { openReferences.remove(ObjectIdentifier(box)) }
                close(done, buffer: &buffer)
            }
        }
    }

    /// Prints a scalar whole, or the opening of an aggregate (pushing it on `stack`).
    private static func open(_ value: Value, quoteStrings: Bool, stack: inout [OpenContainer],
                             openReferences: inout Set<ObjectIdentifier>, buffer: inout TextBuffer) {
        switch value {
        case .unit: buffer.append("()")
        case .nil: buffer.append("nil")
        case .bool(let b): buffer.append(b ? "true" : "false")
        case .int(let n): buffer.append(int: n)
        case .float(let d): appendFloat(d, to: &buffer)
        case .string(let box):
            if quoteStrings { appendQuoted(box.value, to: &buffer) } else { buffer.append(box.value) }
        case .list(let box):
            buffer.append(byte: UInt8(ascii: "["))
            stack.append(OpenContainer(shape: .list, items: box.items, next: 0))
        case .tuple(let box):
            buffer.append(byte: UInt8(ascii: "("))
            stack.append(OpenContainer(shape: .tuple, items: box.items, next: 0))
        case .record(let box):
            buffer.append(box.type.name)
            buffer.append(" {")
            stack.append(OpenContainer(shape: .record(box.type), items: box.fields, next: 0))
        case .variant(let box):
            buffer.append(box.type.variantNames[box.tag])
            if !box.payload.isEmpty {
                buffer.append(byte: UInt8(ascii: "("))
                stack.append(OpenContainer(shape: .variant, items: box.payload, next: 0))
            }
        case .map(let box):
            buffer.append(byte: UInt8(ascii: "{"))
            stack.append(OpenContainer(shape: .map(box), items: [], next: 0))
        case .function(let box):
            buffer.append("<fn ")
            buffer.append(box.name)
            buffer.append(byte: UInt8(ascii: ">"))
        case .native(let box):
            buffer.append("<fn ")
            buffer.append(box.name)
            buffer.append(byte: UInt8(ascii: ">"))
        case .channel: buffer.append("<chan>")
        case .range(let box):
            if let lower = box.lower { buffer.append(int: lower) }
            buffer.append(box.inclusive ? "..=" : "..")
            if let upper = box.upper { buffer.append(int: upper) }
        case .reference(let box):
            if openReferences.insert(ObjectIdentifier(box)).inserted {
                stack.append(OpenContainer(shape: .reference(box), items: [box.value], next: 0))
            } else {
                buffer.append("<cycle>")
            }
        }
    }

    /// Prints the punctuation before the container's next item and returns that item, or
    /// nil when the container is done.
    private static func advance(_ container: inout OpenContainer, buffer: inout TextBuffer) -> Value? {
        if case .map(let box) = container.shape {
            if container.valueIsNext {
                container.valueIsNext = false
                buffer.append(": ")
                let value = box.value(atSlot: container.next)
                container.next += 1
                return value
            }
            guard let slot = box.nextSlot(from: container.next) else { return nil }
            if container.printedAny { buffer.append(", ") }
            container.printedAny = true
            container.next = slot
            container.valueIsNext = true
            return box.key(atSlot: slot)
        }
        guard container.next < container.items.count else { return nil }
        let index = container.next
        container.next += 1
        switch container.shape {
        case .record(let type):
            buffer.append(index == 0 ? " " : ", ")
            buffer.append(type.fieldNames[index])
            buffer.append(": ")
        case .reference:
            break
        default:
            if index > 0 { buffer.append(", ") }
        }
        return container.items[index]
    }

    /// Prints the closing of a finished container.
    private static func close(_ container: OpenContainer, buffer: inout TextBuffer) {
        switch container.shape {
        case .list: buffer.append(byte: UInt8(ascii: "]"))
        case .tuple:
            // A one-element tuple keeps its comma, as in Rust: `(1,)`.
            if container.items.count == 1 { buffer.append(byte: UInt8(ascii: ",")) }
            buffer.append(byte: UInt8(ascii: ")"))
        case .record: buffer.append(container.items.isEmpty ? "}" : " }")
        case .variant: buffer.append(byte: UInt8(ascii: ")"))
        case .map: buffer.append(byte: UInt8(ascii: "}"))
        case .reference: break
        }
    }
}
