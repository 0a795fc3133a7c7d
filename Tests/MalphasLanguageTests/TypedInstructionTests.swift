// Instructions chosen from the static types: where the type checker proves both operands
// of `+ - * /` float, the compiler emits the float-first instructions. A statically typed
// operand may still be nil at run time (a `T` may hold nil) or arrive through a reference
// (`&T` reads as `T`), so the kind is still tested: those cases raise the same errors, at
// the same place, as the untyped instructions.

import XCTest
import MalphasCompiler
@testable import MalphasVM

final class TypedInstructionTests: XCTestCase {
    func disassembly(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let (_, compiled) = Interpreter.compile(source: source)
        guard let program = try? compiled.get() else {
            XCTFail("does not compile", file: file, line: line)
            return ""
        }
        return Interpreter.disassemble(program)
    }

    func testStaticallyFloatOperandsUseTheFloatInstructions() {
        let text = disassembly("""
        fn mix(x: float, y: float) -> float { (x + y) * (x - y) / y }
        fn main() { println(mix(3.0, 1.0)); }
        """)
        for op in ["addFloat ", "subtractFloat ", "multiplyFloat ", "divideFloat "] {
            XCTAssertTrue(text.contains(op), "\(op) missing in\n\(text)")
        }
    }

    func testIntAndUnknownOperandsKeepTheGeneralInstructions() {
        let text = disassembly("""
        fn sum(x: int, y: int) -> int { x + y }
        fn join(a: string, b: string) -> string { a + b }
        fn main() { println(sum(1, 2), join("a", "b")); }
        """)
        XCTAssertTrue(text.contains("add                 "), text)
        XCTAssertFalse(text.contains("Float"), text)
    }

    func testFloatInstructionsComputeAsTheOperatorsDo() {
        expectOutput("""
        fn mix(x: float, y: float) -> float { (x + y) * (x - y) / y }
        fn main() {
            println(mix(3.0, 1.0));
            println(mix(2.5, 0.5));
            let mut t = 0.0;
            let mut i = 0;
            while i < 4 { t = t + 0.25 * t + 1.0; i += 1; }
            println(t);
        }
        """, "8\n12\n5.765625\n")
    }

    func testANilReachingAFloatOperationIsStillARuntimeErrorAtItsLine() {
        expectRuntimeError("""
        fn scale(v: Vec[float], k: float) -> float {
            let first = v.first();
            first * k
        }
        fn main() { println(scale([], 2.0)); }
        """, "cannot multiply nil", trace: ["at scale (main.mal:3)", "at main (main.mal:5)"])
    }

    func testANilFromAListLookupReachingAFloatDivisionIsStillARuntimeError() {
        expectRuntimeError("""
        fn half(x: float) -> float { x / 2.0 }
        fn main() {
            let values = [1.0, 2.0];
            let v = values.get(0);
            println(half(v));
            println(half(values.get(5)));
        }
        """, "cannot divide nil by float", trace: ["at half (main.mal:1)"], stdout: "0.5\n")
    }
}
