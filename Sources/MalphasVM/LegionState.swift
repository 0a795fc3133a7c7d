// The whole state of one legion as the VM sees it: its VM stack (a contiguous register
// file), its frames, and what it is waiting for. When the VM returns from `run` at a
// safe point or a blocking operation, everything needed to resume is in here: nothing
// lives on the native stack between two `run` calls, so a legion can resume on any
// worker thread (DESIGN 3.2, stackless parking).
//
// Ownership: a legion is touched by one thread at a time: the worker running its step,
// or the counterpart that claims its blocked operation (which writes `completion` under
// the channel's lock and then readies it; the runtime's ready/run hand-off orders the
// two). `claimWord` is the one field several threads touch at once (atomics only), and
// the registry links belong to the registry's lock.
//
// Size: a million legions may be alive at once (all parked, or all spawned before any
// ends), so a legion is one object and one heap block holding its first frame and its
// VM stack, the stack at exactly what its first function needs; they grow (each into an
// allocation of its own) when a call needs more.

import CMalphasSync
import Synchronization

/// Why a legion stopped running without finishing. For a channel operation its waiters
/// are already queued and it still holds the channel lock(s) (`heldChannel(s)`), which
/// the park commit releases; the counterpart readies it.
public enum BlockReason {
    case send
    case receive
    case select
    /// Until this time of the runtime's clock (`lg_clock_ns`: monotonic, or virtual under a seed).
    case sleep(untilNs: UInt64)
    /// On a descriptor of std::net (NetNatives.swift); nothing is held. Indirect: the
    /// wait is 32 bytes, and every legion pays for the largest payload of this enum.
    indirect case io(IOWait)
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
    /// The legion parked on a descriptor has been woken (ready, closed or timed out): the
    /// builtin runs again and asks the poller which (`lg_poll_unpark`). Indirect, as
    /// `BlockReason.io` is, to keep every legion small.
    indirect case ioWoken(IOWait)
}

