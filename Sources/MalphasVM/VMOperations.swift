// The dispatch loop's out-of-line work: member access through inline caches, method
// resolution, in-place mutation of aggregates (copy-on-write), ranges and iteration.

import CMalphasSync
import MalphasCompiler

extension VM {
    // MARK: - Arithmetic that is not worth inlining

    @inline(__always)
    static func divide(_ a: Value, _ b: Value) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b, y != 0 {
            let (r, o) = x.dividedReportingOverflow(by: y)
            if !o { return .int(r) }
        }
        return try Operators.divide(a, b)
    }

    @inline(__always)
    static func remainder(_ a: Value, _ b: Value) throws -> Value {
        if case .int(let x) = a, case .int(let y) = b, y != 0 {
            let (r, o) = x.remainderReportingOverflow(dividingBy: y)
            if !o { return .int(r) }
        }
        return try Operators.remainder(a, b)
    }

    // MARK: - Inline caches

    /// The payload of a method cache entry saying "no user method: use the builtin".
    static let builtinMethodMark = 0xFFFF_FFFF

    /// A cache word: the type id in the high half, the payload in the low half.
    @inline(__always)
    static func cacheWord(typeID: Int, payload: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: typeID)) << 32 | UInt64(UInt32(truncatingIfNeeded: payload))
    }

    private func fieldIndex(_ type: StructType, site: Int, in current: Unmanaged<CodeObject>) throws -> Int {
        let cache = current._withUnsafeGuaranteedRef { $0.caches + site }
        let word = mal_load_relaxed_u64(cache)
        if word >> 32 == UInt64(type.typeID) { return Int(truncatingIfNeeded: word & 0xFFFF_FFFF) }
        let name = current._withUnsafeGuaranteedRef { $0.proto.sites[site].name }
        guard let index = type.fieldIndex[name] else {
            throw RuntimeError("struct `\(type.name)` has no field named `\(name)`")
        }
        mal_store_relaxed_u64(cache, VM.cacheWord(typeID: type.typeID, payload: index))
        return index
    }

    private func noField(_ v: Value, site: Int, in current: Unmanaged<CodeObject>) -> RuntimeError {
        let name = current._withUnsafeGuaranteedRef { $0.proto.sites[site].name }
        return RuntimeError("no field `\(name)` on a value of type \(v.typeName)")
    }

    func getField(_ v: Value, site: Int, in current: Unmanaged<CodeObject>) throws -> Value {
        switch v {
        case .record(let box):
            return box.fields[try fieldIndex(box.type, site: site, in: current)]
        case .reference(let cell):
            return try getField(cell.value, site: site, in: current)
        default:
            throw noField(v, site: site, in: current)
        }
    }

    /// `slot.field = value`, copying the struct first only if another holder shares it.
    func setField(_ slot: UnsafeMutablePointer<Value>, site: Int, value: Value, in current: Unmanaged<CodeObject>) throws {
        // `if case` (not `switch`): a switch may keep a second copy of the subject alive,
        // and the uniqueness test would then always fail and copy.
        if case .record(var box) = slot.pointee {
            let i = try fieldIndex(box.type, site: site, in: current)
            slot.pointee = .nil
            if !isKnownUniquelyReferenced(&box) { box = RecordBox(type: box.type, fields: box.fields) }
            box.fields[i] = value
            slot.pointee = .record(box)
        } else if case .reference(let cell) = slot.pointee {
            var target = cell.value
            cell.value = .nil
            defer { cell.value = target }
            try setField(&target, site: site, value: value, in: current)
        } else {
            throw noField(slot.pointee, site: site, in: current)
        }
    }

    /// Moves a field's value out of the (made unique) struct in `slot`.
    func takeField(_ slot: UnsafeMutablePointer<Value>, site: Int, in current: Unmanaged<CodeObject>) throws -> Value {
        if case .record(var box) = slot.pointee {
            let i = try fieldIndex(box.type, site: site, in: current)
            slot.pointee = .nil
            if !isKnownUniquelyReferenced(&box) { box = RecordBox(type: box.type, fields: box.fields) }
            let v = box.fields[i]
            box.fields[i] = .nil
            slot.pointee = .record(box)
            return v
        } else if case .reference(let cell) = slot.pointee {
            var target = cell.value
            cell.value = .nil
            defer { cell.value = target }
            return try takeField(&target, site: site, in: current)
        } else {
            throw noField(slot.pointee, site: site, in: current)
        }
    }

    static func tupleField(_ v: Value, _ i: Int) throws -> Value {
        switch v {
        case .tuple(let box):
            guard i < box.items.count else { throw RuntimeError("tuple index \(i) out of range for a tuple of \(box.items.count) items") }
            return box.items[i]
        case .reference(let cell):
            return try tupleField(cell.value, i)
        default:
            throw RuntimeError("no field `\(i)` on a value of type \(v.typeName)")
        }
    }

    static func setTupleField(_ slot: UnsafeMutablePointer<Value>, _ i: Int, value: Value) throws {
        if case .tuple(var box) = slot.pointee {
            guard i < box.items.count else { throw RuntimeError("tuple index \(i) out of range for a tuple of \(box.items.count) items") }
            slot.pointee = .nil
            if !isKnownUniquelyReferenced(&box) { box = TupleBox(box.items) }
            box.items[i] = value
            slot.pointee = .tuple(box)
        } else if case .reference(let cell) = slot.pointee {
            var target = cell.value
            cell.value = .nil
            defer { cell.value = target }
            try setTupleField(&target, i, value: value)
        } else {
            throw RuntimeError("no field `\(i)` on a value of type \(slot.pointee.typeName)")
        }
    }

    static func takeTupleField(_ slot: UnsafeMutablePointer<Value>, _ i: Int) throws -> Value {
        if case .tuple(var box) = slot.pointee {
            guard i < box.items.count else { throw RuntimeError("tuple index \(i) out of range for a tuple of \(box.items.count) items") }
            slot.pointee = .nil
            if !isKnownUniquelyReferenced(&box) { box = TupleBox(box.items) }
            let v = box.items[i]
            box.items[i] = .nil
            slot.pointee = .tuple(box)
            return v
        } else if case .reference(let cell) = slot.pointee {
            var target = cell.value
            cell.value = .nil
            defer { cell.value = target }
            return try takeTupleField(&target, i)
        } else {
            throw RuntimeError("no field `\(i)` on a value of type \(slot.pointee.typeName)")
        }
    }

    /// Moves an element out of the (made unique) list or map in `slot`, for a nested
    /// mutation such as `grid[i][j] = x` or `v[i].push(x)`.
    static func takeIndex(_ slot: UnsafeMutablePointer<Value>, _ index: Value) throws -> Value {
        if case .list(var box) = slot.pointee, case .int(let i) = index.dereferenced, i >= 0 && i < box.items.count {
            slot.pointee = .nil
            if !isKnownUniquelyReferenced(&box) { box = ListBox(box.items) }
            let v = box.items[i]
            box.items[i] = .nil
            slot.pointee = .list(box)
            return v
        }
        if case .map = slot.pointee {
            // Read the value (an error if the key is missing), then drop the map's copy so the
            // element is uniquely held while it is mutated; it is put back by `setIndex`.
            let v = try Operators.index(slot.pointee, index)
            try Operators.setIndex(&slot.pointee, index, .nil)
            return v
        }
        if case .reference(let cell) = slot.pointee {
            var target = cell.value
            cell.value = .nil
            defer { cell.value = target }
            return try takeIndex(&target, index)
        }
        return try Operators.index(slot.pointee, index)
    }

    // MARK: - Methods

    enum MethodTarget {
        /// A user method (function index); `cell` is set when the receiver came through a reference.
        case user(Int, cell: ReferenceBox?)
        case builtin(BuiltinMethod)
        /// A prelude function run in place of a builtin method (list `map`, `filter`).
        case prelude(Int)
    }

    /// Finds what `receiver.name(...)` calls: a method of the receiver's type (through the
    /// site's inline cache), else the builtin method of that name.
    func resolveMethod(_ receiver: UnsafeMutablePointer<Value>, site: Int, in current: Unmanaged<CodeObject>) throws -> MethodTarget {
        var cell: ReferenceBox?
        var value = receiver.pointee
        if case .reference(let c) = value {
            cell = c
            value = c.value.dereferenced
        }
        let typeID = VM.typeID(of: value)
        let cache = current._withUnsafeGuaranteedRef { $0.caches + site }
        let word = mal_load_relaxed_u64(cache)
        let siteInfo = current._withUnsafeGuaranteedRef { $0.proto.sites[site] }
        if word != 0 && word >> 32 == UInt64(typeID) {
            let payload = Int(truncatingIfNeeded: word & 0xFFFF_FFFF)
            if payload != VM.builtinMethodMark { return .user(payload, cell: cell) }
        } else if typeID > 0, typeID - 1 < program.methodTables.count, let fn = program.methodTables[typeID - 1][siteInfo.name] {
            mal_store_relaxed_u64(cache, VM.cacheWord(typeID: typeID, payload: fn))
            return .user(fn, cell: cell)
        } else if typeID > 0 {
            // Remember that this type has no user method of the name: the builtin runs.
            mal_store_relaxed_u64(cache, VM.cacheWord(typeID: typeID, payload: VM.builtinMethodMark))
        }
        if let method = siteInfo.builtin {
            if method.takesFunction, case .list = value {
                if method == .map, let fn = program.preludeMap { return .prelude(fn) }
                if method == .filter, let fn = program.preludeFilter { return .prelude(fn) }
            }
            return .builtin(method)
        }
        throw RuntimeError("no method named `\(siteInfo.name)` on a value of type \(value.typeName)")
    }

    /// The type id inline caches key on: user types have their own; builtin kinds
    /// `kind.rawValue + 1`.
    static func typeID(of v: Value) -> Int {
        switch v {
        case .record(let box): return box.type.typeID
        case .variant(let box): return box.type.typeID
        case .int: return BuiltinTypeKind.int.rawValue + 1
        case .float: return BuiltinTypeKind.float.rawValue + 1
        case .bool: return BuiltinTypeKind.bool.rawValue + 1
        case .string: return BuiltinTypeKind.string.rawValue + 1
        case .list: return BuiltinTypeKind.list.rawValue + 1
        case .map: return BuiltinTypeKind.map.rawValue + 1
        case .tuple: return BuiltinTypeKind.tuple.rawValue + 1
        case .function, .native: return BuiltinTypeKind.function.rawValue + 1
        case .channel: return BuiltinTypeKind.channel.rawValue + 1
        case .unit: return BuiltinTypeKind.unit.rawValue + 1
        case .nil: return BuiltinTypeKind.nil.rawValue + 1
        case .reference, .range: return 0
        }
    }

    // MARK: - Ranges and iteration

    static func makeRange(_ lo: Value, _ hi: Value, flags: Int) throws -> Value {
        func bound(_ v: Value, present: Bool) throws -> Int? {
            guard present else { return nil }
            guard case .int(let i) = v.dereferenced else {
                throw RuntimeError("range bounds must be ints, got \(v.typeName)")
            }
            return i
        }
        return .range(RangeBox(lower: try bound(lo, present: flags & 2 == 0), upper: try bound(hi, present: flags & 4 == 0),
                               inclusive: flags & 1 != 0))
    }

    /// Checks a counting loop's bounds and makes the upper one exclusive.
    static func prepareRange(_ r: UnsafeMutablePointer<Value>, inclusive: Bool) throws {
        guard case .int = r[0].dereferenced, case .int(let hi) = r[1].dereferenced else {
            throw RuntimeError("`for` over a range needs int bounds, got \(r[0].typeName) and \(r[1].typeName)")
        }
        r[0] = r[0].dereferenced
        if inclusive {
            guard hi < Int.max else { throw RuntimeError("the range ..=\(hi) is too large to iterate") }
            r[1] = .int(hi + 1)
        } else {
            r[1] = .int(hi)
        }
    }

    enum IterationStep {
        case item
        case done
        case block(BlockReason)
    }

    /// Advances a `for` loop over a collection: `r[0]` the collection, `r[1]` the position,
    /// `r[2]` receives the item. Lists give their items, maps `(key, value)` tuples,
    /// strings their characters (as one-character strings), ranges their ints, channels
    /// what they receive until closed and drained.
    func iterate(_ r: UnsafeMutablePointer<Value>, legion: LegionState) throws -> IterationStep {
        // A channel first, unretained (the register holds it): `for v in ch` is a receive loop.
        if let ch = VM.unretainedChannel(in: r) { return try iterate(ch, into: r + 2, legion: legion) }
        guard case .int(let position) = r[1] else { throw VM.internalError("iterNext") }
        switch r[0] {
        case .list(let box):
            guard position < box.items.count else { return .done }
            r[2] = box.items[position]
            r[1] = .int(position + 1)
            return .item
        case .map(let box):
            guard let slot = box.nextSlot(from: position) else { return .done }
            r[2] = .tuple(TupleBox([box.key(atSlot: slot), box.value(atSlot: slot)]))
            r[1] = .int(slot + 1)
            return .item
        case .string(let box):
            let utf8 = box.value.utf8
            guard position < utf8.count else { return .done }
            let start = utf8.index(utf8.startIndex, offsetBy: position)
            var end = utf8.index(after: start)
            while end < utf8.endIndex && (utf8[end] & 0xC0) == 0x80 { end = utf8.index(after: end) }
            r[2] = .string(StringBox(String(decoding: utf8[start..<end], as: UTF8.self)))
            r[1] = .int(utf8.distance(from: utf8.startIndex, to: end))
            return .item
        case .range(let range):
            guard let lower = range.lower else { throw RuntimeError("cannot iterate over a range without a lower bound") }
            let (i, o) = lower.addingReportingOverflow(position)
            if o { return .done }
            if let upper = range.upper {
                if range.inclusive ? i > upper : i >= upper { return .done }
            }
            r[2] = .int(i)
            r[1] = .int(position + 1)
            return .item
        case .tuple(let box):
            guard position < box.items.count else { return .done }
            r[2] = box.items[position]
            r[1] = .int(position + 1)
            return .item
        default:
            throw RuntimeError("cannot iterate over a value of type \(r[0].typeName)")
        }
    }

    /// The next item of `for v in ch` into `item`: what it receives, until the channel is
    /// closed and drained.
    private func iterate(_ channel: Unmanaged<ChannelBox>, into item: UnsafeMutablePointer<Value>,
                         legion: LegionState) throws -> IterationStep {
        switch try receiveStep(channel, legion: legion) {
        case .received(let v):
            item.pointee = v
            return .item
        case .closed:
            return .done
        case .block(let reason):
            return .block(reason)
        }
    }
}
