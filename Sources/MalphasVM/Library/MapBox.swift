/// The storage of a `HashMap[K, V]`: entries in insertion order plus a hash index from
/// key to slot. Like the other aggregate boxes it is copy-on-write: mutate only a box you
/// hold uniquely (`isKnownUniquelyReferenced`), otherwise copy it with `init(copying:)`.
///
/// Removal leaves a hole (a dead slot) so that removing stays O(1) and the order of the
/// others is kept; when holes outnumber live entries the slots are compacted. Iterate
/// with `nextSlot(from:)`:
///
///     var slot = map.nextSlot(from: 0)
///     while let s = slot { use(map.key(atSlot: s), map.value(atSlot: s)); slot = map.nextSlot(from: s + 1) }
///
/// Slots stay valid while the box is not mutated; a `for (k, v) in m` loop iterates its
/// own copy of the map value, so a loop body that changes `m` changes a different box.
public final class MapBox {
    struct Entry {
        var key: Value
        var value: Value
        var isLive: Bool
    }

    var entries: ContiguousArray<Entry>
    private var index: [MapKey: Int]

    /// The number of entries (live keys).
    public private(set) var count: Int

    /// An empty map.
    public init() {
        entries = []
        index = [:]
        count = 0
    }

    /// An empty map with room for `capacity` entries.
    public init(capacity: Int) {
        entries = []
        entries.reserveCapacity(capacity)
        index = Dictionary(minimumCapacity: capacity)
        count = 0
    }

    /// A copy of `other`, for copy-on-write. Holes are squeezed out on the way.
    public init(copying other: MapBox) {
        if other.count == other.entries.count {
            entries = other.entries
            index = other.index
        } else {
            entries = []
            index = [:]
            entries.reserveCapacity(other.count)
            index.reserveCapacity(other.count)
            for entry in other.entries where entry.isLive {
                index[MapKey(unchecked: entry.key)] = entries.count
                entries.append(entry)
            }
        }
        count = other.count
    }

    /// One past the last slot: iteration visits slots `0..<slotCount`, skipping holes.
    public var slotCount: Int { entries.count }

    /// The first live slot at or after `slot`, or nil when none is left.
    public func nextSlot(from slot: Int) -> Int? {
        var s = slot
        while s < entries.count {
            if entries[s].isLive { return s }
            s += 1
        }
        return nil
    }

    /// The key in a live `slot`.
    public func key(atSlot slot: Int) -> Value { entries[slot].key }

    /// The value in a live `slot`.
    public func value(atSlot slot: Int) -> Value { entries[slot].value }

    /// The value stored under `key`, or nil.
    public func value(for key: MapKey) -> Value? {
        guard let slot = index[key] else { return nil }
        return entries[slot].value
    }

    /// True when `key` has an entry.
    public func contains(_ key: MapKey) -> Bool { index[key] != nil }

    /// Stores `value` under `key`: an existing key keeps its place in the order and gets
    /// the new value, a new key goes last. Returns the value it replaced, if any.
    @discardableResult
    public func put(_ key: MapKey, _ value: Value) -> Value? {
        if let slot = index[key] {
            let old = entries[slot].value
            entries[slot].value = value
            return old
        }
        index[key] = entries.count
        entries.append(Entry(key: key.value, value: value, isLive: true))
        count += 1
        return nil
    }

    /// Removes `key`'s entry and returns its value, or nil when there was none.
    @discardableResult
    public func remove(_ key: MapKey) -> Value? {
        guard let slot = index.removeValue(forKey: key) else { return nil }
        let old = entries[slot].value
        // Drop the key and value now so the hole holds no references.
        entries[slot] = Entry(key: .unit, value: .unit, isLive: false)
        count -= 1
        if count == 0 {
            entries.removeAll(keepingCapacity: true)
        } else if entries.count > 16 && entries.count > 2 * count {
            compact()
        }
        return old
    }

    /// Removes every entry.
    public func removeAll() {
        entries.removeAll()
        index.removeAll()
        count = 0
    }

    /// The keys in insertion order.
    public var keys: [Value] {
        var result: [Value] = []
        result.reserveCapacity(count)
        for entry in entries where entry.isLive { result.append(entry.key) }
        return result
    }

    /// The values in insertion order.
    public var values: [Value] {
        var result: [Value] = []
        result.reserveCapacity(count)
        for entry in entries where entry.isLive { result.append(entry.value) }
        return result
    }

    /// Moves the live entries to the front, in order, and renumbers the index.
    private func compact() {
        var kept = ContiguousArray<Entry>()
        kept.reserveCapacity(count)
        for entry in entries where entry.isLive {
            index[MapKey(unchecked: entry.key)] = kept.count
            kept.append(entry)
        }
        entries = kept
    }

    /// Hands the entries to `Value.releaseIteratively` so nested values are released by
    /// a loop, not by native recursion.
    deinit {
        if count > 0 {
            var items = takeAll()
            Value.releaseIteratively(&items)
        }
    }
}