public final class LegionState {
    /// The legion's number as Malphas shows it (`legion_id()`, reports): main is 1, the
    /// others count up in spawn order.
    public let id: Int
    /// The VM stack. Every slot in `0..<stackCapacity` is initialised; every slot above
    /// the top frame's registers holds nil or a stale scalar (returns release the
    /// references they leave behind), so a dead register never keeps a value alive.
    var stack: UnsafeMutablePointer<Value>
    /// Slots in `stack`: 32-bit (at most `Frame.maxStackIndex`), stored in the padding
    /// after `inBlock`.
    var stackCapacity: Int {
        @inline(__always) get { Int(stackCapacity32) }
        set { stackCapacity32 = Int32(truncatingIfNeeded: newValue) }
    }
    var frames: UnsafeMutablePointer<Frame>
    /// Frames in use and room for them, 32-bit (side by side in one word of the object):
    /// the VM never goes deeper than `VM.maxDepth`, which is at most `Int32.max`.
    private var frameCount32: Int32 = 0
    private var frameCapacity32: Int32
    var frameCount: Int {
        @inline(__always) get { Int(frameCount32) }
        @inline(__always) set { frameCount32 = Int32(truncatingIfNeeded: newValue) }
    }
    var frameCapacity: Int {
        @inline(__always) get { Int(frameCapacity32) }
        set { frameCapacity32 = Int32(truncatingIfNeeded: newValue) }
    }
    /// Cells receiving `&mut self` write-backs of methods called through references (in
    /// `extras`: a method called through a reference is rare in a legion).
    func pushWriteBackCell(_ cell: ReferenceBox) { withExtras.writeBackCells.append(cell) }
    func popWriteBackCell() -> ReferenceBox { extras.unsafelyUnwrapped.writeBackCells.removeLast() }
    /// Set by the counterpart of a blocked operation before readying the legion; the
    /// re-executed instruction consumes it.
    var completion: Completion?
    var blockedReason: BlockReason?
    /// Which of the frames (`framesInBlock`) and the stack (`stackInBlock`) still live in
    /// the one heap block the legion was made with (`init`). Declared here to sit in the
    /// padding after `blockedReason`.
    private var inBlock = LegionState.framesInBlock | LegionState.stackInBlock
    private var stackCapacity32: Int32
    /// Keeps the legion's first closure alive (its frame refers to it unretained).
    var rootClosure: ClosureBox?
    /// The global slots this legion's code reads and writes (`getGlobal`, `setGlobal`,
    /// `takeGlobal`): its own copy, since legions share nothing. A spawned legion starts
    /// with a copy of its parent's (`globalsForSpawn`), which is O(1) (copy-on-write) and
    /// costs a copy only when one of them writes. In a program they hold the constants,
    /// set by main before anything is spawned; in a REPL session, the session variables
    /// (SessionRuntime.swift). Touched only by the legion's own steps.
    var globals: [Value] = []
    /// The byte polled at safe points during the current step: the running worker's
    /// preempt flag, re-read at every step (a legion may resume on another worker).
    var safePointFlag: UnsafeMutablePointer<UInt8>
    /// The park word (Channel.swift, claiming): 2*s while parked in park number s and
    /// unclaimed, 2*s+1 once claimed. Written by the legion (`openPark`: release store, so
    /// a claimer that sees the new park also sees the waiters queued under it) and by the
    /// one claimer (acq_rel CAS: it takes the legion's state and publishes the completion);
    /// read by anyone holding one of its waiters (acquire). Part of the object, not an
    /// allocation of its own.
    let claimWord = Atomic<UInt64>(1)
    /// Park numbers count the parks that queued waiters, modulo 2^48; the last one is
    /// `claimWord >> 1` (no field of its own). Park numbers have 48 bits: a waiter keeps its park number and its `select` case in
    /// one word (Channel.swift). A lost `select` waiter could only be mistaken for a live
    /// one if it stayed queued while its legion parked 2^48 more times (years of parking
    /// without pause).
    static let parkMask: UInt64 = 1 << 48 - 1
    /// The channel(s) whose lock the legion holds while it parks; the park commit
    /// releases them once the legion is off its native stack. Unretained: the channel is
    /// in a register of the parked instruction, which runs again when the legion wakes.
    var heldChannel: Unmanaged<ChannelBox>?
    /// A `select`'s channels (in `extras`: only legions that select need the array).
    var heldChannels: [ChannelBox] {
        get { extras?.heldChannels ?? [] }
        set { if extras != nil || !newValue.isEmpty { withExtras.heldChannels = newValue } }
    }
    /// The runtime's legion (an `lg_legion *`), set at every step: what `lg_ready` takes.
    var runtimeLegion: OpaquePointer?
    /// State of the random source a `select` uses to choose among ready cases; 0 until the
    /// runtime bridge ran the legion's first step (which seeds it).
    var randomState: UInt64 = 0
    var hasRun: Bool { randomState != 0 }
    /// Links of the registry of live legions (guarded by the registry shard's lock).
    var registryPrevious: Unmanaged<LegionState>?
    var registryNext: Unmanaged<LegionState>?
    var registryShard: Int32 = 0
    /// What the legion waits for while blocked (for deadlock reports): the pc of the
    /// blocking instruction in the top frame. 32 bits, as in `Frame`, next to the other
    /// 32-bit field so the two share one word of the object.
    private var blockedAtPC32: Int32 = 0
    var blockedAtPC: Int {
        get { Int(blockedAtPC32) }
        set { blockedAtPC32 = Int32(truncatingIfNeeded: newValue) }
    }
    /// What most legions never need, made on first use: a million parked legions then
    /// cost at most 184 bytes of object each (a 192-byte heap block; LegionLayoutTests).
    private(set) var extras: LegionExtras?
    private var withExtras: LegionExtras {
        if let e = extras { return e }
        let e = LegionExtras()
        extras = e
        return e
    }

    /// `malphas test`: the test this legion belongs to (LegionGroup.swift), inherited by
    /// the legions it spawns; nil in an ordinary program. Its legions run on the test's
    /// own VM (`group.vm`: each test has its own program and output).
    var group: LegionGroup? {
        get { extras?.group }
        set { if extras != nil || newValue != nil { withExtras.group = newValue } }
    }
    /// Counters for `--stats`.
    public var stackGrowths: Int { Int(extras?.stackGrowths ?? 0) }
    public var stackShrinks: Int { Int(extras?.stackShrinks ?? 0) }
    static let shrinkPatience = 4

