// Channels: the one shared, reference-typed value (LANGUAGE 6), safe to use from legions
// running on several worker threads at once.
//
// A channel has a FIFO buffer of `capacity` values (0: unbuffered) and two queues of
// waiting legions. An operation that cannot complete at once queues a `Waiter` and the
// legion parks; the counterpart that later completes it writes the outcome into the
// waiting legion's `completion` and readies it, so a parked sender's value goes straight
// to the receiver (DESIGN 4: hand-off, no retry race).
//
// Locking (Go's hchan.lock): every field below is guarded by the channel's `lock`, an
// atomic word (malphas_sync.h). A legion that must wait queues itself while holding the
// lock and keeps it until the runtime's park commit releases it, after the legion has
// left its native stack, so a counterpart can never ready a legion that is still queueing
// itself and no wakeup is lost. A `select` takes the locks of all its channels in one
// global order (by address, as selectgo does), so two selects cannot deadlock.
//
// Claiming: a waiter is completed by whoever claims it first. Each legion has a park
// word (`LegionState.claimWord`): an even value 2*s means "parked in park number s,
// unclaimed"; claiming is one CAS to 2*s+1. A plain send or receive is in one queue only;
// a `select` queues one waiter per case, each carrying the same park number, so exactly
// one counterpart wins, whatever locks the others hold. Waiters that lost are skipped
// when found (and compacted away so a `select` in a loop does not grow a queue).

import CMalphasSync
import MalphasCompiler

/// A legion waiting on one channel for one operation (or one case of a `select`).
///
/// Lifetimes: a plain send or receive queues one waiter, and its legion stays parked until
/// a counterpart claims that waiter (taking it out of the queue) and readies it: no other
/// ready reaches a legion parked on a channel, and an ended test or an aborted program
/// leaves it parked. So the waiter need not keep its legion alive, and holds it unretained
/// (no reference counting on the channel paths). A `select`'s waiters that lost stay
/// queued after their legion has moved on, perhaps to its end, and are read when found
/// (`isLive`): those keep their legion alive through `keepAlive`.
struct Waiter {
    let legion: Unmanaged<LegionState>
    /// The legion, retained, for a `select`'s waiters only (nil for a plain operation).
    let keepAlive: LegionState?
    /// The park number (`LegionState.parkMask`: 48 bits) above the `select` case index
    /// plus one (16 bits; 0 for a plain send or receive), in one word: a waiter is 40
    /// bytes, not 48, and a million parked legions each have one in a queue.
    private let parkAndCase: UInt64
    /// The value a waiting sender offers.
    var value: Value

    /// The most cases a `select` may have: its case index, plus one, fits in 16 bits. The
    /// compiler cannot exceed it (each case takes at least one of a function's 65,535
    /// registers); the VM checks it anyway, so a larger table is a runtime error, never
    /// a wrong case.
    static let maxSelectCases = 0xFFFF

    /// A plain send's or receive's waiter.
    init(legion: LegionState, park: UInt64, value: Value = .nil) {
        self.legion = Unmanaged.passUnretained(legion)
        keepAlive = nil
        parkAndCase = park << 16
        self.value = value
    }

    /// The waiter of case `caseIndex` (below `maxSelectCases`) of a `select`.
    init(legion: LegionState, park: UInt64, caseIndex: Int, value: Value = .nil) {
        self.legion = Unmanaged.passUnretained(legion)
        keepAlive = legion
        parkAndCase = park << 16 | UInt64(truncatingIfNeeded: caseIndex + 1) & 0xFFFF
        self.value = value
    }

    /// The legion's park number when it queued this waiter (see the claim protocol above).
    var park: UInt64 { parkAndCase >> 16 }

    /// The `select` case this waiter stands for; -1 for a plain send or receive.
    var caseIndex: Int32 { Int32(truncatingIfNeeded: parkAndCase & 0xFFFF) - 1 }

    /// True while the legion is still parked in the park this waiter belongs to.
    var isLive: Bool { legion._withUnsafeGuaranteedRef { $0.isParked(in: park) } }

    /// Takes the waiter: true for the one caller that completes it.
    func claim() -> Bool { legion._withUnsafeGuaranteedRef { $0.claim(park: park) } }

    /// Completes the claimed waiter's operation: what the legion finds when it runs again.
    func complete(_ plain: Completion, inSelect selected: @autoclosure () -> Completion) {
        let c = caseIndex < 0 ? plain : selected()
        legion._withUnsafeGuaranteedRef { $0.completion = c }
    }
}

