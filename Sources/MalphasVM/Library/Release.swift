// Releasing deeply nested values without deep native recursion.
//
// When the last reference to a box goes, Swift releases its items, which releases their
// boxes, and so on: one native frame per level of nesting. A list nested 100,000 deep,
// which a loop builds in a blink, would overflow a legion's native stack on the way out.
// So every aggregate box's `deinit` hands its items to `releaseIteratively`, which
// empties uniquely held child boxes into a work list before they die: each box then dies
// with nothing left in it, and the nesting is unwound by a loop. Closures (through the
// cells of their captures), cells and channels (through their buffers) nest too: a
// closure that captures the previous closure, 100,000 times over, is a chain as deep.

extension Value {
    /// True for the boxes that can hold other values and so can nest.
    var canNest: Bool {
        switch self {
        case .list, .tuple, .record, .variant, .map, .function, .reference, .channel: return true
        default: return false
        }
    }

    /// True for the boxes whose own `deinit` does not unwind what they hold (closures,
    /// cells, channels): a box that holds one of these releases through the work list.
    var nestsIndirectly: Bool {
        switch self {
        case .function, .reference, .channel: return true
        default: return false
        }
    }

    /// Releases `items` (leaving it empty), unwinding nested aggregates with a loop. Called
    /// from the aggregate boxes' `deinit`.
    static func releaseIteratively(_ items: inout [Value]) {
        var pending: [Value] = []
        for item in items where item.canNest { pending.append(item) }
        items = []
        while var value = pending.popLast() {
            var children: [Value] = []
            // `if case` binds the box without keeping a second copy of `value` alive (a
            // `switch` may), so after `value = .unit` the uniqueness test sees only the
            // references of other holders.
            if case .list(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                swap(&children, &box.items)
            } else if case .tuple(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                swap(&children, &box.items)
            } else if case .record(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                swap(&children, &box.fields)
            } else if case .variant(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                swap(&children, &box.payload)
            } else if case .map(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                children = box.takeAll()
            } else if case .function(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                children = box.upvalues.map { .reference($0) }
                box.upvalues = []
            } else if case .reference(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                children = [box.value]
                box.value = .nil
            } else if case .channel(var box) = value {
                value = .unit
                guard isKnownUniquelyReferenced(&box) else { continue }
                children = box.takeBuffered()
            } else {
                continue
            }
            for child in children where child.canNest { pending.append(child) }
        }
    }
}

extension MapBox {
    /// Empties the map and returns its keys and values, for `releaseIteratively`.
    func takeAll() -> [Value] {
        var items: [Value] = []
        items.reserveCapacity(count * 2)
        for entry in entries where entry.isLive {
            items.append(entry.key)
            items.append(entry.value)
        }
        removeAll()
        return items
    }
}