    /// Small on purpose: a million parked legions must fit in about 512 bytes each; the
    /// stacks double when a call needs more. One frame: many legions never call. A
    /// spawned legion's stack starts at what its first frame needs (`stackNeeded`), so
    /// a leaf function of three registers costs five slots, not eight; this is the size
    /// of a legion made before its function is known, and the floor of shrinking.
    static let initialStackCapacity = 8
    static let initialFrameCapacity = 1

    /// Stack slots the first frame of `code` needs: the callee in slot 0 and its registers
    /// (at least one per argument) from slot 1. No spare slot: a call grows the stack to
    /// what its frame needs (`VM.pushFrame`), so a leaf's stack is exactly its frame.
    static func stackNeeded(for code: CodeObject, argumentCount: Int) -> Int {
        1 + max(code.registerCount, argumentCount)
    }

    /// A legion with a VM stack of `stackCapacity` slots (nil slots; 8 is
    /// `initialStackCapacity`) and room for one frame, both in one heap block: the frame,
    /// then the slots (one block header and one rounding instead of two, for each of a
    /// million parked legions). Whichever grows first moves to an allocation of its own;
    /// the block goes once neither is left in it (`releaseStorage`).
    public init(id: Int = 0, stackCapacity: Int = 8) {
        self.id = id
        stackCapacity32 = Int32(stackCapacity)
        let frameBytes = LegionState.initialFrameCapacity * MemoryLayout<Frame>.stride
        let block = UnsafeMutableRawPointer.allocate(
            byteCount: frameBytes + stackCapacity * MemoryLayout<Value>.stride,
            alignment: max(MemoryLayout<Frame>.alignment, MemoryLayout<Value>.alignment))
        frames = block.bindMemory(to: Frame.self, capacity: LegionState.initialFrameCapacity)
        stack = (block + frameBytes).bindMemory(to: Value.self, capacity: stackCapacity)
        stack.initialize(repeating: .nil, count: stackCapacity)
        frameCapacity32 = Int32(LegionState.initialFrameCapacity)
        safePointFlag = LegionState.neverSet
    }

    deinit {
        stack.deinitialize(count: stackCapacity)
        frames.deinitialize(count: frameCount)
        releaseStorage(of: LegionState.stackInBlock)
        releaseStorage(of: LegionState.framesInBlock)
    }

    private static let framesInBlock: UInt8 = 1
    private static let stackInBlock: UInt8 = 2

    /// Gives back the storage of the frames (`framesInBlock`) or of the stack
    /// (`stackInBlock`), whose contents were moved out or deinitialised: its own
    /// allocation, or the shared block once the other part has left it too. Call before
    /// the pointer is replaced (the block is found from the pointers).
    private func releaseStorage(of part: UInt8) {
        guard inBlock & part != 0 else {
            if part == LegionState.framesInBlock { frames.deallocate() } else { stack.deallocate() }
            return
        }
        let block = inBlock & LegionState.framesInBlock != 0
            ? UnsafeMutableRawPointer(frames)
            : UnsafeMutableRawPointer(stack) - LegionState.initialFrameCapacity * MemoryLayout<Frame>.stride
        inBlock &= ~part
        if inBlock == 0 { block.deallocate() }
    }

    /// A safe-point flag nobody sets (before a legion's first step).
    static let neverSet: UnsafeMutablePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// Opens a new park: waiters queued from now on carry its number, and the first
    /// counterpart to claim one of them completes it. Called before queueing, with the
    /// channel lock(s) held.
    func openPark() -> UInt64 {
        // The number of the last park is the word's upper bits: only this legion changes
        // them (a claimer only sets bit 0), so a relaxed load reads them right.
        let park = (claimWord.load(ordering: .relaxed) >> 1 &+ 1) & LegionState.parkMask
        claimWord.store(park &* 2, ordering: .releasing)
        return park
    }

    /// True while the legion is parked in `park` and nobody has claimed it.
    func isParked(in park: UInt64) -> Bool {
        claimWord.load(ordering: .acquiring) == park &* 2
    }

