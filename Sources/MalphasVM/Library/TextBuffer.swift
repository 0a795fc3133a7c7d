/// A growable UTF-8 byte buffer that the printer and `format` write into. Building text as
/// bytes lets `println(i)` in a hot loop write an int's digits straight into the output
/// buffer, without making a Swift `String` per call.
public struct TextBuffer {
    /// The UTF-8 bytes written so far.
    public var bytes: [UInt8]

    /// An empty buffer with room for `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes = []
        if capacity > 0 { bytes.reserveCapacity(capacity) }
    }

    /// The number of bytes written.
    public var count: Int { bytes.count }

    /// The bytes as a `String`. The buffer holds valid UTF-8 whenever only `append`
    /// methods wrote to it.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Removes every byte, keeping the storage.
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Appends one byte (part of a UTF-8 sequence, or ASCII).
    public mutating func append(byte: UInt8) { bytes.append(byte) }

    /// Appends the UTF-8 bytes of `text`.
    public mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Appends the UTF-8 bytes of a literal.
    public mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends the UTF-8 bytes of `text`.
    public mutating func append(_ text: Substring) { bytes.append(contentsOf: text.utf8) }

    /// Appends `n` in decimal, digit by digit, with no intermediate string.
    public mutating func append(int n: Int) {
        if n >= 0 && n < 10 {
            bytes.append(UInt8(truncatingIfNeeded: n) &+ 48)
            return
        }
        // Int.min has no positive counterpart, so work on the magnitude as unsigned.
        var magnitude = n.magnitude
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes >= 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var position = raw.count
            while magnitude > 0 {
                position -= 1
                raw[position] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 48
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[position...]))
        }
    }
}
