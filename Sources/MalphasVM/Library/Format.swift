// `format(fmt, args...)` and the `{}` placeholders of `println` and `print`.
//
// Placeholders follow Rust's syntax, a subset of it:
//   {}        the display form            {:?}  {:#?}  the debug form
//   {{  }}    literal braces
//   {:N} {:<N} {:>N} {:^N} {:*^N}   minimum width N in characters, aligned left, right or
//             centred, padded with spaces or the given fill character; numbers align
//             right by default, everything else left
//   {:+}      a sign on non-negative numbers too
//   {:0N}     numbers padded with zeros after the sign
//   {:.P}     floats with exactly P decimals (ints and others ignore it)
//   {:x} {:X} {:o} {:b}   ints in hex, octal, binary (a negative int shows its 64-bit
//             two's complement, as in Rust); `#` adds the 0x/0o/0b prefix
// Positional and named placeholders (`{0}`, `{name}`) are not supported: the error says
// to use `{}`.

import Glibc

/// Formats strings from a template with `{}` placeholders.
public enum Format {
    /// `fmt` with each placeholder replaced by the next argument. A count mismatch or a
    /// malformed template is an error.
    public static func format(_ fmt: String, _ args: UnsafeBufferPointer<Value>) throws -> String {
        var buffer = TextBuffer(capacity: fmt.utf8.count + 16 * args.count)
        try write(fmt, args, to: &buffer)
        try ValueLimits.checkString(buffer.count, "`format`")
        return buffer.string
    }

    /// `format` for an array of arguments.
    public static func format(_ fmt: String, _ args: [Value]) throws -> String {
        try args.withUnsafeBufferPointer { try format(fmt, $0) }
    }

    /// The number of placeholders in `fmt`, or nil when `fmt` is not a valid template.
    public static func placeholderCount(_ fmt: String) -> Int? {
        var count = 0
        do {
            try scan(fmt) { piece in
                if case .placeholder = piece { count += 1 }
            }
        } catch {
            return nil
        }
        return count
    }

    /// Appends the formatted text to `buffer`, or throws and appends nothing.
    public static func write(_ fmt: String, _ args: UnsafeBufferPointer<Value>, to buffer: inout TextBuffer) throws {
        switch attempt(fmt, args, to: &buffer) {
        case .written: return
        case .malformed(let error): throw error
        case .mismatch(let placeholders):
            throw RuntimeError("format: \(plural(placeholders, "placeholder")) but \(plural(args.count, "argument"))")
        }
    }

    /// What `attempt` did.
    enum Attempt {
        case written
        /// The template is valid but has this many placeholders, not one per argument.
        case mismatch(placeholders: Int)
        case malformed(RuntimeError)
    }

    /// Formats into `buffer` in one pass over `fmt`; on failure the buffer is restored.
    /// `println` uses it to decide whether its first argument is a template.
    static func attempt(_ fmt: String, _ args: UnsafeBufferPointer<Value>, to buffer: inout TextBuffer) -> Attempt {
        let mark = buffer.count
        var placeholders = 0
        do {
            try scan(fmt) { piece in
                switch piece {
                case .literal(let bytes):
                    if placeholders <= args.count { buffer.bytes.append(contentsOf: bytes) }
                case .placeholder(let spec):
                    if placeholders < args.count { apply(spec, to: args[placeholders], buffer: &buffer) }
                    placeholders += 1
                }
            }
        } catch {
            buffer.bytes.removeSubrange(mark...)
            return .malformed(error as! RuntimeError)
        }
        if placeholders != args.count {
            buffer.bytes.removeSubrange(mark...)
            return .mismatch(placeholders: placeholders)
        }
        return .written
    }

    // MARK: - Templates

    struct Spec {
        enum Alignment { case left, right, center }
        var debug = false
        var fill: Unicode.Scalar = " "
        var alignment: Alignment?
        var plusSign = false
        var alternate = false
        var zeroPad = false
        var width = 0
        var precision: Int?
        /// `x`, `X`, `o`, `b`, or nil for decimal.
        var radix: UInt8?

        var isPlain: Bool {
            !debug && alignment == nil && !plusSign && !zeroPad && width == 0 && precision == nil && radix == nil
        }
    }

    enum Piece {
        case literal(Substring.UTF8View)
        case placeholder(Spec)
    }

