// The REPL's evaluation core: what happens to a line once it is typed. The terminal
// front end (ReplTerminal) and the piped driver (PipedRepl) feed it lines; tests do too.
//
// A session pairs a `SessionCompiler` (the compile side, one growing program) with a
// `SessionRuntime` (the VM side: the loaded program, the scheduler and the legions).
// One input:
//   1. lines are gathered until brackets, braces and strings are closed (`submit`);
//   2. a line starting with `:` is a command (ReplCommands.swift);
//   3. otherwise the text is parsed as items, statements and a tail expression, compiled
//      into the session, loaded into the VM and run as a legion;
//   4. its value is printed in debug form (strings quoted), unless it is `()`;
//   5. a compile error, runtime error, deadlock or interrupt prints its report and
//      puts the session back as it was before the input: names, items and variables.

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
    private(set) var sources: SourceMap
    private(set) var compiler: SessionCompiler
    private(set) var runtime: SessionRuntime
    /// Lines of an unfinished input.
    private var pending: [String] = []
    /// Whether any input so far failed to compile (or was a bad command) / failed at run
    /// time (for the exit status of a piped session).
    /// What an interrupted evaluation prints on the error output.
    public var interruptedNotice = "interrupted\n"
    public internal(set) var sawCompileError = false
    public internal(set) var sawRuntimeError = false

    /// A fresh session whose programs write to `options.output` and `options.errorOutput`
    /// and read `options.input`.
    public init(options: RunOptions = RunOptions()) {
        self.options = options
        output = options.output
        errorOutput = options.errorOutput
        (sources, compiler, runtime) = ReplSession.makeParts(options)
    }

    private static func makeParts(_ options: RunOptions) -> (SourceMap, SessionCompiler, SessionRuntime) {
        let sources = SourceMap()
        let preludeFile = sources.add(SourceFile(name: "<prelude>", text: Interpreter.preludeSource))
        let prelude = Parser.parse(preludeFile, in: sources)
        let compiler = SessionCompiler(sources: sources, prelude: prelude.unit,
                                       options: CompileOptions(safePoints: true))
        let runtime = SessionRuntime(program: compiler.program, options: options)
        return (sources, compiler, runtime)
    }

    /// Forgets everything: a fresh session (`:reset`). Legions of the old one stop.
    public func reset() {
        pending = []
        (sources, compiler, runtime) = ReplSession.makeParts(options)
    }

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

    /// Evaluates one complete input (items, statements and a final expression).
    public func evaluate(_ text: String) -> InputResult {
        switch compile(text) {
        case .failure(let rendered):
            sawCompileError = true
            errorOutput.write(rendered.text)
            errorOutput.flush()
            return .compileError
        case .success(let (input, checkpoint, globals)):
            return run(input, undo: checkpoint, globals: globals)
        }
    }

    /// Parses and compiles `text` into the session, and loads it into the VM. On success,
    /// also what to restore if it then fails at run time.
    func compile(_ text: String, name: String = "<repl>")
        -> Result<(SessionInput, SessionCheckpoint, [Value]), CompileErrors> {
        var parsed = parse(text, name: name)
        if parsed.hasErrors, let trimmed = text.trimmingWhitespace.last, trimmed != ";" && trimmed != "}" {
            // `let x = 5` typed without its `;`: accept it as a REPL would.
            let retry = parse(text + ";", name: name)
            if !retry.hasErrors { parsed = retry }
        }
        if parsed.hasErrors { return .failure(CompileErrors(render(parsed.diagnostics))) }
        let checkpoint = compiler.checkpoint()
        let globals = runtime.globalValues
        switch compiler.compile(items: parsed.items, statements: parsed.statements, tail: parsed.tail, file: parsed.file) {
        case .failure(let failure):
            return .failure(CompileErrors(render(failure.diagnostics)))
        case .success(let input):
            runtime.synchronize()
            return .success((input, checkpoint, globals))
        }
    }

    /// Runs a compiled input and prints its value or its failure.
    func run(_ input: SessionInput, undo checkpoint: SessionCheckpoint, globals: [Value]) -> InputResult {
        let outcome = runtime.evaluate(function: input.entry)
        switch outcome {
        case .value(let value):
            if case .unit = value { return .done }
            let shown = Printer.debug(value)
            output.write(shown + "\n")
            output.flush()
            return .value(shown)
        case .exit(let status):
            return .exit(status)
        case .failed(let report), .deadlocked(let report):
            sawRuntimeError = true
            undo(checkpoint, globals: globals)
            errorOutput.write(report)
            errorOutput.flush()
            return .runtimeError
        case .interrupted:
            undo(checkpoint, globals: globals)
            errorOutput.write(interruptedNotice)
            errorOutput.flush()
            return .interrupted
        }
    }

    /// Puts the names, items and variables back as they were before a failed input.
    private func undo(_ checkpoint: SessionCheckpoint, globals: [Value]) {
        compiler.restore(checkpoint, keepingCode: true)
        runtime.synchronize()
        runtime.globalValues = globals
    }

    struct ParsedInput {
        var file: SourceFileID
        var items: [Item]
        var statements: [Stmt]
        var tail: Expr?
        var diagnostics: [Diagnostic]
        var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    private func parse(_ text: String, name: String) -> ParsedInput {
        let file = sources.add(SourceFile(name: name, text: text))
        let r = Parser.parseReplInput(file, in: sources)
        return ParsedInput(file: file, items: r.items, statements: r.statements, tail: r.tail, diagnostics: r.diagnostics)
    }

    func render(_ diagnostics: [Diagnostic]) -> String {
        DiagnosticRenderer(sources: sources).render(diagnostics)
    }

    /// Rendered diagnostics, as a failure.
    struct CompileErrors: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    /// The exit status a session ends with: 2 if any input failed to compile (or was a
    /// command that failed), else 1 if any failed at run time, else 0.
    public var exitStatus: Int32 { sawCompileError ? 2 : sawRuntimeError ? 1 : 0 }

    // MARK: Legions between inputs

    /// Runs the legions earlier inputs spawned for up to `ms` milliseconds.
    public func runBackground(forMs ms: Int) -> SessionRuntime.BackgroundState {
        runtime.runBackground(forMs: ms)
    }

    /// Runs the session's legions until none can run any more (ready or sleeping); the
    /// end of a piped session, like the end of a program's `main`.
    public func waitForLegions() {
        while true {
            switch runtime.runBackground(forMs: 50) {
            case .busy: continue
            case .idle(nil): return
            case .idle(let wake?):
                let wait = wake - monotonicMs()
                if wait > 0 { sleepMs(min(wait, 50)) }
            }
            if runtime.interruptFlag.pointee != 0 { return }
        }
    }

    /// Stops the running evaluation at its next safe point: callable from any thread.
    public func interrupt() { runtime.requestInterrupt() }

    /// The flags a SIGINT handler sets: (interrupt request, preempt byte). Valid until
    /// the next `reset`.
    public var interruptTargets: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) {
        (runtime.interruptFlag, runtime.preemptFlag)
    }

    /// True if an interrupt was requested since the last evaluation (and clears it).
    public func takeInterruptRequest() -> Bool {
        let requested = runtime.interruptFlag.pointee != 0
        runtime.interruptFlag.pointee = 0
        runtime.preemptFlag.pointee = 0
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
                + Array(Set(BuiltinConstructor.allCases.map(\.typeName))) + compiler.definedNames
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
