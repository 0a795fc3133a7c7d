// A small deterministic random source for the pipeline fuzzers: the same seed gives the
// same programs on every machine, so a failure reproduces from its seed alone.

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast, and good enough to pick mutations.
public struct FuzzRandom {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of case `index` of `category` under `seed`: each case draws from its
    /// own stream, so one case can be rerun alone (`MALPHAS_FUZZ_CASE`).
    public init(seed: UInt64, category: String, index: Int) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in category.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        state = seed ^ h ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n` (n > 0).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }

    /// A number in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
