import ArgumentParser
import Glibc
import MalphasCompiler
import MalphasSyntax
import MalphasVM

/// `malphas`: the root command. A first argument that is not a subcommand is a file to run,
/// so `malphas prog.mal` is `malphas run prog.mal`.
struct MalphasCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "malphas",
        abstract: "Run Malphas programs: Rust-like syntax, Go-like legions and channels.",
        version: "malphas \(version)",
        subcommands: [RunCommand.self, CheckCommand.self, DisasmCommand.self, TestCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// The program to work on, as named on the command line.
struct SourceOptions: ParsableArguments {
    @Argument(help: "The program to read (`-` for standard input).")
    var file: String

    /// Loads the program into a new source map, or prints why it cannot and exits with status 2.
    func load() throws -> (SourceMap, SourceFileID) {
        let sources = SourceMap()
        do {
            let bytes = try SourceReader.read(path: file)
            let name = file == "-" ? "<stdin>" : file
            return (sources, sources.add(SourceFile(name: name, bytes: bytes)))
        } catch let error as SourceReader.Failure {
            printError("error: \(error.description)")
            throw ExitCode(Interpreter.compileErrorStatus)
        }
    }

    /// Compiles the program, printing its diagnostics and exiting with status 2 on failure.
    func compile() throws -> CompiledProgram {
        let (sources, id) = try load()
        switch Interpreter.compile(id, in: sources) {
        case .success(let program):
            return program
        case .failure(let failure):
            printError(Interpreter.render(failure, sources: sources), terminator: "")
            throw ExitCode(Interpreter.compileErrorStatus)
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compile and run a program; its exit status is the program's."
    )

    @OptionGroup var source: SourceOptions

    @Option(name: .customLong("max-depth"), help: "The deepest Malphas call nesting before `stack overflow`.")
    var maxDepth: Int?

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the program (`args()`).")
    var programArguments: [String] = []

    func run() throws {
        let program = try source.compile()
        var options = RunOptions.fromEnvironment(args: [source.file] + programArguments)
        if let depth = maxDepth {
            guard depth > 0 else { throw ValidationError("--max-depth must be positive") }
            options.maxDepth = depth
        }
        let status = Interpreter.run(program, options: options)
        if status != 0 { throw ExitCode(status) }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report compile errors without running the program."
    )

    @OptionGroup var source: SourceOptions

    func run() throws {
        _ = try source.compile()
    }
}

struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Print the program's bytecode, function by function."
    )

    @OptionGroup var source: SourceOptions

    func run() throws {
        let program = try source.compile()
        print(Interpreter.disassemble(program), terminator: "")
    }
}

func printError(_ text: String, terminator: String = "\n") {
    var out = text + terminator
    out.withUTF8 { buffer in _ = fwrite(buffer.baseAddress, 1, buffer.count, stderr) }
    fflush(stderr)
}
