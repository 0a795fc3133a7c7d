// What every fuzzed run must satisfy, whoever ran it (in-process or as a child process):
// the interpreter never crashes, and a run that fails says why.

public enum PipelineCheck {
    /// True when the program may end with a status of its own choosing: it calls `exit`
    /// or its `main` returns a value.
    public static func choosesItsOwnStatus(_ text: String) -> Bool {
        if text.contains("exit") { return true }
        var rest = Substring(text)
        while let range = rest.range(of: "fn main") {
            rest = rest[range.upperBound...]
            if let brace = rest.firstIndex(of: "{"), rest[..<brace].contains("->") { return true }
        }
        return false
    }

    /// The problems with one run's outcome, or none. `compiled` is false when the program
    /// stopped at a compile error (its diagnostics are `stderr`).
    public static func problems(text: String, compiled: Bool, status: Int32, stderr: String) -> [String] {
        var found: [String] = []
        if stderr.contains("internal error") { found.append("an internal error was reported") }
        if !compiled {
            if status != 2 { found.append("a compile error exited with status \(status), not 2") }
            if !stderr.contains("error") { found.append("a compile error without an `error:` message") }
            return found
        }
        let own = choosesItsOwnStatus(text)
        if ![0, 1, 2].contains(status) && !own { found.append("exit status \(status)") }
        if status != 0 && !own {
            if stderr.isEmpty {
                found.append("status \(status) without a message on the error output")
            } else if status == 1 && !(stderr.contains("error") || stderr.contains("panicked")) {
                found.append("status 1 without an error or panic message")
            } else if status == 2 && !stderr.contains("deadlock") {
                found.append("status 2 without a deadlock report")
            }
        }
        if stderr.contains("overflowed its native stack") { found.append("a native stack overflow") }
        return found
    }
}
