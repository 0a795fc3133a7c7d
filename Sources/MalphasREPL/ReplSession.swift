// The REPL's evaluation core: what happens to a line once it is typed. The terminal
// front end (ReplTerminal) and the piped driver (PipedRepl) feed it lines; tests do too.
//
// Evaluation itself is the VM's `Session` (a `CompilerSession` for the compile side, a
// `SessionRuntime` for the VM, the scheduler and the legions). This layer is about lines:
//   1. lines are gathered until brackets, braces and strings are closed (`submit`);
//   2. a line starting with `:` is a command (ReplCommands.swift);
//   3. otherwise the text is evaluated: parsed as items, statements and a tail
//      expression, compiled into the session, loaded into the VM and run as a legion;
//   4. its value is printed in debug form (strings quoted), unless it is `()`;
//   5. a compile error, runtime error, deadlock or interrupt prints its report; the
//      session is then as it was before the input: names, items and variables.

import CMalphasSync
import MalphasCompiler
import MalphasSyntax
import MalphasVM

/// How one input ended.
public enum InputResult: Equatable {
    /// The input's value, printed in debug form.
    case value(String)
    /// Nothing to show: definitions, statements, a `()` value, a command that printed.
    case done
    /// The input did not compile (diagnostics printed).
    case compileError
    /// A runtime error, panic or deadlock (report printed).
    case runtimeError
    /// Interrupted by Ctrl-C.
    case interrupted
    /// A command could not do what it was asked (message printed).
    case commandError
    /// `exit(n)` was called: the session should end with status n.
    case exit(Int32)
    /// `:quit`: the session should end.
    case quit
}

/// What `submit(line:)` made of a line.
public enum LineResult: Equatable {
    /// The input is not finished: show the continuation prompt and read another line.
    case needsMore
    /// The input was evaluated.
    case evaluated(InputResult)
}

public final class ReplSession {
    /// Where values, program output and command output go.
    public let output: Output
    /// Where diagnostics and runtime error reports go.
    public let errorOutput: Output
    let options: RunOptions
    /// The evaluator: replaced by a fresh one on `:reset`.
    private(set) var session: Session
    /// Lines of an unfinished input.
    private var pending: [String] = []
    /// What an interrupted evaluation prints on the error output.
    public var interruptedNotice = "interrupted\n"
    /// Whether any input so far failed to compile (or was a bad command) / failed at run
    /// time (for the exit status of a piped session).
    public internal(set) var sawCompileError = false
    public internal(set) var sawRuntimeError = false

    /// A fresh session whose programs write to `options.output` and `options.errorOutput`
    /// and read `options.input`.
    public init(options: RunOptions = RunOptions()) {
        self.options = options
        output = options.output
        errorOutput = options.errorOutput
        session = Session(options: options)
    }

    var compiler: CompilerSession { session.compiler }
    var runtime: SessionRuntime { session.runtime }

    /// Forgets everything: a fresh session (`:reset`). Legions of the old one stop (the
    /// legion runtime is one per process: the old session's ends before the new one's
    /// starts).
    public func reset() {
        pending = []
        session.runtime.end()
        session = Session(options: options)
    }

    /// The exit status a session ends with: 2 if any input failed to compile (or was a
    /// command that failed), else 1 if any failed at run time, else 0.
    public var exitStatus: Int32 { sawCompileError ? 2 : sawRuntimeError ? 1 : 0 }

    // MARK: Lines and inputs

    /// True while an input is unfinished (the prompt is then `...`).
    public var isContinuing: Bool { !pending.isEmpty }

    /// Takes one typed line. A command (`:name`) on a fresh line runs at once; other
    /// lines gather until the input is complete, then it is evaluated.
    public func submit(line: String) -> LineResult {
        if pending.isEmpty {
            let trimmed = line.trimmingWhitespace
            if trimmed.isEmpty { return .evaluated(.done) }
            if trimmed.hasPrefix(":") { return .evaluated(runCommand(trimmed)) }
        }
        pending.append(line)
        let text = pending.joined(separator: "\n")
        if Lexer.completeness(of: text) == .incomplete { return .needsMore }
        pending = []
        return .evaluated(evaluate(text))
    }

