// Ordering for `< <= > >=`, `sort`, `min` and `max`: ints, floats, strings (by bytes), and
// lists and tuples of those, lexicographically as in Rust. Like equality, the walk uses an
// explicit stack, not recursion.

enum Ordering {
    /// Negative, zero or positive as `a` sorts before, with or after `b`; nil when they
    /// are unordered (a NaN decides the comparison). `operation` names what compared them
    /// in the error for unorderable operands, e.g. "`<`" or "`sort`".
    static func order(_ a: Value, _ b: Value, _ operation: String) throws -> Int? {
        var open: [(left: [Value], right: [Value], next: Int)] = []
        var x = a.dereferenced
        var y = b.dereferenced
        var steps = 0
        while true {
            if ValueLimits.walkShouldStop(&steps) { throw ValueLimits.stopped }
            switch (x, y) {
            case (.int(let l), .int(let r)):
                if l != r { return l < r ? -1 : 1 }
            case (.float(let l), .float(let r)):
                if l.isNaN || r.isNaN { return nil }
                if l != r { return l < r ? -1 : 1 }
            case (.string(let l), .string(let r)):
                if l !== r {
                    let c = Text.compareBytes(l.value, r.value)
                    if c != 0 { return c < 0 ? -1 : 1 }
                }
            case (.list(let l), .list(let r)):
                if l !== r { open.append((l.items, r.items, 0)) }
            case (.tuple(let l), .tuple(let r)):
                if l !== r { open.append((l.items, r.items, 0)) }
            default:
                throw unorderable(x, y, operation)
            }
            // The pair was equal: move to the next pair of the innermost open sequences.
            var advanced = false
            while let top = open.last {
                if top.next < top.left.count && top.next < top.right.count {
                    x = top.left[top.next].dereferenced
                    y = top.right[top.next].dereferenced
                    open[open.count - 1].next += 1
                    advanced = true
                    break
                }
                // One ran out: the shorter sorts first.
                let difference = top.left.count - top.right.count
                open.removeLast()
                if difference != 0 { return difference < 0 ? -1 : 1 }
            }
            if !advanced { return 0 }
        }
    }

    static func unorderable(_ x: Value, _ y: Value, _ operation: String) -> RuntimeError {
        switch (x, y) {
        case (.int, .float), (.float, .int):
            return RuntimeError("cannot compare \(x.typeName) and \(y.typeName) with \(operation); convert with `as`")
        default:
            return RuntimeError("cannot compare \(x.typeName) and \(y.typeName) with \(operation); ordering works on ints, floats, strings, and lists and tuples of them")
        }
    }
}