    /// Claims the legion's park `park`: true for the one caller that completes it.
    func claim(park: UInt64) -> Bool {
        claimWord.compareExchange(expected: park &* 2, desired: park &* 2 + 1,
                                  successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring).exchanged
    }

    /// The park commit of a channel operation (LegionRuntime.swift): releases the lock(s)
    /// of the channel(s) the legion queued itself on, once it is off its native stack.
    func releaseHeldChannels() {
        if let ch = heldChannel {
            heldChannel = nil
            ch._withUnsafeGuaranteedRef { $0.release() }
        } else {
            var held: [ChannelBox] = []
            swap(&held, &heldChannels)
            for ch in held.reversed() { ch.release() }
            held.removeAll(keepingCapacity: true)
            swap(&held, &heldChannels)
        }
    }

    /// A pseudo-random number in `0..<n` (xorshift; good enough to pick a select case).
    func random(_ n: Int) -> Int {
        randomState ^= randomState << 13
        randomState ^= randomState >> 7
        randomState ^= randomState << 17
        return Int(truncatingIfNeeded: randomState % UInt64(n))
    }

    /// The stack index just past the top frame's registers.
    var stackTop: Int {
        guard frameCount > 0 else { return 0 }
        let f = frames[frameCount - 1]
        return f.base + f.code.takeUnretainedValue().registerCount
    }

    /// Makes room for `needed` slots, doubling and moving only the active part (everything
    /// above it is dead and is simply re-created as nil).
    func growStack(toHold needed: Int) {
        var capacity = stackCapacity
        while capacity < needed { capacity *= 2 }
        // `VM.pushFrame` never asks for more than `Frame.maxStackIndex` slots.
        capacity = min(capacity, Frame.maxStackIndex)
        moveStack(toCapacity: capacity, active: min(stackTop, stackCapacity))
        withExtras.stackGrowths += 1
    }

    /// Shrinks the stack to the smallest doubling of the initial size that holds `needed`
    /// slots (never below the active part).
    func shrinkStack(toHold needed: Int) {
        let active = stackTop
        var capacity = stackCapacity
        while capacity > LegionState.initialStackCapacity && capacity / 2 >= max(needed, active) { capacity /= 2 }
        guard capacity < stackCapacity else { return }
        moveStack(toCapacity: capacity, active: active)
        withExtras.stackShrinks += 1
    }

    /// Moves the stack's first `active` slots into a new allocation of `capacity` slots;
    /// the slots above them start as nil.
    private func moveStack(toCapacity capacity: Int, active: Int) {
        let newStack = UnsafeMutablePointer<Value>.allocate(capacity: capacity)
        newStack.moveInitialize(from: stack, count: active)
        (newStack + active).initialize(repeating: .nil, count: capacity - active)
        stack.advanced(by: active).deinitialize(count: stackCapacity - active)
        releaseStorage(of: LegionState.stackInBlock)
        stack = newStack
        stackCapacity = capacity
    }

    /// Housekeeping when the legion suspends at a safe point: give back the stack and
    /// frame space it has not needed for a while.
    func suspendAtSafePoint() {
        let active = stackTop
        guard stackCapacity > LegionState.initialStackCapacity, active < stackCapacity / 4 else {
            if let e = extras { e.lowUsageStreak = 0; e.lowUsageHighWater = 0 }
            return
        }
        // Only a stack that grew gets here (a first frame fills at least a quarter of the
        // stack made for it), so `extras` exists already.
        let e = withExtras
        e.lowUsageStreak += 1
        e.lowUsageHighWater = max(e.lowUsageHighWater, Int32(truncatingIfNeeded: active))
        guard e.lowUsageStreak >= LegionState.shrinkPatience else { return }
        shrinkStack(toHold: Int(e.lowUsageHighWater) * 2)
        shrinkFramesIfMostlyUnused()
        e.lowUsageStreak = 0
        e.lowUsageHighWater = 0
    }

    func growFrames(limit: Int) {
        let capacity = max(frameCount + 1, min(frameCapacity * 2, limit))
        let newFrames = UnsafeMutablePointer<Frame>.allocate(capacity: capacity)
        newFrames.moveInitialize(from: frames, count: frameCount)
        releaseStorage(of: LegionState.framesInBlock)
        frames = newFrames
        frameCapacity = capacity
    }

