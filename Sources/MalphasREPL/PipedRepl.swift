// The REPL without a terminal (`echo 'println(1)' | malphas`): inputs are read from
// standard input with no prompt and no line editing, and evaluated as typed ones are.
// `read_line()` in the evaluated code reads the same input, so it takes the next line.
// At the end of the input, the session waits for legions that can still run, as a
// program does when `main` returns.

import MalphasVM

public enum PipedRepl {
    /// Runs a session over `options.input` and returns its exit status: `exit(n)`'s n,
    /// else 2 if any input failed to compile, 1 if any failed at run time, 0 otherwise.
    public static func run(options: RunOptions) -> Int32 {
        let session = ReplSession(options: options)
        defer { options.output.flush(); options.errorOutput.flush() }
        while let line = options.input.readLine() {
            switch session.submit(line: line) {
            case .evaluated(.exit(let status)): return status
            case .evaluated(.quit): return session.exitStatus
            default: continue
            }
        }
        if case .exit(let status)? = session.finishPending() { return status }
        return session.waitForLegions() ?? session.exitStatus
    }
}
