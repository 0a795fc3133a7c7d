// Structural equality and hashing. Both walk values with an explicit work list instead of
// recursion: a list nested 100,000 deep (easy to build in a loop) must compare and hash
// on a legion's small native stack.

import Glibc

enum Equality {
    /// `a == b` (LANGUAGE 5): structural on strings, lists, tuples, structs, enums, maps
    /// and ranges; identity on functions and channels; IEEE on floats (`NaN != NaN`).
    /// References compare their targets. Values of different types are unequal, except
    /// that comparing an int with a float, at any depth, is an error, as mixing them in
    /// arithmetic is. Maps are equal when they hold the same keys with equal values,
    /// whatever their insertion order.
    static func equal(_ a: Value, _ b: Value) throws -> Bool {
        var pending: [(Value, Value)] = []
        var x = a
        var y = b
        var referenceHops = 0
        var steps = 0
        while true {
            if !(try shallowEqual(x, y, &pending, &referenceHops)) { return false }
            if ValueLimits.walkShouldStop(&steps) { throw ValueLimits.stopped }
            guard let next = pending.popLast() else { return true }
            (x, y) = next
        }
    }

    /// Compares `x` and `y` at the top level and queues their corresponding children in
    /// `pending`. False as soon as a difference shows.
    private static func shallowEqual(_ x: Value, _ y: Value, _ pending: inout [(Value, Value)],
                                     _ referenceHops: inout Int) throws -> Bool {
        switch (x, y) {
        case (.int(let l), .int(let r)): return l == r
        case (.float(let l), .float(let r)): return l == r
        case (.bool(let l), .bool(let r)): return l == r
        case (.string(let l), .string(let r)): return l === r || Text.bytesEqual(l.value, r.value)
        case (.nil, .nil), (.unit, .unit): return true
        case (.int, .float), (.float, .int):
            throw RuntimeError("cannot compare \(x.typeName) and \(y.typeName) with `==`; convert with `as`")
        case (.reference(let l), .reference(let r)) where l === r:
            return true
        case (.reference, _), (_, .reference):
            // A reference that reaches itself through its target would loop forever.
            referenceHops += 1
            if referenceHops > 1_000_000 {
                throw RuntimeError("cannot compare values that contain themselves through a reference")
            }
            pending.append((x.dereferenced, y.dereferenced))
            return true
        case (.list(let l), .list(let r)):
            return l === r || queueItems(l.items, r.items, &pending)
        case (.tuple(let l), .tuple(let r)):
            return l === r || queueItems(l.items, r.items, &pending)
        case (.record(let l), .record(let r)):
            return l === r || (l.type === r.type && queueItems(l.fields, r.fields, &pending))
        case (.variant(let l), .variant(let r)):
            return l === r || (l.type === r.type && l.tag == r.tag && queueItems(l.payload, r.payload, &pending))
        case (.map(let l), .map(let r)):
            if l === r { return true }
            guard l.count == r.count else { return false }
            var slot = l.nextSlot(from: 0)
            while let s = slot {
                guard let other = r.value(for: MapKey(unchecked: l.key(atSlot: s))) else { return false }
                pending.append((l.value(atSlot: s), other))
                slot = l.nextSlot(from: s + 1)
            }
            return true
        case (.range(let l), .range(let r)):
            return l.lower == r.lower && l.upper == r.upper && l.inclusive == r.inclusive
        case (.function(let l), .function(let r)): return l === r
        case (.native(let l), .native(let r)): return l === r
        case (.channel(let l), .channel(let r)): return l === r
        default: return false
        }
    }

    /// Pairs up two item arrays of the same kind of aggregate. Ints and strings, the
    /// common elements, are compared on the spot rather than queued.
    private static func queueItems(_ l: [Value], _ r: [Value], _ pending: inout [(Value, Value)]) -> Bool {
        guard l.count == r.count else { return false }
        for i in l.indices {
            switch (l[i], r[i]) {
            case (.int(let a), .int(let b)): if a != b { return false }
            case (.string(let a), .string(let b)):
                if a !== b && !Text.bytesEqual(a.value, b.value) { return false }
            default: pending.append((l[i], r[i]))
            }
        }
        return true
    }

