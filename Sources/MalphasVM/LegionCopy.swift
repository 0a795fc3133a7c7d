// The copy of a value that another legion receives (LANGUAGE 6: legions share nothing).
//
// Copy-on-write already makes an aggregate safe to hand over as it is: the box is
// immutable until copied, and reference counts are atomic. What copy-on-write does not
// cover are the cells (`ReferenceBox`): the variables a closure captured and the targets
// of `&x`. A cell is mutable in place, so a closure or a reference that reached another
// legion with its cells would let two legions write one variable at once, a data race on
// interpreter memory. So every cell reachable from the value, through closures' upvalues,
// references and aggregates at any depth, is copied, and the closures holding them too:
//
// - One memo (original object -> its copy) per transfer keeps the shape: a closure that
//   captures itself, or two closures sharing a counter, still do so in the copy (they
//   share it with each other, not with the sender); cycles end there.
// - Aggregates are entered only to find closures and cells; a box is rebuilt only if
//   something inside it changed, so a list of a million ints is scanned and handed over
//   as the same box. Past `memoizeAfter` scanned items, aggregate boxes are memoized too,
//   so a structure that shares boxes (a DAG of lists) costs its size, not its paths.
// - The walk is a loop over an explicit stack, so any depth fits a legion's native stack.
// - A scalar, a string, a channel, a function without captures: one switch, no work.
//
// The copy is made by the legion that owns the value (the sender or the spawner) while it
// runs, so nothing changes under it.

extension Value {
    /// The value as another legion gets it: a spawn argument, the spawned closure, a global
    /// slot at spawn, a value sent on a channel (see the top of the file).
    @inline(__always)
    var copiedForLegion: Value {
        switch self {
        case .unit, .nil, .bool, .int, .float, .string, .native, .channel, .range:
            return self
        default:
            var copier = LegionCopier()
            return copier.copy(self)
        }
    }
}

/// Copies values for another legion, with one memo: values copied with the same copier
/// (a spawn's closure, arguments and global slots) keep the cells they share shared.
struct LegionCopier {
    /// Original closure, cell or (past `memoizeAfter`) aggregate box -> its copy. The
    /// originals stay alive for the whole copy (the values being copied hold them), so an
    /// identifier cannot be reused meanwhile.
    private var memo: [ObjectIdentifier: Value] = [:]
    /// Items scanned so far, to decide when aggregates start being memoized.
    private var scanned = 0
    static let memoizeAfter = 4096

    /// An object being copied: its children (aggregate items, map values, a closure's
    /// cells as references, a cell's value) are visited in order.
    private enum Kind {
        case list(ListBox)
        case tuple(TupleBox)
        case record(RecordBox)
        case variant(VariantBox)
        case map(MapBox)
        /// The copy exists from the start (and is in the memo), so a cycle back to the
        /// original finds it; its cells are filled in when the walk is done.
        case closure(copy: ClosureBox)
        case cell(copy: ReferenceBox)
    }

    private struct Frame {
        let kind: Kind
        /// The original of what is being copied (the memo key for aggregates).
        let original: Value
        /// The children; the first replaced one makes this array its own copy.
        var items: [Value]
        var index = 0
        var changed = false
        init(_ kind: Kind, _ original: Value, _ items: [Value]) {
            self.kind = kind
            self.original = original
            self.items = items
        }
    }

    private enum Visit {
        /// The child is handed over as it is.
        case same
        /// The child's copy, already known (memo).
        case copied(Value)
        /// The child must be walked.
        case enter(Frame)
    }

    /// The copy of `value`.
    mutating func copy(_ value: Value) -> Value { copyNotingChange(value).copy }

    /// The copy of `value`, and false when it is `value` itself.
    mutating func copyNotingChange(_ value: Value) -> (copy: Value, changed: Bool) {
        var current: Frame
        switch visit(value) {
        case .same: return (value, false)
        case .copied(let v): return (v, true)
        case .enter(let f): current = f
        }
        // The frames above `current`, outermost first (empty, so not allocated, while
        // the walk stays in the value's top box).
        var stack: [Frame] = []
        while true {
            // Skip the run of items with nothing inside (a list of ints is this loop).
            let start = current.index
            current.index = current.items.withUnsafeBufferPointer { items in
                var i = start
                while i < items.count && items[i].isLeafForLegion { i += 1 }
                return i
            }
            if current.index < current.items.count {
                switch visit(current.items[current.index]) {
                case .same:
                    current.index += 1
                case .copied(let v):
                    current.items[current.index] = v
                    current.changed = true
                    current.index += 1
                case .enter(let f):
                    stack.append(current)
                    current = f
                }
                continue
            }
            let (result, changed) = finish(current)
            guard var parent = stack.popLast() else { return (result, changed) }
            if changed {
                parent.items[parent.index] = result
                parent.changed = true
            }
            parent.index += 1
            current = parent
        }
    }

