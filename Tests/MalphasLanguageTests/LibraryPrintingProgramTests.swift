import XCTest

/// LANGUAGE 5 and 7, end to end: how `println`, `print`, `format` and `to_string` show values.
final class LibraryPrintingProgramTests: XCTestCase {
    func testFloatOnePrintsAsOne() {
        expectOutput("fn main() { println(1.0); }", "1\n")
    }

    func testFloatTwoPointFiftyPrintsAsTwoPointFive() {
        expectOutput("fn main() { println(2.50); }", "2.5\n")
    }

    func testFloatsPrintShortestRoundTrip() {
        expectOutput("fn main() { println(0.1 + 0.2); println(1.0 / 3.0); println(-0.5); }",
                     "0.30000000000000004\n0.3333333333333333\n-0.5\n")
    }

    func testLargeAndSmallFloatsUseExponents() {
        expectOutput("fn main() { println(1e15); println(1e16); println(1e20); println(0.0001); println(6.02e-23); }",
                     "1000000000000000\n1e+16\n1e+20\n0.0001\n6.02e-23\n")
    }

    func testInfinityAndNaN() {
        expectOutput("""
        fn main() {
            let zero = 0.0;
            println(1.0 / zero);
            println(-1.0 / zero);
            println(zero / zero);
        }
        """, "inf\n-inf\nNaN\n")
    }

    func testScalarsPrint() {
        expectOutput("fn main() { println(42); println(-7); println(true); println(false); println(nil); println(()); }",
                     "42\n-7\ntrue\nfalse\nnil\n()\n")
    }

    func testStringsPrintRawAtTopLevelAndQuotedInside() {
        expectOutput("""
        fn main() {
            println("a \\"quoted\\" word");
            println(["a", "b"]);
            println(("x", 1));
        }
        """, "a \"quoted\" word\n[\"a\", \"b\"]\n(\"x\", 1)\n")
    }

    func testListsAndTuplesPrint() {
        expectOutput("fn main() { println([1, 2, 3]); println([[1], []]); println((1, 2.5, true)); println((1,)); }",
                     "[1, 2, 3]\n[[1], []]\n(1, 2.5, true)\n(1,)\n")
    }

    func testStructsPrintWithFieldNames() {
        expectOutput("""
        struct Point { x: int, y: int }
        struct Marker {}
        fn main() {
            println(Point { x: 1, y: 2 });
            println(Marker {});
            println([Point { x: 0, y: -1 }]);
        }
        """, "Point { x: 1, y: 2 }\nMarker {}\n[Point { x: 0, y: -1 }]\n")
    }

    func testVariantsPrintWithoutTheEnumName() {
        expectOutput("""
        enum Shape { Circle(int), Rect(int, int), Empty }
        fn main() {
            println(Shape::Circle(5));
            println(Shape::Rect(3, 4));
            println(Shape::Empty);
        }
        """, "Circle(5)\nRect(3, 4)\nEmpty\n")
    }

    func testMapsPrintInInsertionOrder() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            m.insert("b", 2);
            m.insert("a", 1);
            println(m);
            println(HashMap::new());
        }
        """, "{\"b\": 2, \"a\": 1}\n{}\n")
    }

    func testFunctionsPrintTheirNames() {
        expectOutput("""
        fn add(a: int, b: int) -> int { a + b }
        fn main() { println(add); let f = add; println([f]); }
        """, "<fn add>\n[<fn add>]\n")
    }

    func testPrintlnWithMatchingPlaceholdersFormats() {
        expectOutput("fn main() { let a = 2; let b = 3; println(\"{} + {} = {}\", a, b, a + b); }", "2 + 3 = 5\n")
    }

    func testPrintlnWithoutPlaceholdersConcatenates() {
        expectOutput("fn main() { let w = 3; let h = 4; println(\"Rect: \", w, \"x\", h); }", "Rect: 3x4\n")
    }

    func testPrintlnMacroSpelling() {
        expectOutput("fn main() { println!(\"{}-{:?}\", \"a\", \"b\"); }", "a-\"b\"\n")
    }

    func testPrintlnWithoutArgumentsPrintsAnEmptyLine() {
        expectOutput("fn main() { println(); print(\"x\"); print(1, 2); println(); }", "\nx12\n")
    }

    func testFormatReturnsAString() {
        expectOutput("""
        fn main() {
            let s = format("{} is {} years", "Ann", 30);
            println(s.len());
            println(s);
        }
        """, "15\nAnn is 30 years\n")
    }

    func testFormatSpecs() {
        expectOutput("""
        fn main() {
            println("[{:>6}] [{:<4}] [{:^5}] [{:05}]", "ab", 1, "x", -42);
            println("{:.2} {:.0} {:+}", 3.14159, 2.5, 7);
            println("{:x} {:#b} {{}}", 255, 5);
        }
        """, "[    ab] [1   ] [  x  ] [-0042]\n3.14 2 +7\nff 0b101 {}\n")
    }

    func testFormatCountMismatchIsARuntimeError() {
        expectRuntimeError("fn main() { let s = format(\"{} {}\", 1, 2, 3); }", "format: 2 placeholders but 3 arguments")
    }

    func testToStringAndAsString() {
        expectOutput("""
        fn main() {
            let a = to_string(1.5);
            let b = 42.to_string();
            let c = [1, 2] as string;
            println(a + "|" + b + "|" + c);
        }
        """, "1.5|42|[1, 2]\n")
    }

    func testReferencesPrintTheirTarget() {
        expectOutput("""
        fn main() {
            let mut x = "hi";
            let r = &x;
            println(r);
            println([r]);
        }
        """, "hi\n[\"hi\"]\n")
    }

    func testDeeplyNestedListPrints() {
        expectOutput("""
        fn main() {
            // A list nested 100,000 deep has no static type: `v` starts as nil, which the
            // checker leaves unknown.
            let mut v = nil;
            v = [1];
            let mut i = 0;
            while i < 100000 { v = [v]; i = i + 1; }
            let s = to_string(v);
            println(s.len());
            println(v == v);
        }
        """, "200003\ntrue\n")
    }
}
