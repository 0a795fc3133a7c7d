// Malphas strings are UTF-8 byte strings (LANGUAGE 5): lengths and offsets count bytes,
// and equality and ordering compare bytes. Swift's `String` compares by Unicode canonical
// equivalence instead (a precomposed "é" equals "e" plus a combining accent), so string
// operations of the library go through these byte-level helpers, never through `==`,
// `<` or `firstRange(of:)` on `String`.

import Glibc

enum Text {
    /// True when `a` and `b` hold the same bytes.
    static func bytesEqual(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
    }

    /// Byte-wise ordering (which is code point order): negative, zero or positive.
    static func compareBytes(_ a: String, _ b: String) -> Int {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0 {
                    let c = memcmp(x.baseAddress!, y.baseAddress!, common)
                    if c != 0 { return Int(c) }
                }
                return x.count - y.count
            }
        }
    }

    /// The byte offset of the first occurrence of `needle` in `haystack` at or after
    /// `start`, or nil. An empty needle is found at `start`.
    static func find(_ needle: String, in haystack: String, from start: Int = 0) -> Int? {
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                if n.count == 0 { return start <= h.count ? start : nil }
                guard start < h.count, h.count - start >= n.count else { return nil }
                // memchr to the next candidate first byte, memcmp the rest: fast for the
                // short needles programs search for. (memmem needs _GNU_SOURCE.)
                let base = h.baseAddress!
                let first = Int32(n[0])
                var at = start
                let last = h.count - n.count
                while at <= last {
                    guard let hit = memchr(base + at, first, last - at + 1) else { return nil }
                    at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    if n.count == 1 || memcmp(base + at + 1, n.baseAddress! + 1, n.count - 1) == 0 { return at }
                    at += 1
                }
                return nil
            }
        }
    }

    /// True when byte `offset` starts a character (or is the end): the byte there is not
    /// a UTF-8 continuation byte.
    static func isCharBoundary(_ s: String, _ offset: Int) -> Bool {
        let utf8 = s.utf8
        if offset == 0 || offset == utf8.count { return true }
        guard offset > 0 && offset < utf8.count else { return false }
        return utf8[utf8.index(utf8.startIndex, offsetBy: offset)] & 0xC0 != 0x80
    }

    /// The text between two byte offsets, which must be character boundaries.
    static func bytes(_ s: String, _ lower: Int, _ upper: Int) -> String {
        let utf8 = s.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: lower)
        let to = utf8.index(from, offsetBy: upper - lower)
        return String(s[from..<to])
    }

    /// `s` split at every occurrence of `separator`; an empty separator splits between
    /// characters, as Rust's `split("")` yields each character (without its empty ends).
    static func split(_ s: String, by separator: String) -> [String] {
        if separator.utf8.isEmpty { return s.unicodeScalars.map { String($0) } }
        var parts: [String] = []
        var start = 0
        let step = separator.utf8.count
        while let found = find(separator, in: s, from: start) {
            parts.append(bytes(s, start, found))
            start = found + step
        }
        parts.append(bytes(s, start, s.utf8.count))
        return parts
    }

    /// `s` with every occurrence of `pattern` replaced by `replacement`, left to right
    /// without overlaps. An empty pattern inserts `replacement` around every character,
    /// as in Rust.
    /// The length in bytes of `replace(s, pattern, with: replacement)`, without building it.
    static func replacedLength(_ s: String, _ pattern: String, with replacement: String) -> Int {
        let n = s.utf8.count, r = replacement.utf8.count
        guard r > pattern.utf8.count else { return n }
        var matches = 0
        if pattern.utf8.isEmpty {
            matches = s.unicodeScalars.count + 1
        } else {
            var from = 0
            while let found = find(pattern, in: s, from: from) { matches += 1; from = found + pattern.utf8.count }
        }
        let (grown, overflow) = matches.multipliedReportingOverflow(by: r - pattern.utf8.count)
        return overflow ? Int.max : n + grown
    }

    static func replace(_ s: String, _ pattern: String, with replacement: String) -> String {
        if pattern.utf8.isEmpty {
            var result = replacement
            for scalar in s.unicodeScalars {
                result.unicodeScalars.append(scalar)
                result += replacement
            }
            return result
        }
        guard var found = find(pattern, in: s) else { return s }
        var result = ""
        result.reserveCapacity(s.utf8.count)
        var start = 0
        let step = pattern.utf8.count
        while true {
            result += bytes(s, start, found)
            result += replacement
            start = found + step
            guard let next = find(pattern, in: s, from: start) else { break }
            found = next
        }
        result += bytes(s, start, s.utf8.count)
        return result
    }

    /// `s` without leading and/or trailing Unicode white space.
    static func trim(_ s: String, leading: Bool, trailing: Bool) -> String {
        let scalars = s.unicodeScalars
        var from = scalars.startIndex
        var to = scalars.endIndex
        if leading {
            while from < to && scalars[from].properties.isWhitespace { from = scalars.index(after: from) }
        }
        if trailing {
            while to > from {
                let before = scalars.index(before: to)
                guard scalars[before].properties.isWhitespace else { break }
                to = before
            }
        }
        return String(scalars[from..<to])
    }

    /// The pieces of `s` between runs of Unicode white space, without empty pieces.
    static func splitWhitespace(_ s: String) -> [String] {
        s.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map { String($0) }
    }

    /// The lines of `s`, without their `\n` or `\r\n`; a final newline does not start
    /// another line (Rust's `lines`).
    static func lines(_ s: String) -> [String] {
        if s.isEmpty { return [] }
        var parts = split(s, by: "\n")
        if parts.last == "" { parts.removeLast() }
        return parts.map { $0.utf8.last == UInt8(ascii: "\r") ? String($0.dropLast()) : $0 }
    }
}