/// A FIFO queue in a chain of chunks, whose removed slots let go of what they held at
/// once. It owns its storage (not an Array), so taking and queueing never check for a
/// shared buffer. Chunks double from 4 slots up to `largestChunk`; a chunk the front
/// has passed is freed at once, so a queue takes memory for what it holds, not for the
/// most it ever held: a million legions that waited on one channel and moved on to
/// another hand the first queue's chunks to the second one's (through malloc) instead of
/// needing both queues' peak sizes at once. A queue that empties keeps its last chunk.
struct ChunkQueue<Element>: ~Copyable {
    /// A chunk: the next chunk's address and this chunk's slot count, then the slots.
    private typealias Chunk = UnsafeMutableRawPointer

    private static var headerBytes: Int {
        max(2 * MemoryLayout<Int>.stride, MemoryLayout<Element>.alignment)
    }
    private static var largestChunk: Int { 512 }

    /// The chunk holding the front, and the front's slot in it.
    private var headChunk: Chunk?
    private var headSlot = 0
    /// The chunk holding the back (the last of the chain), and its first free slot.
    private var tailChunk: Chunk?
    private var tailSlot = 0
    private(set) var count = 0

    init() {}

    deinit {
        var chunk = headChunk, slot = headSlot, left = count
        while let c = chunk {
            let end = Swift.min(ChunkQueue.capacity(of: c), slot + left)
            if end > slot { ChunkQueue.slot(slot, of: c).deinitialize(count: end - slot) }
            left -= end - slot
            slot = 0
            chunk = ChunkQueue.next(of: c)
            c.deallocate()
        }
    }

    var isEmpty: Bool { count == 0 }

    private static func next(of chunk: Chunk) -> Chunk? {
        chunk.load(as: Chunk?.self)
    }

    private static func capacity(of chunk: Chunk) -> Int {
        chunk.load(fromByteOffset: MemoryLayout<Int>.stride, as: Int.self)
    }

    private static func slot(_ i: Int, of chunk: Chunk) -> UnsafeMutablePointer<Element> {
        (chunk + headerBytes).assumingMemoryBound(to: Element.self) + i
    }

    private static func makeChunk(capacity: Int) -> Chunk {
        let chunk = Chunk.allocate(byteCount: headerBytes + capacity * MemoryLayout<Element>.stride,
                                   alignment: max(MemoryLayout<Int>.alignment, MemoryLayout<Element>.alignment))
        chunk.storeBytes(of: nil, as: Chunk?.self)
        chunk.storeBytes(of: capacity, toByteOffset: MemoryLayout<Int>.stride, as: Int.self)
        (chunk + headerBytes).bindMemory(to: Element.self, capacity: capacity)
        return chunk
    }

    mutating func append(_ e: Element) {
        guard let tail = tailChunk else {
            let chunk = ChunkQueue.makeChunk(capacity: 4)
            headChunk = chunk
            tailChunk = chunk
            ChunkQueue.slot(0, of: chunk).initialize(to: e)
            tailSlot = 1
            count = 1
            return
        }
        if _slowPath(tailSlot == ChunkQueue.capacity(of: tail)) {
            let chunk = ChunkQueue.makeChunk(capacity: Swift.min(2 * ChunkQueue.capacity(of: tail), ChunkQueue.largestChunk))
            tail.storeBytes(of: chunk, as: Chunk?.self)
            tailChunk = chunk
            tailSlot = 0
        }
        ChunkQueue.slot(tailSlot, of: tailChunk.unsafelyUnwrapped).initialize(to: e)
        tailSlot += 1
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let head = headChunk.unsafelyUnwrapped
        let e = ChunkQueue.slot(headSlot, of: head).move()
        headSlot += 1
        count -= 1
        if count == 0 {
            // Empty: start again at the front of the one chunk left.
            headSlot = 0
            tailSlot = 0
        } else if headSlot == ChunkQueue.capacity(of: head) {
            headChunk = ChunkQueue.next(of: head)
            headSlot = 0
            head.deallocate()
        }
        return e
    }

    var first: Element? { count > 0 ? ChunkQueue.slot(headSlot, of: headChunk.unsafelyUnwrapped).pointee : nil }

    /// Keeps only the elements satisfying `keep`, in order.
    mutating func retain(where keep: (Element) -> Bool) {
        for _ in 0..<count {
            let e = popFirst().unsafelyUnwrapped
            if keep(e) { append(e) }
        }
    }
}

public final class ChannelBox {
    /// Buffer capacity; 0 means unbuffered (a send waits for a receiver).
    public let capacity: Int
    /// The lock word guarding everything below (0 free, 1 held, 2 held with waiters).
    let lock: UnsafeMutablePointer<UInt32>
    var buffer = ChunkQueue<Value>()
    private(set) var closed = false
    var receivers = ChunkQueue<Waiter>()
    var senders = ChunkQueue<Waiter>()
    /// Queue lengths after the last compaction; a queue twice as long is compacted.
    private var compactedReceivers = 0
    private var compactedSenders = 0

    public init(capacity: Int) {
        self.capacity = capacity
        lock = .allocate(capacity: 1)
        lock.initialize(to: 0)
    }