    /// Feeds `value`'s structure into `hasher`, consistently with `equal`: equal values
    /// hash alike. Only called on valid map keys (see `MapKey`), which hold no floats,
    /// functions, references or maps.
    static func hash(_ value: Value, into hasher: inout Hasher) {
        // Most keys are ints or strings: hash those without allocating a work list.
        switch value {
        case .int(let n): hasher.combine(3 as UInt8); hasher.combine(n); return
        case .string(let box): hashString(box.value, into: &hasher); return
        default: break
        }
        var pending: [Value] = [value]
        var steps = 0
        while let v = pending.popLast() {
            // An ending program never uses the hash.
            if ValueLimits.walkShouldStop(&steps) { return }
            switch v {
            case .unit: hasher.combine(0 as UInt8)
            case .nil: hasher.combine(1 as UInt8)
            case .bool(let b): hasher.combine(2 as UInt8); hasher.combine(b)
            case .int(let n): hasher.combine(3 as UInt8); hasher.combine(n)
            case .string(let box): hashString(box.value, into: &hasher)
            case .list(let box):
                hasher.combine(5 as UInt8); hasher.combine(box.items.count)
                pending.append(contentsOf: box.items)
            case .tuple(let box):
                hasher.combine(6 as UInt8); hasher.combine(box.items.count)
                pending.append(contentsOf: box.items)
            case .record(let box):
                hasher.combine(7 as UInt8); hasher.combine(ObjectIdentifier(box.type))
                pending.append(contentsOf: box.fields)
            case .variant(let box):
                hasher.combine(8 as UInt8); hasher.combine(ObjectIdentifier(box.type))
                hasher.combine(box.tag)
                pending.append(contentsOf: box.payload)
            case .range(let box):
                hasher.combine(9 as UInt8); hasher.combine(box.lower); hasher.combine(box.upper)
                hasher.combine(box.inclusive)
            case .channel(let box):
                hasher.combine(10 as UInt8); hasher.combine(ObjectIdentifier(box))
            case .float, .map, .function, .native, .reference:
                // Not valid keys; `MapKey.init` rejects them before they get here.
                hasher.combine(11 as UInt8)
            }
        }
    }
}

extension Equality {
    /// Strings hash by their bytes, like `Text.bytesEqual` compares them.
    static func hashString(_ text: String, into hasher: inout Hasher) {
        hasher.combine(4 as UInt8)
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        hasher.combine(text.utf8.count)
    }
}

/// A map key: a value that hashes and compares structurally (so `(1, "a")` finds the
/// entry put under another `(1, "a")`).
///
/// Keys may be ints, strings, bools, nil, `()`, ranges, channels (by identity), and
/// lists, tuples, structs and enums built from those. Floats cannot be keys (as in Rust:
/// `NaN != NaN` would make an entry unreachable, and `0.0 == -0.0` would merge two keys),
/// nor can maps, functions or references. A reference key is read through: `m.get(&k)`
/// looks up `k`, as Rust programmers write it.
public struct MapKey: Hashable {
    /// The key value, references already read through.
    public let value: Value

    /// The key for `value`, or an error naming what cannot be a key.
    public init(_ value: Value) throws {
        let key = value.dereferenced
        try MapKey.check(key)
        self.value = key
    }

    /// A key already known to be valid (it came out of a map).
    init(unchecked value: Value) { self.value = value }

    /// Structural equality of the keys.
    public static func == (a: MapKey, b: MapKey) -> Bool {
        // Valid keys never hold an int-float pair, so equality cannot fail here.
        (try? Equality.equal(a.value, b.value)) ?? false
    }

    /// Structural hashing, consistent with `==`.
    public func hash(into hasher: inout Hasher) { Equality.hash(value, into: &hasher) }

    private static func check(_ key: Value) throws {
        switch key {
        case .int, .string, .bool, .nil, .unit: return
        default: break
        }
        var pending: [Value] = [key]
        var isTop = true
        var steps = 0
        while let v = pending.popLast() {
            defer { isTop = false }
            if ValueLimits.walkShouldStop(&steps) { throw ValueLimits.stopped }
            switch v {
            case .unit, .nil, .bool, .int, .string, .range, .channel: continue
            case .list(let box): pending.append(contentsOf: box.items)
            case .tuple(let box): pending.append(contentsOf: box.items)
            case .record(let box): pending.append(contentsOf: box.fields)
            case .variant(let box): pending.append(contentsOf: box.payload)
            case .float, .map, .function, .native, .reference:
                let what: String
                switch v {
                case .float: what = "a float"
                case .map: what = "a map"
                case .reference: what = "a reference"
                default: what = "a function"
                }
                if isTop {
                    throw RuntimeError("cannot use \(what) as a map key; keys are ints, strings, bools, and tuples, lists, structs and enums of those")
                }
                throw RuntimeError("cannot use this \(key.typeName) as a map key: it contains \(what)")
            }
        }
    }
}
