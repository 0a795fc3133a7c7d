/// One Malphas call in progress. Frames live in a legion's frame buffer, never on the
/// native stack, so Malphas recursion depth costs heap, not native stack.
///
/// The code object is referenced unretained: code objects live as long as the loaded
/// program. The closure is unretained too: it is kept alive by the caller's register it
/// was called from (the call's result slot, untouched until the call returns) or, for a
/// method, by the type's method table.
struct Frame {
    var code: Unmanaged<CodeObject>
    var closure: Unmanaged<ClosureBox>?
    /// 32-bit on purpose: a frame is 32 bytes, not 48, and a million parked legions each
    /// hold one. Both fit: the compiler refuses a function of more than `Int32.max`
    /// instructions (`FunctionCompiler.finish`), and `VM.pushFrame` reports a stack
    /// overflow before a register index would pass `Frame.maxStackIndex`.
    private var pc32: Int32
    private var base32: Int32
    private var resultSlot32: Int32
    var flags: FrameFlags

    /// The largest stack index a frame may record (its base, result slot, or the end of
    /// its registers).
    static let maxStackIndex = Int(Int32.max)

    init(code: Unmanaged<CodeObject>, closure: Unmanaged<ClosureBox>?, pc: Int, base: Int, resultSlot: Int,
         flags: FrameFlags) {
        self.code = code
        self.closure = closure
        pc32 = Int32(truncatingIfNeeded: pc)
        base32 = Int32(truncatingIfNeeded: base)
        resultSlot32 = Int32(truncatingIfNeeded: resultSlot)
        self.flags = flags
    }

    /// The next instruction to run, saved while the frame is not the top one (and when
    /// the legion is suspended).
    var pc: Int {
        @inline(__always) get { Int(pc32) }
        @inline(__always) set { pc32 = Int32(truncatingIfNeeded: newValue) }
    }
    /// Stack index of the frame's register 0.
    var base: Int { @inline(__always) get { Int(base32) } }
    /// Stack index where the result goes on return.
    var resultSlot: Int { @inline(__always) get { Int(resultSlot32) } }
}

struct FrameFlags: OptionSet {
    let rawValue: UInt8
    /// No flag: a plain call. Spelled as a property because the `[]` literal builds (and
    /// releases) an empty array on every call in optimised code.
    static var plain: FrameFlags { FrameFlags(rawValue: 0) }
    /// Keep register 0 (the receiver) on return: the caller stores it back to the place
    /// it came from (a `&mut self` method's write-back).
    static let keepReceiver = FrameFlags(rawValue: 1)
    /// The receiver came through a reference: on return, store register 0 back into the
    /// cell on top of the legion's write-back stack and put the reference back.
    static let writeBackToCell = FrameFlags(rawValue: 2)
}