    deinit {
        // Channels sent on channels, 100,000 deep, are released by a loop (Library/Release.swift).
        if !buffer.isEmpty {
            var items = takeBuffered()
            Value.releaseIteratively(&items)
        }
        lock.deallocate()
    }

    /// Empties the buffer (for releasing; no other holder may use the channel).
    func takeBuffered() -> [Value] {
        var items: [Value] = []
        while let v = buffer.popFirst() { items.append(v) }
        return items
    }

    /// Values buffered now (`ch.len()`).
    public var count: Int {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return buffer.count
    }

    public var isClosed: Bool {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return closed
    }

    func acquire() { mal_lock(lock) }
    func release() { mal_unlock(lock) }

    enum SendAttempt { case done, closed, wouldBlock }
    enum ReceiveAttempt { case value(Value), closed, wouldBlock }

    /// The first waiter of `queue` that can still be claimed; claims it. Lock held.
    private static func claimFirst(_ queue: inout ChunkQueue<Waiter>) -> Waiter? {
        while let w = queue.popFirst() {
            if w.claim() { return w }
        }
        return nil
    }

    /// Drops lost waiters from the front. Lock held.
    private static func hasLiveWaiter(_ queue: inout ChunkQueue<Waiter>) -> Bool {
        while let w = queue.first {
            if w.isLive { return true }
            _ = queue.popFirst()
        }
        return false
    }

    /// True when a send would complete now (or fail because the channel is closed). Lock held.
    func canSend() -> Bool {
        closed || ChannelBox.hasLiveWaiter(&receivers) || buffer.count < capacity
    }

    /// True when a receive would complete now (with a value, or nil once closed). Lock held.
    func canReceive() -> Bool {
        buffer.count > 0 || ChannelBox.hasLiveWaiter(&senders) || closed
    }

    /// Sends if it can complete now. A receiver it hands the value to is claimed and its
    /// completion set; it is returned in `wake` to be readied once the lock is released
    /// (unretained: it stays parked, so alive, until that ready). Lock held.
    func trySend(_ value: Value, wake: inout Unmanaged<LegionState>?) -> SendAttempt {
        if closed { return .closed }
        if let r = ChannelBox.claimFirst(&receivers) {
            r.complete(.received(value), inSelect: .selected(caseIndex: Int(r.caseIndex), value: value))
            wake = r.legion
            return .done
        }
        if buffer.count < capacity {
            buffer.append(value)
            return .done
        }
        return .wouldBlock
    }

    /// Receives if it can complete now; a sender it completes comes back in `wake`.
    /// Lock held.
    func tryReceive(wake: inout Unmanaged<LegionState>?) -> ReceiveAttempt {
        if let v = buffer.popFirst() {
            // A parked sender's value takes the freed buffer place.
            if let s = ChannelBox.claimFirst(&senders) {
                buffer.append(s.value)
                s.complete(.sent, inSelect: .selected(caseIndex: Int(s.caseIndex), value: .nil))
                wake = s.legion
            }
            return .value(v)
        }
        if let s = ChannelBox.claimFirst(&senders) {
            s.complete(.sent, inSelect: .selected(caseIndex: Int(s.caseIndex), value: .nil))
            wake = s.legion
            return .value(s.value)
        }
        return closed ? .closed : .wouldBlock
    }

    /// Queues a waiting receiver. Lock held.
    func enqueueReceiver(_ w: Waiter) {
        if receivers.count >= 2 * compactedReceivers + 16 {
            receivers.retain { $0.isLive }
            compactedReceivers = receivers.count
        }
        receivers.append(w)
    }

    /// Queues a waiting sender. Lock held.
    func enqueueSender(_ w: Waiter) {
        if senders.count >= 2 * compactedSenders + 16 {
            senders.retain { $0.isLive }
            compactedSenders = senders.count
        }
        senders.append(w)
    }

    /// Closes the channel: parked receivers get nil, parked senders an error. Takes the
    /// lock itself; readies the legions it completed after releasing it.
    func close(runtime: LegionRuntime) throws {
        var woken: [Unmanaged<LegionState>] = []
        mal_lock(lock)
        if closed {
            mal_unlock(lock)
            throw RuntimeError("close of a closed channel")
        }
        closed = true
        while let r = ChannelBox.claimFirst(&receivers) {
            r.complete(.receivedClosed, inSelect: .selected(caseIndex: Int(r.caseIndex), value: .nil))
            woken.append(r.legion)
        }
        while let s = ChannelBox.claimFirst(&senders) {
            s.complete(.sendClosed, inSelect: .selectedSendClosed(caseIndex: Int(s.caseIndex)))
            woken.append(s.legion)
        }
        mal_unlock(lock)
        for l in woken { runtime.ready(l) }
    }
}