    /// Evaluates what was gathered so far even if it is unfinished (end of piped input).
    public func finishPending() -> InputResult? {
        guard !pending.isEmpty else { return nil }
        let text = pending.joined(separator: "\n")
        pending = []
        return evaluate(text)
    }

    /// Drops an unfinished input (Ctrl-C at the prompt).
    public func cancelPending() { pending = [] }

    /// Evaluates one complete input (items, statements and a final expression) and
    /// prints its value or its failure.
    public func evaluate(_ text: String) -> InputResult {
        report(session.evaluate(text))
    }

    /// Prints what an evaluation gave and says how it ended.
    func report(_ outcome: Session.Outcome) -> InputResult {
        switch outcome {
        case .value(nil):
            return .done
        case .value(let shown?):
            say(shown + "\n")
            return .value(shown)
        case .exited(let status):
            return .exit(status)
        case .compileError(let text):
            sawCompileError = true
            complain(text)
            return .compileError
        case .runtimeError(let text):
            sawRuntimeError = true
            complain(text)
            return .runtimeError
        case .interrupted:
            complain(interruptedNotice)
            return .interrupted
        }
    }

    func say(_ text: String) {
        output.write(text)
        output.flush()
    }

    func complain(_ text: String) {
        output.flush()
        errorOutput.write(text)
        errorOutput.flush()
    }

    // MARK: Legions between inputs

    /// What the legions earlier inputs spawned need from the caller between inputs
    /// (they run on the runtime's workers meanwhile): the end of the session if one
    /// called `exit(n)`, else when to ask again.
    public func runBackground(forMs ms: Int) -> SessionRuntime.BackgroundState {
        runtime.runBackground(forMs: ms)
    }

    /// Waits until none of the session's legions can run any more (ready, running or
    /// sleeping): the end of a piped session, like the end of a program's `main`.
    /// Returns `exit(n)`'s n if a legion called it.
    public func waitForLegions() -> Int32? {
        runtime.waitForLegions()
    }

    /// Stops the running evaluation at its next safe point: callable from any thread.
    public func interrupt() { runtime.requestInterrupt() }

    /// The byte a SIGINT handler sets to interrupt. It changes on `reset`; the old one
    /// stays valid memory.
    public var interruptTarget: UnsafeMutablePointer<UInt8> { runtime.interruptFlag }

    /// True if an interrupt was requested since the last evaluation (and clears it).
    public func takeInterruptRequest() -> Bool {
        let requested = mal_load_relaxed_u8(runtime.interruptFlag) != 0
        mal_store_relaxed_u8(runtime.interruptFlag, 0)
        return requested
    }

    // MARK: Completion

    /// Words that complete `prefix`: keywords, builtins and names the session defined;
    /// after a `.`, method names; at the start of a line after `:`, command names.
    public func completions(of prefix: String, context: CompletionContext = .expression) -> [String] {
        let candidates: [String]
        switch context {
        case .command:
            candidates = ReplCommand.allCases.map(\.rawValue)
        case .member:
            candidates = BuiltinMethod.allCases.map(\.name) + compiler.methodNames
        case .expression:
            candidates = Lexer.keywords + BuiltinFunction.allCases.map(\.name)
                + BuiltinConstructor.allCases.map(\.typeName) + compiler.definedNames
        }
        return Array(Set(candidates.filter { $0.hasPrefix(prefix) })).sorted()
    }

    public enum CompletionContext {
        case expression
        /// After a `.`: methods.
        case member
        /// After `:` at the start of the line.
        case command
    }
}

extension StringProtocol {
    var trimmingWhitespace: SubSequence {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s = s.dropLast() }
        return s
    }
}
