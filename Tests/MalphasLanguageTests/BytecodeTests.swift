import XCTest
import MalphasCompiler
@testable import MalphasVM

/// The opcode table is the single source of truth; docs/BYTECODE.md documents all of it.
final class BytecodeTests: XCTestCase {
    /// docs/BYTECODE.md's table, generated from the opcode table. Run the tests with
    /// MALPHAS_WRITE_BYTECODE_DOC=1 to rewrite the file after changing the instruction set.
    static func bytecodeTable() -> String {
        func operands(_ f: OperandFormat) -> String {
            switch f {
            case .none: return "—"
            case .a: return "A"
            case .ab: return "A B"
            case .abc: return "A B C"
            case .abx: return "A Bx"
            case .asbx: return "A sBx"
            case .sbx: return "sBx"
            }
        }
        var rows = "| opcode | operands | effect |\n|---|---|---|\n"
        for op in Opcode.allCases {
            rows += "| `\(op.mnemonic)` | \(operands(op.format)) | \(op.summary.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        return rows
    }

    func testEveryOpcodeIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/BYTECODE.md")
        var text = try String(contentsOf: docs, encoding: .utf8)
        let table = BytecodeTests.bytecodeTable()
        if ProcessInfo.processInfo.environment["MALPHAS_WRITE_BYTECODE_DOC"] == "1",
           let start = text.range(of: "| opcode | operands | effect |") {
            text = String(text[..<start.lowerBound]) + table
            try text.write(to: docs, atomically: true, encoding: .utf8)
        }
        for op in Opcode.allCases {
            XCTAssertTrue(text.contains("| `\(op.mnemonic)` |"), "docs/BYTECODE.md lacks a row for `\(op.mnemonic)`")
        }
        XCTAssertTrue(text.hasSuffix(table), "docs/BYTECODE.md's table differs from the opcode table; regenerate it with MALPHAS_WRITE_BYTECODE_DOC=1 swift test --filter BytecodeTests")
    }

    func testInstructionEncodingRoundTrips() {
        let w = Instruction.make(.callMethod, a: 65535, b: 1234, c: 7, d: 1)
        XCTAssertEqual(Instruction.opcode(w), .callMethod)
        XCTAssertEqual(Instruction.a(w), 65535)
        XCTAssertEqual(Instruction.b(w), 1234)
        XCTAssertEqual(Instruction.c(w), 7)
        XCTAssertEqual(Instruction.d(w), 1)
        let j = Instruction.make(.jump, bx: -123456)
        XCTAssertEqual(Instruction.sBx(j), -123456)
        let s = Instruction.make(.jumpIfNotLess, a: 1, b: 2, c: -5)
        XCTAssertEqual(Instruction.sC(s), -5)
    }

    func testDisassemblerShowsFunctionsLinesAndOperands() throws {
        let (_, compiled) = Interpreter.compile(source: """
        fn square(x: int) -> int { x * x }
        fn main() { println(square(3) + 1); }
        """)
        let text = Interpreter.disassemble(try compiled.get())
        XCTAssertTrue(text.contains("function 2 `square` (main.mal:1): 1 parameter"), text)
        XCTAssertTrue(text.contains("multiply            1 0 0"), text)
        XCTAssertTrue(text.contains("; square"), text)
        XCTAssertTrue(text.contains("; println"), text)
        XCTAssertTrue(text.contains("safePoint"), text)
    }

    func testATailIfBranchReturnsItsValueWithoutAMoveOrAJump() throws {
        let (_, compiled) = Interpreter.compile(source: """
        fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
        fn main() { println(fib(10)); }
        """)
        let text = Interpreter.disassemble(try compiled.get())
        let fib = text.components(separatedBy: "function 3")[0]
        XCTAssertTrue(fib.contains("jumpIfNotLessConst  0 0 2"), text)
        XCTAssertTrue(fib.contains("returnValue         0"), text)
        XCTAssertFalse(fib.contains("jump                "), text)
        XCTAssertFalse(fib.contains("move"), text)
        expectOutput("""
        fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
        fn main() { println(fib(20)); }
        """, "6765\n")
    }

    func testConstantsFoldAtCompileTime() throws {
        let (_, compiled) = Interpreter.compile(source: """
        const K: int = 6;
        fn main() { println(K * 7 + 0, " ", "a" + "b", " ", 2.0 * 1.5, " ", !true); }
        """)
        let text = Interpreter.disassemble(try compiled.get())
        XCTAssertTrue(text.split(separator: "\n").contains { $0.contains("loadInt") && $0.hasSuffix(" 42") }, text)
        XCTAssertTrue(text.contains("\"ab\""), text)
        XCTAssertFalse(text.contains("multiply"), text)
    }

    func testOverflowInConstantExpressionsIsLeftToRunTime() {
        expectRuntimeError("""
        fn main() {
            if false { println(9223372036854775807 + 1); }
            println("ok");
            println(9223372036854775807 + 1);
        }
        """, "error: integer overflow in `+`", trace: ["at main (main.mal:4)"], stdout: "ok\n")
    }

    func testSafePointsCanBeCompiledOut() throws {
        let (_, compiled) = Interpreter.compile(source: "fn main() { let mut i = 0; while i < 3 { i += 1; } }", safePoints: false)
        let text = Interpreter.disassemble(try compiled.get())
        XCTAssertFalse(text.contains("safePoint"), text)
        XCTAssertFalse(text.contains("loopBack"), text)
        let r = Harness.run("fn main() { let mut i = 0; while i < 3 { i += 1; } println(i); }", safePoints: false)
        XCTAssertEqual(r.stdout, "3\n")
    }
}
