// Where a library function was called from, for std::testing's failure messages: the
// innermost frame whose code is not in the standard library. Frames below the top are
// suspended past their call instruction, so `pc - 1` is the call. (The top frame is the
// library function asking, whose saved pc may be stale; it is always skipped, because only
// library code may call `__caller_location`.)

import MalphasCompiler

extension VM {
    func callerLocation(_ legion: LegionState) -> String {
        let library = program.compiled.libraryFiles
        var i = legion.frameCount - 1
        while i >= 0 {
            let frame = legion.frames[i]
            let code = frame.code.takeUnretainedValue()
            if !library.contains(code.proto.file) {
                let file = sources.file(code.proto.file)?.name ?? "<unknown>"
                return "\(file):\(code.line(at: max(frame.pc - 1, 0)))"
            }
            i -= 1
        }
        return "<unknown>"
    }
}
