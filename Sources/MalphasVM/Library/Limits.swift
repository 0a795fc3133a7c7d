// The largest values a program may build. Past these a program gets a runtime error that
// names the operation, instead of an allocation that fails (a crash) or that takes the
// machine's memory (the kernel's out-of-memory killer): a string doubled in a loop passes
// 1 GiB after 30 rounds, long before an instruction budget could notice.
//
// Walks over values that run in native code without safe points (printing, equality,
// hashing, ordering) also look, every so many steps, whether the program is ending (a
// failure in another legion, its time limit): a value whose shared parts make the walk
// exponential (`v = [v, v]` forty times) then cannot keep a program from stopping.

enum ValueLimits {
    /// The longest string, in bytes.
    static let maxStringBytes = 1 << 30
    /// The longest list (16 bytes an element: 4 GiB).
    static var maxListLength: Int { VM.maxListLength }

    /// Throws unless a string of `bytes` bytes may be built by `operation`.
    static func checkString(_ bytes: Int, _ operation: @autoclosure () -> String) throws {
        if bytes > maxStringBytes {
            throw RuntimeError("\(operation()) would make a string of more than 1 GiB (\(maxStringBytes) bytes)")
        }
    }

    /// Throws unless a list of `count` elements may be built by `operation`.
    static func checkList(_ count: Int, _ operation: @autoclosure () -> String) throws {
        if count > maxListLength {
            throw RuntimeError("\(operation()) would make a list of more than \(maxListLength) elements")
        }
    }

    /// Steps of a native walk between two looks at whether the program is ending.
    static let stepsBetweenChecks = 1 << 16

    /// True when the running program is ending: a walk may stop early (its result is
    /// never used).
    static var programIsEnding: Bool {
        LegionRuntime.current?.isAborting ?? false
    }

    /// Counts one step of a native walk; every `stepsBetweenChecks` steps, true when the
    /// program is ending and the walk should stop.
    @inline(__always)
    static func walkShouldStop(_ steps: inout Int) -> Bool {
        steps &+= 1
        return _slowPath(steps & (stepsBetweenChecks - 1) == 0) && programIsEnding
    }

    /// What a walk that stopped early throws; the program is ending with another error,
    /// which is the one reported (the first failure wins).
    static var stopped: RuntimeError { RuntimeError("stopped: the program is ending") }
}
