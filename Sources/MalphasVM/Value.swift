import MalphasCompiler

/// A Malphas value. Scalars are unboxed; every aggregate is one reference to a box, so a
/// `Value` is 9 bytes (16 with padding) and copying one is a retain, never a deep copy.
///
/// Value semantics come from copy-on-write: a box is shared freely between copies and is
/// duplicated only when someone mutates it while another holder still sees it. To mutate
/// in place, take the value out of its slot first (so the slot no longer holds a
/// reference), check `isKnownUniquelyReferenced`, mutate, and store it back; otherwise the
/// slot's own reference makes every box look shared.
///
/// Legions share nothing: a value sent on a channel or captured by `spawn` is the same
/// immutable-until-copied box, and Swift's reference counts are atomic, so two legions on
/// two workers may hold one box; the first to mutate copies it. Cells, the one thing
/// mutable in place, are copied on the way (`copiedForLegion`, LegionCopy.swift).
public enum Value {
    /// `()`, the value of a block without a tail and of a function without `return`.
    case unit
    case `nil`
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(StringBox)
    /// Arrays, slices and `Vec[T]` are one growable list type.
    case list(ListBox)
    /// `HashMap[K, V]`, iterated in insertion order.
    case map(MapBox)
    case tuple(TupleBox)
    case record(RecordBox)
    case variant(VariantBox)
    /// A closure or a named function (a closure without captures).
    case function(ClosureBox)
    /// A builtin used as a value (`let p = println;`).
    case native(NativeFunctionBox)
    /// Channels are the one reference type: every holder sees the same channel.
    case channel(ChannelBox)
    /// `&x` / `&mut x`: a reference to a variable of the same legion.
    case reference(ReferenceBox)
    /// `a..b` used as a value (`let r = 0..10;`).
    case range(RangeBox)
}

/// Immutable UTF-8 text.
public final class StringBox {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public final class ListBox {
    public var items: [Value]
    public init(_ items: [Value]) { self.items = items }
    // Nested values are released by a loop, not by native recursion (Library/Release.swift).
    deinit { if !items.isEmpty { Value.releaseIteratively(&items) } }
}

public final class TupleBox {
    public var items: [Value]
    public init(_ items: [Value]) { self.items = items }
    deinit { if !items.isEmpty { Value.releaseIteratively(&items) } }
}

/// A struct instance: its type (for the name, field names and methods) and its fields in
/// declaration order.
public final class RecordBox {
    public let type: StructType
    public var fields: [Value]
    public init(type: StructType, fields: [Value]) { self.type = type; self.fields = fields }
    deinit { if !fields.isEmpty { Value.releaseIteratively(&fields) } }
}

/// An enum value: its type, which variant, and the variant's payload.
public final class VariantBox {
    public let type: EnumType
    public let tag: Int
    public var payload: [Value]
    public init(type: EnumType, tag: Int, payload: [Value]) { self.type = type; self.tag = tag; self.payload = payload }
    deinit { if !payload.isEmpty { Value.releaseIteratively(&payload) } }
}

/// `lower..upper` or `lower..=upper` as a value. Bounds are ints.
public final class RangeBox {
    public let lower: Int?
    public let upper: Int?
    public let inclusive: Bool
    public init(lower: Int?, upper: Int?, inclusive: Bool) { self.lower = lower; self.upper = upper; self.inclusive = inclusive }
}

/// A mutable cell that a reference points at. A variable whose address is taken with
/// `&`/`&mut` (or that a closure captures) lives in one of these instead of its slot.
public final class ReferenceBox {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    // A chain of cells (and closures and channels) is released by a loop (Library/Release.swift).
    deinit {
        if value.nestsIndirectly {
            var items = [value]
            value = .nil
            Value.releaseIteratively(&items)
        }
    }
}

/// The run-time description of a struct type: its name, its fields in declaration order,
/// and its methods (filled in by the VM when it loads the program).
public final class StructType {
    public let name: String
    public let fieldNames: [String]
    public let fieldIndex: [String: Int]
    /// Methods by name, trait methods (defaults included) among them.
    public var methods: [String: ClosureBox] = [:]
    /// A small number identifying the type in the VM's inline caches (set at load time).
    public internal(set) var typeID = 0
    public init(name: String, fieldNames: [String]) {
        self.name = name
        self.fieldNames = fieldNames
        var index: [String: Int] = [:]
        for (i, f) in fieldNames.enumerated() { index[f] = i }
        self.fieldIndex = index
    }
}

/// The run-time description of an enum type: its name and its variants with their arity.
public final class EnumType {
    public let name: String
    public let variantNames: [String]
    public let variantArity: [Int]
    public var methods: [String: ClosureBox] = [:]
    /// A small number identifying the type in the VM's inline caches (set at load time).
    public internal(set) var typeID = 0
    public init(name: String, variantNames: [String], variantArity: [Int]) {
        self.name = name
        self.variantNames = variantNames
        self.variantArity = variantArity
    }
}
