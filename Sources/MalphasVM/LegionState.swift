// The whole state of one legion as the VM sees it: its VM stack (a contiguous register
// file), its frames, and what it is waiting for. When the VM returns from `run` at a
// safe point or a blocking operation, everything needed to resume is in here: nothing
// lives on the native stack between two `run` calls, so a legion can resume on any
// worker thread (DESIGN 3.2, stackless parking).
//
// Ownership: a legion is touched by one thread at a time: the worker running it, or the
// party that completes its blocked operation (which writes `completion` and then readies
// it; the scheduler's hand-off orders the two).

/// Why a legion stopped running without finishing, with what a scheduler needs to park
/// it: the channels it is queued on (its waiters are already in their queues; the
/// counterpart readies it), or the time to wake it.
public enum BlockReason {
    case send(ChannelBox)
    case receive(ChannelBox)
    /// Queued on each of these channels, one waiter per case, sharing one wait group.
    case select([ChannelBox])
    case sleep(untilMs: Int64)
}

/// The outcome of running a legion until it stops.
public enum StepOutcome {
    /// The legion's first function returned this value.
    case finished(Value)
    /// The legion stopped at a safe point and wants to run again.
    case yielded
    /// The legion is parked until another legion (or a timer) readies it.
    case blocked(BlockReason)
    /// A runtime error or panic ended the legion (and so the program).
    case failed(RuntimeFailure)
}

/// A runtime error with where it happened: the message, the legion and its trace.
public struct RuntimeFailure: Error {
    public var error: RuntimeError
    public var legionID: Int
    /// Innermost first: (function name, file, line).
    public var trace: [(function: String, file: String, line: Int)]
    /// True for a stack overflow (traces are shortened in the report either way).
    public var isStackOverflow = false
}

/// How a blocked channel operation was completed by its counterpart.
enum Completion {
    case received(Value)
    /// Receive found the channel closed and drained: the value is nil.
    case receivedClosed
    case sent
    /// The channel was closed while the sender waited.
    case sendClosed
    case selected(caseIndex: Int, value: Value)
    case selectedSendClosed(caseIndex: Int)
    case timerFired
}

public final class LegionState {
    public let id: Int
    /// The VM stack. Every slot in `0..<stackCapacity` is initialised; every slot above
    /// the top frame's registers holds nil (returns clear what they leave behind), so a
    /// new frame starts with nil registers and a dead register never keeps a value alive.
    var stack: UnsafeMutablePointer<Value>
    var stackCapacity: Int
    var frames: UnsafeMutablePointer<Frame>
    var frameCount = 0
    var frameCapacity: Int
    /// Cells receiving `&mut self` write-backs of methods called through references.
    var writeBackCells: [ReferenceBox] = []
    /// Set by the counterpart of a blocked operation before readying the legion; the
    /// re-executed instruction consumes it.
    var completion: Completion?
    /// What the legion waits for while blocked (for deadlock reports): the pc of the
    /// blocking instruction in the top frame.
    var blockedAtPC = 0
    var blockedReason: BlockReason?
    /// Keeps the legion's first closure alive (its frame refers to it unretained).
    var rootClosure: ClosureBox?
    /// Counters for `--stats`.
    public internal(set) var stackGrowths = 0
    public internal(set) var stackShrinks = 0

    static let initialStackCapacity = 32
    static let initialFrameCapacity = 8

    public init(id: Int) {
        self.id = id
        stackCapacity = LegionState.initialStackCapacity
        stack = .allocate(capacity: stackCapacity)
        stack.initialize(repeating: .nil, count: stackCapacity)
        frameCapacity = LegionState.initialFrameCapacity
        frames = .allocate(capacity: frameCapacity)
    }

    deinit {
        stack.deinitialize(count: stackCapacity)
        stack.deallocate()
        frames.deinitialize(count: frameCount)
        frames.deallocate()
    }

    /// The stack index just past the top frame's registers.
    var stackTop: Int {
        guard frameCount > 0 else { return 0 }
        let f = frames[frameCount - 1]
        return f.base + f.code.takeUnretainedValue().registerCount
    }

    /// Makes room for `needed` slots, doubling and moving only the active part (everything
    /// above it is nil and is simply re-created).
    func growStack(toHold needed: Int) {
        var capacity = stackCapacity
        while capacity < needed { capacity *= 2 }
        let active = min(stackTop, stackCapacity)
        let newStack = UnsafeMutablePointer<Value>.allocate(capacity: capacity)
        newStack.moveInitialize(from: stack, count: active)
        (newStack + active).initialize(repeating: .nil, count: capacity - active)
        stack.advanced(by: active).deinitialize(count: stackCapacity - active)
        stack.deallocate()
        stack = newStack
        stackCapacity = capacity
        stackGrowths += 1
    }

    /// Halves the stack while the active part uses under a quarter of it.
    func shrinkStackIfMostlyUnused() {
        let active = stackTop
        var capacity = stackCapacity
        while capacity > LegionState.initialStackCapacity && active < capacity / 4 { capacity /= 2 }
        guard capacity < stackCapacity else { return }
        let newStack = UnsafeMutablePointer<Value>.allocate(capacity: capacity)
        newStack.moveInitialize(from: stack, count: active)
        (newStack + active).initialize(repeating: .nil, count: capacity - active)
        stack.advanced(by: active).deinitialize(count: stackCapacity - active)
        stack.deallocate()
        stack = newStack
        stackCapacity = capacity
        stackShrinks += 1
    }

    /// The stack index below which a return shrinks the stack (a quarter of the capacity
    /// once it has grown; -1 while it is at its initial size).
    var shrinkThreshold: Int {
        stackCapacity > LegionState.initialStackCapacity ? stackCapacity / 4 : -1
    }

    func growFrames(limit: Int) {
        let capacity = max(frameCount + 1, min(frameCapacity * 2, limit))
        let newFrames = UnsafeMutablePointer<Frame>.allocate(capacity: capacity)
        newFrames.moveInitialize(from: frames, count: frameCount)
        frames.deallocate()
        frames = newFrames
        frameCapacity = capacity
    }

    func shrinkFramesIfMostlyUnused() {
        guard frameCapacity > LegionState.initialFrameCapacity * 4, frameCount < frameCapacity / 8 else { return }
        let capacity = max(LegionState.initialFrameCapacity, frameCapacity / 4)
        let newFrames = UnsafeMutablePointer<Frame>.allocate(capacity: capacity)
        newFrames.moveInitialize(from: frames, count: frameCount)
        frames.deallocate()
        frames = newFrames
        frameCapacity = capacity
    }

    /// Sets the legion up to call `closure` with `args` (copied: legions share nothing).
    func start(_ closure: ClosureBox, args: [Value]) {
        rootClosure = closure
        let code = closure.code
        let needed = 1 + max(code.registerCount, args.count) + 1
        if needed > stackCapacity { growStack(toHold: needed) }
        stack[0] = .function(closure)
        for (i, a) in args.enumerated() { stack[1 + i] = a }
        frames.initialize(to: Frame(code: Unmanaged.passUnretained(code), closure: Unmanaged.passUnretained(closure),
                                    pc: 0, base: 1, resultSlot: 0, flags: []))
        frameCount = 1
    }

    /// Frees the registers of every frame (after the legion finished or failed).
    func clear() {
        for i in 0..<stackCapacity { stack[i] = .nil }
        frames.deinitialize(count: frameCount)
        frameCount = 0
        writeBackCells = []
        rootClosure = nil
    }
}
