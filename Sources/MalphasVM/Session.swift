// A REPL session: inputs are compiled against one persistent global scope and run on one
// persistent loaded program, so items, `let` bindings and spawned legions of earlier
// inputs are there for later ones.
//
// The compile side is a `CompilerSession`; the run side a `SessionRuntime` (one VM and
// one scheduler for the session's life). An input that fails, at compile time or at run
// time, or that is interrupted, changes nothing: the compiler goes back to a checkpoint
// taken before it, and the session variables are as they were (the input's legion wrote
// its own copy of them, SessionRuntime.swift).

import MalphasCompiler
import MalphasSyntax

public final class Session {
    /// What evaluating one input gave.
    public enum Outcome: Equatable {
        /// The input ran; `value` is the debug form of its final expression's value, when
        /// it ended with an expression whose value is not `()`.
        case value(String?)
        /// The input did not compile; the rendered diagnostics.
        case compileError(String)
        /// The input failed while running (error or panic report, or deadlock report).
        case runtimeError(String)
        /// The input called `exit(status)`.
        case exited(Int32)
        /// `runtime.requestInterrupt()` (Ctrl-C) stopped it at a safe point.
        case interrupted
    }

    public let sources = SourceMap()
    /// The compile side: the session's names and its growing program.
    public let compiler: CompilerSession
    /// The run side: the loaded program, the scheduler, the legions.
    public let runtime: SessionRuntime

    public init(options: RunOptions = RunOptions()) {
        compiler = CompilerSession(sources: sources, options: CompileOptions(safePoints: options.safePointsEnabled))
        let prelude = sources.add(SourceFile(name: "<prelude>", text: Prelude.source))
        let parsed = Parser.parse(prelude, in: sources)
        let compiled = compiler.compile(items: parsed.unit.items, statements: [], tail: nil, file: prelude)
        if case .failure(let failure) = compiled { preconditionFailure("the prelude must compile: \(failure.diagnostics)") }
        runtime = SessionRuntime(program: compiler.global.program, options: options)
    }

    /// Compiles and runs one input (items and statements, as typed at the prompt). Its
    /// code is named `name` in diagnostics and traces.
    public func evaluate(_ text: String, name: String = "<repl>") -> Outcome {
        let file = sources.add(SourceFile(name: name, text: text))
        let checkpoint = compiler.checkpoint()
        let compiled: Result<CompilerSession.Input, CompileFailure> = LargeStack.run {
            let parsed = Parser.parseReplInput(file, in: sources)
            defer { ASTRelease.release(items: parsed.items, statements: parsed.statements, tail: parsed.tail) }
            if parsed.diagnostics.contains(where: { $0.severity == .error }) {
                return .failure(CompileFailure(diagnostics: parsed.diagnostics))
            }
            // `mod name;` files (beside the working directory) and the library modules it names.
            let modules = ModuleLoader(sources: sources, library: StandardLibrary.current,
                                       alreadyLoaded: compiler.global.modules.libraryModulesDeclared)
                .load(SourceUnit(file: file, items: parsed.items))
            defer { LoadedModules.release(consume modules) }
            if modules.diagnostics.contains(where: { $0.severity == .error }) {
                return .failure(CompileFailure(diagnostics: modules.diagnostics))
            }
            return compiler.compile(items: modules.unit.items, statements: parsed.statements, tail: parsed.tail,
                                    file: file, modules: modules)
        }
        return run(compiled, undo: checkpoint)
    }

    /// The static type of the expression `text` (the REPL's `:type`), without running it:
    /// `.success("int")`, or the rendered diagnostics.
    public func typeOf(_ text: String) -> Result<String, CompileFailure> {
        let file = sources.add(SourceFile(name: "<repl>", text: text))
        return LargeStack.run {
            let parsed = Parser.parseReplInput(file, in: sources)
            defer { ASTRelease.release(items: parsed.items, statements: parsed.statements, tail: parsed.tail) }
            if parsed.diagnostics.contains(where: { $0.severity == .error }) {
                return .failure(CompileFailure(diagnostics: parsed.diagnostics))
            }
            guard let tail = parsed.tail, parsed.items.isEmpty, parsed.statements.isEmpty else {
                return .failure(CompileFailure(diagnostics: [.error("`:type` takes one expression", at: Span(file: file, start: 0, end: 0),
                                                                   help: "write `:type EXPR`, without `;`")]))
            }
            let modules = ModuleLoader(sources: sources, library: StandardLibrary.current,
                                       alreadyLoaded: compiler.global.modules.libraryModulesDeclared)
                .load(SourceUnit(file: file, items: []))
            defer { LoadedModules.release(consume modules) }
            return compiler.typeOf(tail, modules: modules).map { $0.description }
        }
    }

    /// Compiles and runs parsed items and statements (a `:load`ed file is items only).
    public func evaluate(items: [Item], statements: [Stmt], tail: Expr?, file: SourceFileID) -> Outcome {
        let checkpoint = compiler.checkpoint()
        let compiled = LargeStack.run {
            compiler.compile(items: items, statements: statements, tail: tail, file: file)
        }
        return run(compiled, undo: checkpoint)
    }

    /// Loads and runs a compiled input; after a failure or an interrupt, puts the session
    /// back as it was at `checkpoint` (the session variables are untouched: only an input
    /// that finishes stores them).
    private func run(_ compiled: Result<CompilerSession.Input, CompileFailure>, undo checkpoint: SessionCheckpoint) -> Outcome {
        let input: CompilerSession.Input
        switch compiled {
        case .failure(let failure):
            return .compileError(Interpreter.render(failure, sources: sources))
        case .success(let compiled):
            input = compiled
        }
        runtime.synchronize()
        let outcome: Outcome
        switch runtime.evaluate(function: input.entry) {
        case .value(let value):
            if !input.hasValue { return .value(nil) }
            if case .unit = value { return .value(nil) }
            return .value(Printer.debug(value))
        case .exit(let status):
            return .exited(status)
        case .failed(let report), .deadlocked(let report):
            outcome = .runtimeError(report)
        case .interrupted:
            outcome = .interrupted
        }
        compiler.restore(checkpoint, keepingCode: true)
        runtime.synchronize()
        return outcome
    }
}
