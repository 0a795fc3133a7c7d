// The REPL's commands: a line that starts with `:`. Each prints to the session's output
// (errors to its error output) and returns what happened.

import Glibc
import MalphasCompiler
import MalphasSyntax
import MalphasVM

/// The commands, by name.
enum ReplCommand: String, CaseIterable {
    case help, quit, load, disasm, type, time, stats, legions, reset

    var usage: String {
        switch self {
        case .help: return ":help              this list"
        case .quit: return ":quit              leave (also :q, or Ctrl-D on an empty line)"
        case .load: return ":load FILE         evaluate a file's items (fn, struct, ...) into the session"
        case .disasm: return ":disasm NAME       the bytecode of a session function (`f`, `Point::new`)"
        case .type: return ":type EXPR         the static type of EXPR, without running it"
        case .time: return ":time EXPR         evaluate EXPR and print how long it took"
        case .stats: return ":stats             runtime and VM counters"
        case .legions: return ":legions           live legions and what they are doing"
        case .reset: return ":reset             forget everything: a fresh session"
        }
    }

    /// The command a typed name means: its full name or a unique prefix (`:q`, `:dis`).
    init?(typed name: String) {
        if let exact = ReplCommand(rawValue: name) { self = exact; return }
        let matches = ReplCommand.allCases.filter { $0.rawValue.hasPrefix(name) }
        guard !name.isEmpty, matches.count == 1 else { return nil }
        self = matches[0]
    }
}

extension ReplSession {
    /// The text `:help` prints.
    public static var helpText: String {
        var text = """
        Type Malphas items (fn, struct, enum, impl, trait, const, type), statements and
        expressions. Items and `let` bindings stay for later inputs; an expression's value
        is printed (strings quoted). An input with open brackets, braces or a string goes
        on on the `...` prompt. A failed input changes nothing.

        Commands:

        """
        for c in ReplCommand.allCases { text += "  " + c.usage + "\n" }
        text += """

        Keys: Tab completes, Up/Down recall history (kept in ~/.malphas_history),
        Ctrl-C cancels the line or interrupts running code, Ctrl-D on an empty line leaves.

        """
        return text
    }

    /// Runs a `:command` line.
    func runCommand(_ line: Substring) -> InputResult {
        let body = line.dropFirst()
        let name = String(body.prefix { $0 != " " && $0 != "\t" })
        let argument = String(body.dropFirst(name.count).trimmingWhitespace)
        guard let command = ReplCommand(typed: name) else {
            return commandError("unknown command `:\(name)`; `:help` lists the commands")
        }
        switch command {
        case .help:
            say(ReplSession.helpText)
            return .done
        case .quit:
            return .quit
        case .reset:
            reset()
            say("session reset\n")
            return .done
        case .stats:
            let rows = runtime.statistics
            let width = rows.map(\.0.count).max() ?? 0
            say(rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 + "\n" }.joined())
            return .done
        case .legions:
            let legions = runtime.legions
            if legions.isEmpty {
                say("no live legions\n")
            } else {
                say(legions.map { "legion \($0.id): \($0.state) at \($0.location)\n" }.joined())
            }
            return .done
        case .disasm:
            guard !argument.isEmpty else { return commandError("usage: :disasm NAME (a function of the session)") }
            guard let index = compiler.functionIndex(named: argument) else {
                let known = compiler.functionNames
                return commandError("no function named `\(argument)` in this session"
                                    + (known.isEmpty ? "" : "; defined: " + known.joined(separator: ", ")))
            }
            say(Disassembler.disassemble(compiler.program.functions[index], index: index, program: compiler.program))
            return .done
        case .type:
            guard !argument.isEmpty else { return commandError("usage: :type EXPR") }
            switch session.typeOf(argument) {
            case .success(let type):
                say("\(argument): \(type)\n")
                return .done
            case .failure(let failure):
                return report(.compileError(Interpreter.render(failure, sources: session.sources)))
            }
        case .time:
            guard !argument.isEmpty else { return commandError("usage: :time EXPR") }
            let start = monotonicNs()
            let result = evaluate(argument)
            let elapsed = Double(monotonicNs() - start) / 1_000_000
            say("time: \(formatMs(elapsed))\n")
            return result
        case .load:
            guard !argument.isEmpty else { return commandError("usage: :load FILE") }
            return load(path: argument)
        }
    }

    /// `:load FILE`: the file's items join the session (its `main` is not run).
    private func load(path: String) -> InputResult {
        guard let bytes = readFile(path) else {
            return commandError("cannot read `\(path)`: \(String(cString: strerror(errno)))")
        }
        let file = session.sources.add(SourceFile(name: path, bytes: bytes))
        let parsed = Parser.parse(file, in: session.sources)
        if parsed.diagnostics.contains(where: { $0.severity == .error }) {
            return report(.compileError(DiagnosticRenderer(sources: session.sources).render(parsed.diagnostics)))
        }
        let result = report(session.evaluate(items: parsed.unit.items, statements: [], tail: nil, file: file))
        if result == .done {
            let names = parsed.unit.items.compactMap(\.definedName)
            var text = "loaded \(path): \(names.count) item\(names.count == 1 ? "" : "s")"
            if !names.isEmpty { text += " (" + names.joined(separator: ", ") + ")" }
            if names.contains("main") { text += "; call `main()` to run it" }
            say(text + "\n")
        }
        return result
    }

    private func commandError(_ message: String) -> InputResult {
        sawCompileError = true
        complain("error: " + message + "\n")
        return .commandError
    }

    private func formatMs(_ ms: Double) -> String {
        let rounded = (ms * 1000).rounded() / 1000
        return "\(rounded) ms"
    }
}

extension Item {
    /// The name the item defines, if it defines one.
    var definedName: String? {
        switch kind {
        case .function(let f): return f.name.name
        case .structDecl(let s): return s.name.name
        case .enumDecl(let e): return e.name.name
        case .traitDecl(let t): return t.name.name
        case .constDecl(let c): return c.name.name
        case .typeAlias(let a): return a.name.name
        default: return nil
        }
    }
}

// MARK: - Small system helpers

func monotonicNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

func monotonicMs() -> Int64 { monotonicNs() / 1_000_000 }

/// The bytes of the file at `path`, or nil (errno says why).
func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 { return bytes }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        bytes.append(contentsOf: chunk[0..<n])
    }
}
