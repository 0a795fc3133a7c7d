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
    /// The next instruction to run, saved while the frame is not the top one (and when
    /// the legion is suspended).
    var pc: Int
    /// Stack index of the frame's register 0.
    var base: Int
    /// Stack index where the result goes on return.
    var resultSlot: Int
    var flags: FrameFlags
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
