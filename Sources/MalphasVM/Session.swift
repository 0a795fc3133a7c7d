// A REPL session: inputs are compiled against one persistent global scope and run on one
// persistent loaded program, so items, `let` bindings and spawned legions of earlier
// inputs are there for later ones. The legion runtime starts with the first input and
// keeps running between inputs (legions parked on channels stay parked); an input that
// fails or deadlocks stops it, abandoning every legion, and the next input starts afresh.

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
    }

    public let sources = SourceMap()
    private let compiler: CompilerSession
    private let options: RunOptions
    private let context: BuiltinContext
    private let runtime: LegionRuntime
    private var loaded: LoadedProgram?
    private var vm: VM?
    private var inputCount = 0

    public init(options: RunOptions = RunOptions()) {
        self.options = options
        runtime = LegionRuntime(settings: options.legions)
        compiler = CompilerSession(sources: sources, options: CompileOptions(safePoints: options.safePointsEnabled))
        context = BuiltinContext(output: options.output, errorOutput: options.errorOutput,
                                 input: options.input, args: options.args)
        let prelude = sources.add(SourceFile(name: "<prelude>", text: Prelude.source))
        let parsed = Parser.parse(prelude, in: sources)
        if case .success(let input) = compiler.compile(items: parsed.unit.items, statements: [], tail: nil, file: prelude) {
            load(input)
            loaded?.preludeMap = compiler.global.program.preludeFunctions["map"]
            loaded?.preludeFilter = compiler.global.program.preludeFunctions["filter"]
        }
    }

    deinit {
        runtime.shutdown(errorOutput: options.errorOutput)
        runtime.releaseLegions()
        loaded?.tearDown()
    }

    private func load(_ input: CompilerSession.Input) {
        if let loaded {
            loaded.load(from: input.firstFunction, typesFrom: (input.firstStruct, input.firstEnum))
        } else {
            let program = LoadedProgram(compiler.global.program)
            loaded = program
            let vm = VM(program: program, context: context, runtime: runtime, maxDepth: options.maxDepth,
                        suspendEverySafePoint: options.suspendEverySafePoint)
            runtime.vm = vm
            self.vm = vm
        }
    }

    /// Compiles and runs one input (items and statements, as typed at the prompt).
    public func evaluate(_ text: String) -> Outcome {
        inputCount += 1
        let file = sources.add(SourceFile(name: "<repl:\(inputCount)>", text: text))
        let compiled: Result<CompilerSession.Input, CompileFailure> = LargeStack.run {
            let parsed = Parser.parseReplInput(file, in: sources)
            if parsed.diagnostics.contains(where: { $0.severity == .error }) {
                let failure = CompileFailure(diagnostics: parsed.diagnostics)
                ASTRelease.release(items: parsed.items, statements: parsed.statements, tail: parsed.tail)
                return .failure(failure)
            }
            // `mod name;` files (beside the working directory) and the library modules it names.
            let modules = ModuleLoader(sources: sources, library: StandardLibrary.current,
                                       alreadyLoaded: compiler.global.modules.libraryModulesDeclared)
                .load(SourceUnit(file: file, items: parsed.items))
            if modules.diagnostics.contains(where: { $0.severity == .error }) {
                let failure = CompileFailure(diagnostics: modules.diagnostics)
                ASTRelease.release(items: parsed.items, statements: parsed.statements, tail: parsed.tail)
                LoadedModules.release(consume modules)
                return .failure(failure)
            }
            let result = compiler.compile(items: modules.unit.items, statements: parsed.statements, tail: parsed.tail,
                                          file: file, modules: modules)
            ASTRelease.release(items: parsed.items, statements: parsed.statements, tail: parsed.tail)
            LoadedModules.release(consume modules)
            return result
        }
        let input: CompilerSession.Input
        switch compiled {
        case .failure(let failure):
            return .compileError(Interpreter.render(failure, sources: sources))
        case .success(let compiled):
            input = compiled
        }
        load(input)
        guard let loaded, let vm else { return .compileError("internal error: the session has no program") }
        if !runtime.isRunning, let reason = runtime.start() { return .runtimeError("error: \(reason)\n") }
        let ending = runtime.runMain(entry: loaded.closure(forFunction: input.entry), errorOutput: options.errorOutput)
        context.flush()
        defer { if !runtime.isRunning { runtime.releaseLegions() } }
        switch ending {
        case .finished(let value):
            if !input.hasValue { return .value(nil) }
            if case .unit = value { return .value(nil) }
            return .value(Printer.debug(value))
        case .failed(let failure):
            if case .exit(let status) = failure.error.kind { return .exited(status) }
            return .runtimeError(Interpreter.report(failure, mainID: runtime.main?.id ?? 1))
        case .deadlock(let legions):
            return .runtimeError(Interpreter.deadlockReport(legions, main: runtime.main, vm: vm))
        case .notStarted(let reason):
            return .runtimeError("error: \(reason)\n")
        }
    }
}
