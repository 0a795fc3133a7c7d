import XCTest

/// LANGUAGE 7, end to end: the builtin functions.
final class LibraryBuiltinProgramTests: XCTestCase {
    func testLenCountsBytesElementsAndEntries() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            m.put(1, 2);
            println(len("héllo"), " ", len([1, 2, 3]), " ", len(m), " ", len(""));
        }
        """, "6 3 1 0\n")
    }

    func testLenOfAnIntIsAnError() {
        // In a generic body the checker leaves the argument's type open: the run-time check decides.
        expectRuntimeError("fn count[T](x: T) -> int { len(x) } fn main() { let n = count(5); }", "`len` expects a string, list, map or channel, got int")
    }

    func testAssertPassesSilently() {
        expectOutput("fn main() { assert(1 < 2); assert_eq([1, 2], [1, 2]); println(\"ok\"); }", "ok\n")
    }

    func testFailedAssertPanics() {
        expectRuntimeError("fn main() { assert(1 > 2); }", "panicked: assertion failed")
    }

    func testFailedAssertWithMessage() {
        expectRuntimeError("fn main() { assert(false, \"x must be positive\"); }", "panicked: assertion failed: x must be positive")
    }

    func testFailedAssertEqShowsBothValues() {
        expectRuntimeError("fn main() { assert_eq(1 + 1, 3); }", "panicked: assertion failed: left == right\n  left: 2\n right: 3")
    }

    func testFailedAssertEqShowsStringsQuoted() {
        expectRuntimeError("fn main() { assert_eq(\"a\", \"b\"); }", "  left: \"a\"\n right: \"b\"")
    }

    func testPanicPrintsItsMessage() {
        expectRuntimeError("fn main() { println(\"before\"); panic(\"boom\"); }", "panicked: boom", stdout: "before\n")
    }

    func testPanicFormatsItsArgumentsLikePrintln() {
        expectRuntimeError("fn main() { panic!(\"bad {}: {:?}\", 1, \"x\"); }", "panicked: bad 1: \"x\"")
    }

    func testAssertMessagesFormatTheirArguments() {
        expectRuntimeError("fn main() { let n = 3; assert(n < 0, \"n = {}\", n); }", "panicked: assertion failed: n = 3")
        expectRuntimeError("fn main() { assert_eq(1, 2, \"case {}\", 7); }", "panicked: assertion failed: case 7\n  left: 1\n right: 2")
    }

    func testExitEndsTheProgramWithItsStatus() {
        expectOutput("fn main() { println(\"bye\"); exit(3); println(\"unreachable\"); }", "bye\n", status: 3)
    }

    func testExitWithoutStatusIsZero() {
        expectOutput("fn main() { print(\"a\"); exit(); }", "a")
    }

    func testReadLineReadsLinesThenNil() {
        let r = Harness.run("""
        fn main() {
            let mut total = 0;
            loop {
                let line = read_line();
                if line == nil { break; }
                total = total + line.trim().parse_int().unwrap_or(0);
            }
            println(total);
        }
        """, input: "1\n2\r\n x \n39")
        XCTAssertEqual(r.stdout, "42\n")
        XCTAssertEqual(r.status, 0)
    }

    func testArgsListsTheProgramArguments() {
        let r = Harness.run("fn main() { println(args()); println(args().len()); }", args: ["one", "two"])
        XCTAssertEqual(r.stdout, "[\"one\", \"two\"]\n2\n")
    }

    func testAbs() {
        expectOutput("fn main() { println(abs(-3), \" \", abs(2.5), \" \", (-4).abs()); }", "3 2.5 4\n")
    }

    func testMinAndMax() {
        expectOutput("""
        fn main() {
            println(min(3, 1), " ", max(3, 1), " ", min(2.5, 1.5), " ", max("a", "b"));
            println(min(5, 2, 8), " ", max([4, 9, 2]), " ", min([]));
            println(3.min(7), " ", 3.max(7));
        }
        """, "1 3 1.5 b\n2 9 nil\n3 7\n")
    }

    func testMinOfIntAndFloatIsAnError() {
        expectRuntimeError("fn least[A, B](a: A, b: B) { let m = min(a, b); } fn main() { least(1, 2.0); }", "cannot compare float and int with `min`; convert with `as`")
    }

    func testSqrtFloorCeilPow() {
        expectOutput("""
        fn main() {
            println(sqrt(16.0), " ", sqrt(2), " ", floor(2.7), " ", ceil(2.1), " ", floor(-2.5));
            println(pow(2, 10), " ", pow(2.0, 0.5), " ", pow(2.0, -1), " ", 9.0.sqrt());
        }
        """, "4 1.4142135623730951 2 3 -3\n1024 1.4142135623730951 0.5 3\n")
    }

    func testPowOverflowIsAnError() {
        expectRuntimeError("fn main() { let p = pow(10, 19); }", "integer overflow in `pow`")
    }

    func testWrongArgumentCountNamesTheBuiltin() {
        expectRuntimeError("fn main() { let s = sqrt(1.0, 2.0); }", "builtin `sqrt` takes 1 argument but 2 were supplied")
    }

    func testWrongArgumentKindNamesTheBuiltin() {
        expectRuntimeError("fn main() { let s = sqrt(\"4\"); }", "builtin `sqrt` expects an int or a float, got string")
    }

    func testToStringBuiltin() {
        expectOutput("fn main() { println(to_string(3) + to_string(true) + to_string(nil)); }", "3truenil\n")
    }
}
