import XCTest

/// LANGUAGE 4: statements and expressions.
final class ExpressionTests: XCTestCase {
    func testLetAndMutableBindings() {
        expectOutput("""
        fn main() {
            let x = 5;
            let mut y = x;
            y += 10;
            let z: int = y * 2;
            println(x, " ", y, " ", z);
            let x = "shadowed";
            println(x);
        }
        """, "5 15 30\nshadowed\n")
    }

    func testBlocksAreExpressions() {
        expectOutput("""
        fn main() {
            let v = { let a = 2; let b = 3; a * b };
            println(v);
            let unit = { let a = 1; };
            println(unit);
        }
        """, "6\n()\n")
    }

    func testIfIsAnExpression() {
        expectOutput("""
        fn classify(x: int) -> string { if x > 5 { "high" } else if x > 2 { "mid" } else { "low" } }
        fn main() {
            let s = if 7 > 5 { "high" } else { "low" };
            println(s);
            println(classify(1), classify(3), classify(9));
        }
        """, "high\nlowmidhigh\n")
    }

    func testLoopWithBreakValue() {
        expectOutput("""
        fn main() {
            let mut n = 0;
            let found = loop {
                n += 1;
                if n * n > 50 { break n; }
            };
            println(found);
        }
        """, "8\n")
    }

    func testBreakAndContinue() {
        expectOutput("""
        fn main() {
            let mut out = [];
            for i in 0..10 {
                if i % 2 == 0 { continue; }
                if i > 7 { break; }
                out.push(i);
            }
            println(out);
            let mut i = 0;
            while true { i += 1; if i == 3 { continue; } if i >= 5 { break; } print(i); }
            println();
        }
        """, "[1, 3, 5, 7]\n124\n")
    }

    func testCompoundAssignment() {
        expectOutput("""
        fn main() {
            let mut x = 10;
            x += 5; x -= 3; x *= 4; x /= 6; x %= 5;
            println(x);
            let mut f = 1.5;
            f *= 2.0;
            println(f);
            let mut s = "a";
            s += "b";
            println(s);
        }
        """, "3\n3\nab\n")
    }

    func testShortCircuitLogic() {
        expectOutput("""
        fn loud(b: bool) -> bool { print("!"); b }
        fn main() {
            println(false && loud(true));
            println(true || loud(true));
            println(true && loud(false));
            println(!true, " ", !false);
        }
        """, "false\ntrue\n!false\nfalse true\n")
    }

    func testStringConcatenationAndComparison() {
        expectOutput("""
        fn main() {
            let s = "foo" + "bar";
            println(s, " ", s.len(), " ", len(s));
            println("abc" < "abd", " ", "b" > "a", " ", "x" == "x", " ", "x" != "y");
        }
        """, "foobar 6 6\ntrue true true true\n")
    }

    func testCasts() {
        expectOutput("""
        fn main() {
            println(7 as float / 2.0);
            println(3.99 as int, " ", -3.99 as int);
            println(42 as string + "!");
            let x: i64 = 5;
            println(x as f64);
        }
        """, "3.5\n3 -3\n42!\n5\n")
    }

    func testMacroSyntaxIsACall() {
        expectOutput("""
        fn main() {
            let name = "Malphas";
            println!("Hello, {}!", name);
            let s = format!("{} + {} = {}", 1, 2, 1 + 2);
            println!("{}", s);
        }
        """, "Hello, Malphas!\n1 + 2 = 3\n")
    }

    func testClosureCalledWhereItStands() {
        expectOutput("""
        fn main() {
            println(|x: int| { x * 2 }(7));
        }
        """, "14\n")
    }

    func testConstantsAndTypeAliases() {
        expectOutput("""
        const LIMIT: int = 10 * 10;
        const GREETING: string = "hi";
        const DERIVED: int = LIMIT + 1;
        type Count = int;
        fn main() {
            let c: Count = LIMIT;
            println(c, " ", GREETING, " ", DERIVED);
        }
        """, "100 hi 101\n")
    }

    func testRangesAsValues() {
        expectOutput("""
        fn main() {
            let r = 2..5;
            for i in r { print(i); }
            println();
            let v = [1, 2, 3, 4, 5];
            println(v[1..3], v[..2], v[3..], v[1..=2]);
        }
        """, "234\n[2, 3][1, 2][4, 5][2, 3]\n")
    }

    func testMainReturningIntSetsExitStatus() {
        expectOutput("""
        fn main() -> int { println("bye"); 3 }
        """, "bye\n", status: 3)
    }

    func testItemsUsedBeforeDefinition() {
        expectOutput("""
        fn main() { println(later(2)); let p = Pt { x: 1 }; println(p.x); }
        fn later(x: int) -> int { x * 21 }
        struct Pt { x: int }
        """, "42\n1\n")
    }

    func testNestedFunctions() {
        expectOutput("""
        fn main() {
            fn square(x: int) -> int { x * x }
            fn fact(n: int) -> int { if n == 0 { 1 } else { n * fact(n - 1) } }
            println(square(7), " ", fact(5));
        }
        """, "49 120\n")
    }
}
