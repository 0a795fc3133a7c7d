// A minimal command line over the driver API (`Interpreter`): `malphas run FILE [ARGS]`,
// `malphas check FILE`, `malphas disasm FILE`. The full CLI and the REPL build on the
// same calls.

import Glibc
import MalphasSyntax
import MalphasVM

func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return bytes
}

func fail(_ message: String, status: Int32 = 2) -> Never {
    Output.standardError.write(message + "\n")
    Output.standardError.flush()
    exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, ["run", "check", "disasm"].contains(arguments[0]) else {
    fail("usage: malphas run FILE [ARGS...] | malphas check FILE | malphas disasm FILE")
}
let path = arguments[1]
guard let bytes = readFile(path) else { fail("error: cannot read `\(path)`") }
let sources = SourceMap()
let file = sources.add(SourceFile(name: path, bytes: bytes))
switch Interpreter.compile(file, in: sources) {
case .failure(let failure):
    fail(Interpreter.render(failure, sources: sources), status: Interpreter.compileErrorStatus)
case .success(let program):
    switch arguments[0] {
    case "check":
        exit(0)
    case "disasm":
        Output.standardOutput.write(Interpreter.disassemble(program))
        Output.standardOutput.flush()
        exit(0)
    default:
        let status = Interpreter.run(program, options: .fromEnvironment(args: Array(arguments.dropFirst(2))))
        Output.standardOutput.flush()
        exit(status)
    }
}