    private mutating func visit(_ v: Value) -> Visit {
        switch v {
        case .unit, .nil, .bool, .int, .float, .string, .native, .channel, .range:
            return .same
        case .list(let box):
            return aggregate(.list(box), v, box, box.items)
        case .tuple(let box):
            return aggregate(.tuple(box), v, box, box.items)
        case .record(let box):
            return aggregate(.record(box), v, box, box.fields)
        case .variant(let box):
            return aggregate(.variant(box), v, box, box.payload)
        case .map(let box):
            // Keys hold no closures or cells (MapKey); look at the values without
            // collecting them unless one of them may need a copy.
            var plain = true
            for entry in box.entries where entry.isLive && !entry.value.isPlainForLegion {
                plain = false
                break
            }
            if plain {
                scanned += box.entries.count
                return .same
            }
            return aggregate(.map(box), v, box, box.values)
        case .function(let closure):
            if closure.upvalues.isEmpty { return .same }
            let id = ObjectIdentifier(closure)
            if let known = memo[id] { return .copied(known) }
            let copy = ClosureBox(code: closure.code, upvalues: [])
            memo[id] = .function(copy)
            return .enter(Frame(.closure(copy: copy), v, closure.upvalues.map { .reference($0) }))
        case .reference(let cell):
            let id = ObjectIdentifier(cell)
            if let known = memo[id] { return .copied(known) }
            let copy = ReferenceBox(.nil)
            memo[id] = .reference(copy)
            return .enter(Frame(.cell(copy: copy), v, [cell.value]))
        }
    }

    private mutating func aggregate(_ kind: Kind, _ v: Value, _ box: AnyObject, _ items: [Value]) -> Visit {
        if items.isEmpty { return .same }
        if scanned > LegionCopier.memoizeAfter, let known = memo[ObjectIdentifier(box)] {
            return known.isSameAggregate(as: v) ? .same : .copied(known)
        }
        scanned += items.count
        return .enter(Frame(kind, v, items))
    }

    /// The copy of a walked object, and whether it differs from the original.
    private mutating func finish(_ f: Frame) -> (Value, Bool) {
        let result: Value
        let id: ObjectIdentifier
        switch f.kind {
        case .closure(let copy):
            // Every item was a cell and is now its copy.
            copy.upvalues = f.items.compactMap { item in
                if case .reference(let cell) = item { return cell }
                return nil
            }
            return (.function(copy), true)
        case .cell(let copy):
            copy.value = f.items[0]
            return (.reference(copy), true)
        case .list(let box):
            id = ObjectIdentifier(box)
            result = f.changed ? .list(ListBox(f.items)) : f.original
        case .tuple(let box):
            id = ObjectIdentifier(box)
            result = f.changed ? .tuple(TupleBox(f.items)) : f.original
        case .record(let box):
            id = ObjectIdentifier(box)
            result = f.changed ? .record(RecordBox(type: box.type, fields: f.items)) : f.original
        case .variant(let box):
            id = ObjectIdentifier(box)
            result = f.changed ? .variant(VariantBox(type: box.type, tag: box.tag, payload: f.items)) : f.original
        case .map(let box):
            id = ObjectIdentifier(box)
            if f.changed {
                let copy = MapBox(copying: box)
                for (key, value) in zip(box.keys, f.items) { copy.put(MapKey(unchecked: key), value) }
                result = .map(copy)
            } else {
                result = f.original
            }
        }
        if scanned > LegionCopier.memoizeAfter { memo[id] = result }
        return (result, f.changed)
    }
}

extension Value {
    /// True for the values that hold no other value and no cell: scalars, strings,
    /// channels, builtins and ranges (looked at without retaining anything).
    @inline(__always)
    var isLeafForLegion: Bool {
        switch self {
        case .unit, .nil, .bool, .int, .float, .string, .native, .channel, .range: return true
        default: return false
        }
    }

    /// True for the values `copiedForLegion` hands over without looking inside.
    var isPlainForLegion: Bool {
        switch self {
        case .unit, .nil, .bool, .int, .float, .string, .native, .channel, .range: return true
        case .function(let closure): return closure.upvalues.isEmpty
        default: return false
        }
    }

    /// True when both are the same aggregate box.
    fileprivate func isSameAggregate(as other: Value) -> Bool {
        switch (self, other) {
        case (.list(let a), .list(let b)): return a === b
        case (.tuple(let a), .tuple(let b)): return a === b
        case (.record(let a), .record(let b)): return a === b
        case (.variant(let a), .variant(let b)): return a === b
        case (.map(let a), .map(let b)): return a === b
        default: return false
        }
    }
}
