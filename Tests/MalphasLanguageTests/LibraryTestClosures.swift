// Function values for the value library's unit tests (printing `<fn name>`, identity).

@testable import MalphasCompiler
@testable import MalphasVM
import MalphasSyntax

func closure(named name: String) -> ClosureBox {
    let proto = FunctionProto(name: name, file: SourceFileID(raw: 0), arity: 0, hasReceiver: false, line: 1)
    return ClosureBox(code: CodeObject(proto: proto), upvalues: [])
}