    /// Splits `fmt` into literal runs and placeholders, in order.
    static func scan(_ fmt: String, _ visit: (Piece) throws -> Void) throws {
        let utf8 = fmt.utf8
        var literalStart = utf8.startIndex
        var i = utf8.startIndex
        while i < utf8.endIndex {
            let byte = utf8[i]
            guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") else {
                i = utf8.index(after: i)
                continue
            }
            if i > literalStart { try visit(.literal(utf8[literalStart..<i])) }
            let after = utf8.index(after: i)
            if after < utf8.endIndex && utf8[after] == byte {
                // `{{` or `}}`: one literal brace.
                try visit(.literal(utf8[i..<after]))
                i = utf8.index(after: after)
                literalStart = i
                continue
            }
            if byte == UInt8(ascii: "}") {
                throw RuntimeError("format: unmatched `}` in format string; write `}}` for a literal brace")
            }
            guard let close = utf8[after...].firstIndex(of: UInt8(ascii: "}")) else {
                throw RuntimeError("format: unmatched `{` in format string; write `{{` for a literal brace")
            }
            try visit(.placeholder(try parseSpec(fmt[after..<close])))
            i = utf8.index(after: close)
            literalStart = i
        }
        if i > literalStart { try visit(.literal(utf8[literalStart..<i])) }
    }

    /// Parses what is between the braces of a placeholder.
    private static func parseSpec(_ text: Substring) throws -> Spec {
        var spec = Spec()
        if text.isEmpty { return spec }
        func unsupported() -> RuntimeError {
            RuntimeError("format: unsupported placeholder `{\(text)}`; use `{}`, `{:?}` or a spec such as `{:>8}` or `{:.2}`")
        }
        guard text.first == ":" else { throw unsupported() }
        var rest = Array(text.unicodeScalars.dropFirst())
        func isAlign(_ c: Unicode.Scalar) -> Bool { c == "<" || c == ">" || c == "^" }
        func alignment(_ c: Unicode.Scalar) -> Spec.Alignment { c == "<" ? .left : c == ">" ? .right : .center }
        if rest.count >= 2 && isAlign(rest[1]) {
            spec.fill = rest[0]
            spec.alignment = alignment(rest[1])
            rest.removeFirst(2)
        } else if let c = rest.first, isAlign(c) {
            spec.alignment = alignment(c)
            rest.removeFirst()
        }
        if rest.first == "+" { spec.plusSign = true; rest.removeFirst() }
        if rest.first == "#" { spec.alternate = true; rest.removeFirst() }
        if rest.first == "0" { spec.zeroPad = true; rest.removeFirst() }
        func number() -> Int? {
            var n = 0
            var any = false
            while let c = rest.first, c.value >= 48 && c.value <= 57 {
                let d = Int(c.value) - 48
                guard n < 100_000 else { return nil }
                n = n * 10 + d
                any = true
                rest.removeFirst()
            }
            return any ? n : nil
        }
        if let w = number() { spec.width = w }
        if rest.first == "." {
            rest.removeFirst()
            guard let p = number() else { throw unsupported() }
            spec.precision = p
        }
        switch rest.first {
        case nil: break
        case "?": spec.debug = true; rest.removeFirst()
        case "x", "X", "o", "b": spec.radix = UInt8(rest.removeFirst().value)
        default: throw unsupported()
        }
        guard rest.isEmpty else { throw unsupported() }
        return spec
    }

    // MARK: - Rendering one argument

    private static func apply(_ spec: Spec, to argument: Value, buffer: inout TextBuffer) {
        let value = argument.dereferenced
        if spec.isPlain {
            Printer.appendDisplay(value, to: &buffer)
            return
        }
        var body = TextBuffer()
        // The sign, and for radixes the `0x` prefix: zero padding goes after it.
        var sign = ""
        var isNumber = false
        switch value {
        case .int(let n) where !spec.debug:
            isNumber = true
            if let radix = spec.radix {
                appendRadix(n, radix, to: &body)
                if spec.plusSign { sign = "+" }
                if spec.alternate {
                    sign += radix == UInt8(ascii: "o") ? "0o" : radix == UInt8(ascii: "b") ? "0b" : "0x"
                }
            } else {
                if n < 0 { sign = "-" } else if spec.plusSign { sign = "+" }
                body.append(n.magnitude.description)
            }
        case .float(let d) where !spec.debug:
            isNumber = true
            if d.sign == .minus && !d.isNaN { sign = "-" } else if spec.plusSign { sign = "+" }
            if let precision = spec.precision, d.isFinite {
                appendFixed(d.magnitude, precision: precision, to: &body)
            } else {
                Printer.appendFloat(d.isNaN ? d : d.magnitude, to: &body)
            }
        default:
            if spec.debug { Printer.appendDebug(value, to: &body) } else { Printer.appendDisplay(value, to: &body) }
        }
        let bodyText = body.string
        let length = bodyText.unicodeScalars.count + sign.utf8.count
        let padding = max(0, spec.width - length)
        if isNumber && spec.zeroPad && spec.alignment == nil {
            buffer.append(sign)
            for _ in 0..<padding { buffer.append(byte: UInt8(ascii: "0")) }
            buffer.append(bodyText)
            return
        }
        let alignment = spec.alignment ?? (isNumber ? .right : .left)
        let before: Int
        switch alignment {
        case .left: before = 0
        case .right: before = padding
        case .center: before = padding / 2
        }
        var fill = TextBuffer()
        fill.bytes.append(contentsOf: String(spec.fill).utf8)
        for _ in 0..<before { buffer.bytes.append(contentsOf: fill.bytes) }
        buffer.append(sign)
        buffer.append(bodyText)
        for _ in 0..<(padding - before) { buffer.bytes.append(contentsOf: fill.bytes) }
    }

    private static func appendRadix(_ n: Int, _ radix: UInt8, to buffer: inout TextBuffer) {
        let bits = UInt64(bitPattern: Int64(n))
        switch radix {
        case UInt8(ascii: "x"): buffer.append(String(bits, radix: 16))
        case UInt8(ascii: "X"): buffer.append(String(bits, radix: 16, uppercase: true))
        case UInt8(ascii: "o"): buffer.append(String(bits, radix: 8))
        default: buffer.append(String(bits, radix: 2))
        }
    }

    /// `d` (finite, non-negative) with exactly `precision` decimals, correctly rounded.
    private static func appendFixed(_ d: Double, precision: Int, to buffer: inout TextBuffer) {
        // 309 integer digits at most, plus the point and the decimals.
        let capacity = 320 + precision
        var bytes = [CChar](repeating: 0, count: capacity)
        let written = withVaList([Int32(precision), d]) { arguments in
            bytes.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress!, capacity, "%.*f", arguments) }
        }
        bytes.withUnsafeBufferPointer { raw in
            raw.withMemoryRebound(to: UInt8.self) {
                buffer.bytes.append(contentsOf: $0.prefix(Int(max(0, min(written, Int32(capacity - 1))))))
            }
        }
    }

    private static func plural(_ n: Int, _ noun: String) -> String {
        n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
    }
}