    func shrinkFramesIfMostlyUnused() {
        guard frameCapacity > LegionState.initialFrameCapacity * 4, frameCount < frameCapacity / 8 else { return }
        let capacity = max(LegionState.initialFrameCapacity, frameCapacity / 4)
        let newFrames = UnsafeMutablePointer<Frame>.allocate(capacity: capacity)
        newFrames.moveInitialize(from: frames, count: frameCount)
        releaseStorage(of: LegionState.framesInBlock)
        frames = newFrames
        frameCapacity = capacity
    }

    /// Sets the legion up to call `closure` with `args` (copied: legions share nothing),
    /// with `globals` as its global slots.
    func start(_ closure: ClosureBox, args: [Value], globals: [Value]) {
        start(closure, argumentCount: args.count, globals: globals) { i in args[i] }
    }

    /// Sets the legion up to call `closure` with `argumentCount` arguments, argument `i`
    /// being `argument(i)`, written straight into its registers.
    func start(_ closure: ClosureBox, argumentCount: Int, globals: [Value], argument: (Int) -> Value) {
        rootClosure = closure
        self.globals = globals
        let code = closure.code
        let needed = LegionState.stackNeeded(for: code, argumentCount: argumentCount)
        if needed > stackCapacity { growStack(toHold: needed) }
        stack[0] = .function(closure)
        for i in 0..<argumentCount { stack[1 + i] = argument(i) }
        frames.initialize(to: Frame(code: Unmanaged.passUnretained(code), closure: Unmanaged.passUnretained(closure),
                                    pc: 0, base: 1, resultSlot: 0, flags: []))
        frameCount = 1
    }

    /// The global slots of a legion this one spawns: a copy of its own, each slot as
    /// `Value.copiedForLegion` makes it, with the spawn's `copier`. O(1) but for that
    /// scan, which is skipped while the slots are unchanged since one found nothing to copy.
    func globalsForSpawn(_ copier: inout LegionCopier) -> [Value] {
        if let plain = extras?.plainGlobals, plain.count == globals.count,
           plain.withUnsafeBufferPointer({ $0.baseAddress }) == globals.withUnsafeBufferPointer({ $0.baseAddress }) {
            return globals
        }
        var copy = globals
        var changed = false
        for i in copy.indices where !copy[i].isPlainForLegion {
            let c = copier.copyNotingChange(copy[i])
            if c.changed {
                copy[i] = c.copy
                changed = true
            }
        }
        if !changed { withExtras.plainGlobals = globals }
        return copy
    }

    /// Frees the registers of every frame (after the legion finished or failed).
    func clear() {
        for i in 0..<stackCapacity { stack[i] = .nil }
        frames.deinitialize(count: frameCount)
        frameCount = 0
        extras?.writeBackCells = []
        rootClosure = nil
        globals = []
        extras?.plainGlobals = nil
        completion = nil
        heldChannel = nil
        heldChannels = []
        // A test's main legion and its group hold each other: let the group go.
        group = nil
    }
}

/// The parts of a legion's state that few legions use (`LegionState.extras`).
final class LegionExtras {
    /// `globals` as they were when a spawn found nothing in them to copy. It shares their
    /// storage, so the first write to a slot moves `globals` to new storage: while the two
    /// still share it, the slots are unchanged (and hold no cell that could change them).
    var plainGlobals: [Value]?
    /// The channels whose locks a `select` holds while its legion parks.
    var heldChannels: [ChannelBox] = []
    /// `LegionState.pushWriteBackCell`'s cells.
    var writeBackCells: [ReferenceBox] = []
    var group: LegionGroup?
    /// Counters for `--stats`.
    var stackGrowths: Int32 = 0
    var stackShrinks: Int32 = 0
    /// Safe-point suspensions in a row at which the stack was under a quarter used, and
    /// the most it used meanwhile. The stack shrinks only after `shrinkPatience` of them,
    /// and to twice that high-water mark: a legion whose depth goes up and down (recursion)
    /// keeps its stack instead of shrinking and growing it again and again.
    var lowUsageStreak: Int32 = 0
    var lowUsageHighWater: Int32 = 0
}
