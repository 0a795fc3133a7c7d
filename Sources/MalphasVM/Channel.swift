// Channels: the one shared, reference-typed value (LANGUAGE 6).
//
// A channel has a FIFO buffer of `capacity` values (0: unbuffered) and two queues of
// waiting legions. An operation that cannot complete at once queues a `Waiter` and the
// legion parks; the counterpart that later completes it writes the outcome into the
// waiting legion's `completion` and readies it, so a parked sender's value goes straight
// to the receiver (DESIGN 4: hand-off, no retry race). A `select` queues one waiter per
// case, all sharing one `WaitGroup`; the first counterpart to claim the group wins and
// the other waiters are dropped lazily when found.
//
// Thread safety: in this cooperative build every channel operation runs on the one
// scheduler thread between two legion steps. When legions run on the C runtime's worker
// threads, each channel takes its own lock around these operations (the waiter protocol
// stays the same: claim the group, set completion, then ready).

import MalphasCompiler

/// Claimed by the first counterpart that completes a blocked operation.
final class WaitGroup {
    var done = false
}

/// A legion waiting on one channel for one operation (or one case of a `select`).
final class Waiter {
    let legion: LegionState
    let group: WaitGroup
    /// The `select` case this waiter stands for; -1 for a plain send or receive.
    let caseIndex: Int
    /// The value a waiting sender offers.
    var value: Value

    init(legion: LegionState, group: WaitGroup, caseIndex: Int, value: Value = .nil) {
        self.legion = legion
        self.group = group
        self.caseIndex = caseIndex
        self.value = value
    }
}

/// A FIFO queue with amortised O(1) removal at the front.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func append(_ e: Element) { items.append(e) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let e = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return e
    }

    var first: Element? { head < items.count ? items[head] : nil }

    mutating func removeAll(where predicate: (Element) -> Bool) {
        items = Array(items[head...].filter { !predicate($0) })
        head = 0
    }

    var all: ArraySlice<Element> { items[head...] }
}

public final class ChannelBox {
    /// Buffer capacity; 0 means unbuffered (a send waits for a receiver).
    public let capacity: Int
    var buffer = FIFO<Value>()
    public private(set) var isClosed = false
    var receivers = FIFO<Waiter>()
    var senders = FIFO<Waiter>()

    /// Values buffered now (`ch.len()`).
    public var count: Int { buffer.count }

    public init(capacity: Int) { self.capacity = capacity }

    enum SendAttempt { case done, closed, wouldBlock }
    enum ReceiveAttempt { case value(Value), closed, wouldBlock }

    /// The first waiter whose group is still unclaimed; claims it.
    private static func claim(_ queue: inout FIFO<Waiter>) -> Waiter? {
        while let w = queue.popFirst() {
            if !w.group.done {
                w.group.done = true
                return w
            }
        }
        return nil
    }

    private static func hasLiveWaiter(_ queue: inout FIFO<Waiter>) -> Bool {
        while let w = queue.first {
            if !w.group.done { return true }
            _ = queue.popFirst()
        }
        return false
    }

    /// True when a send would complete now (or fail because the channel is closed).
    func canSend() -> Bool {
        isClosed || ChannelBox.hasLiveWaiter(&receivers) || buffer.count < capacity
    }

    /// True when a receive would complete now (with a value, or nil once closed).
    func canReceive() -> Bool {
        buffer.count > 0 || ChannelBox.hasLiveWaiter(&senders) || isClosed
    }

    func trySend(_ value: Value, scheduler: CooperativeScheduler) -> SendAttempt {
        if isClosed { return .closed }
        if let r = ChannelBox.claim(&receivers) {
            r.legion.completion = r.caseIndex < 0 ? .received(value) : .selected(caseIndex: r.caseIndex, value: value)
            scheduler.ready(r.legion)
            return .done
        }
        if buffer.count < capacity {
            buffer.append(value)
            return .done
        }
        return .wouldBlock
    }

    func tryReceive(scheduler: CooperativeScheduler) -> ReceiveAttempt {
        if let v = buffer.popFirst() {
            // A parked sender's value takes the freed buffer place.
            if let s = ChannelBox.claim(&senders) {
                buffer.append(s.value)
                s.value = .nil
                complete(sender: s, scheduler: scheduler)
            }
            return .value(v)
        }
        if let s = ChannelBox.claim(&senders) {
            let v = s.value
            s.value = .nil
            complete(sender: s, scheduler: scheduler)
            return .value(v)
        }
        return isClosed ? .closed : .wouldBlock
    }

    private func complete(sender s: Waiter, scheduler: CooperativeScheduler) {
        s.legion.completion = s.caseIndex < 0 ? .sent : .selected(caseIndex: s.caseIndex, value: .nil)
        scheduler.ready(s.legion)
    }

    func enqueueReceiver(_ w: Waiter) { receivers.append(w) }
    func enqueueSender(_ w: Waiter) { senders.append(w) }

    /// Closes the channel: parked receivers get nil, parked senders an error.
    func close(scheduler: CooperativeScheduler) throws {
        if isClosed { throw RuntimeError("close of a closed channel") }
        isClosed = true
        while let r = ChannelBox.claim(&receivers) {
            r.legion.completion = r.caseIndex < 0 ? .receivedClosed : .selected(caseIndex: r.caseIndex, value: .nil)
            scheduler.ready(r.legion)
        }
        while let s = ChannelBox.claim(&senders) {
            s.legion.completion = s.caseIndex < 0 ? .sendClosed : .selectedSendClosed(caseIndex: s.caseIndex)
            scheduler.ready(s.legion)
        }
    }
}
