import MalphasFormat
import MalphasSyntax
import XCTest

/// The layout rules of `malphas fmt`, one test each: the source before and after.
final class FormatterRuleTests: XCTestCase {
    func testIndentsBlocksByFourSpaces() {
        assertFormats("fn main() {\nlet x = 1;\n  if x > 0 {\nprintln(x);\n}\n}\n", """
        fn main() {
            let x = 1;
            if x > 0 {
                println(x);
            }
        }

        """)
    }

    func testPutsOneStatementPerLine() {
        assertFormats("fn main() { let a = 1; let b = 2; println(a + b); }\n", """
        fn main() {
            let a = 1;
            let b = 2;
            println(a + b);
        }

        """)
    }

    func testPutsSpacesAroundBinaryOperatorsAndNoneAfterUnaryOnes() {
        assertFormats("fn main() {\n    let x = -1+2*3<<1;\n    let y = !true&&x>=0||*r==&v;\n}\n", """
        fn main() {
            let x = -1 + 2 * 3 << 1;
            let y = !true && x >= 0 || *r == &v;
        }

        """)
    }

    func testSeparatesItemsByOneBlankLine() {
        assertFormats("fn a() {}\nfn b() {}\n\n\n\nstruct P {\n    x: int,\n}\n", """
        fn a() {}

        fn b() {}

        struct P {
            x: int,
        }

        """)
    }

    func testKeepsAtMostOneBlankLineBetweenStatements() {
        assertFormats("fn main() {\n    let a = 1;\n\n\n\n    let b = 2;\n    let c = 3;\n}\n", """
        fn main() {
            let a = 1;

            let b = 2;
            let c = 3;
        }

        """)
    }

    func testKeepsUseAndConstGroupsAsWritten() {
        assertFormats("use std::math::gcd;\nuse std::strings::pad_left;\nconst A: int = 1;\nconst B: int = 2;\n", """
        use std::math::gcd;
        use std::strings::pad_left;

        const A: int = 1;
        const B: int = 2;

        """)
    }

    func testBreaksALongCallOneArgumentPerLineWithATrailingComma() {
        let long = "fn main() {\n    compute(first_argument_value, second_argument_value, third_argument_value, fourth_argument_value);\n}\n"
        assertFormats(long, """
        fn main() {
            compute(
                first_argument_value,
                second_argument_value,
                third_argument_value,
                fourth_argument_value,
            );
        }

        """)
    }

    func testJoinsAShortCallBrokenByHandAndDropsItsTrailingComma() {
        assertFormats("fn main() {\n    f(\n        1,\n        2,\n    );\n}\n", """
        fn main() {
            f(1, 2);
        }

        """)
    }

    func testBreaksALongArrayLiteral() {
        let source = "const PRIMES: []int = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79];\n"
        assertFormats(source, """
        const PRIMES: []int = [
            2,
            3,
            5,
            7,
            11,
            13,
            17,
            19,
            23,
            29,
            31,
            37,
            41,
            43,
            47,
            53,
            59,
            61,
            67,
            71,
            73,
            79,
        ];

        """)
    }

    func testBreaksALongOperatorChainBeforeItsOperators() {
        let source = "fn f() -> bool {\n    first_condition_value && second_condition_value && third_condition_value && fourth_condition_value\n}\n"
        assertFormats(source, """
        fn f() -> bool {
            first_condition_value
                && second_condition_value
                && third_condition_value
                && fourth_condition_value
        }

        """)
    }

    func testKeepsAClosureBodyBesideTheCallItIsPassedTo() {
        assertFormats("fn main() {\n    let h = run_with(|x| { let y = x; println(y); });\n}\n", """
        fn main() {
            let h = run_with(|x| {
                let y = x;
                println(y);
            });
        }

        """)
    }

    func testKeepsAClosureOfALoneValueOnOneLineAndItsBlockAtTheStatementsLevel() {
        assertFormats("fn main() {\n    let mul = |a, b| {\n        a * b\n    };\n    println(|x: int| { let y = x; y * 2 }(7));\n}\n", """
        fn main() {
            let mul = |a, b| { a * b };
            println(|x: int| {
                let y = x;
                y * 2
            }(7));
        }

        """)
    }

    func testPrintsAStructLiteralWithSpacesInsideItsBraces() {
        assertFormats("fn main() {\n    let p = Point{x:1,y};\n}\n", """
        fn main() {
            let p = Point { x: 1, y };
        }

        """)
    }

    func testPutsStructFieldsAndEnumVariantsOnePerLine() {
        assertFormats("struct P { x: int, pub y: int }\nenum Shape { Circle(float), Rect(float, float), Empty }\n", """
        struct P {
            x: int,
            pub y: int,
        }

        enum Shape {
            Circle(float),
            Rect(float, float),
            Empty,
        }

        """)
    }

    func testPutsMatchArmsOnePerLineWithCommasAfterExpressionBodies() {
        assertFormats("fn f(s: Shape) -> int {\n    match s { Circle(r) => 1, Rect(w, h) if w > h => { w } _ => 0 }\n}\n", """
        fn f(s: Shape) -> int {
            match s {
                Circle(r) => 1,
                Rect(w, h) if w > h => {
                    w
                }
                _ => 0,
            }
        }

        """)
    }

    func testKeepsAShortIfElseOfLoneValuesOnOneLine() {
        assertFormats("fn max(a: int, b: int) -> int {\n    if a > b {\n        a\n    } else {\n        b\n    }\n}\n", """
        fn max(a: int, b: int) -> int {
            if a > b { a } else { b }
        }

        """)
    }

    func testKeepsLineCommentsWhereTheyWere() {
        let source = """
        // A header.

        /// Adds.
        fn add(a: int, b: int) -> int {
            // before
            let c = a + b; // after
            c
            // at the end
        }

        """
        assertFormats(source, source)
    }

    func testKeepsACommentOnTheLineOfAnOpeningBrace() {
        let source = """
        fn main() { // the entry point
            run();
        }

        fn idle() { // nothing yet
        }

        """
        assertFormats(source, source)
    }

    func testKeepsCommentsInsideAListAndBreaksIt() {
        assertFormats("fn main() {\n    let xs = [1, // one\n        2];\n}\n", """
        fn main() {
            let xs = [
                1, // one
                2,
            ];
        }

        """)
    }

    func testKeepsTheParenthesesTheAuthorWrote() {
        assertFormats("fn main() {\n    let x = (a + b) * c;\n    let y = (a * b) + c;\n    println((x));\n}\n", """
        fn main() {
            let x = (a + b) * c;
            let y = (a * b) + c;
            println(x);
        }

        """)
    }

    func testKeepsHowLiteralsAndSynonymsWereSpelled() {
        let source = """
        fn main() {
            let x = 0xff + 1_000;
            let s = "tab\\there";
            let n = null;
            legion worker(x);
            println!("{}", x);
        }

        """
        assertFormats(source, source)
    }

    func testKeepsReceiversSupertraitsAndMethodModifiersAsWritten() {
        let source = """
        package demo;

        trait Named: Show + Eq {
            fn name(self: &Self) -> string;
        }

        impl Point {
            pub fn x(&mut self) -> int {
                self.x
            }
        }

        """
        assertFormats(source, source)
    }

    func testMovesWhereClausesIntoTheGenericParameters() {
        assertFormats("fn show[T](x: T) -> string where T: Describe + Eq {\n    x.describe()\n}\n", """
        fn show[T: Describe + Eq](x: T) -> string {
            x.describe()
        }

        """)
    }

    func testLeavesAFileWithSyntaxErrorsUntouched() {
        let (outcome, _) = Formatter.format(text: "fn main() { let = ; }\n")
        guard case .syntaxErrors(let diagnostics) = outcome else { return XCTFail("formatted a file that does not parse") }
        XCTAssertFalse(diagnostics.isEmpty)
    }

    func testIsIdempotentOnEveryRuleAtOnce() {
        let source = """
        use std::math::{gcd, lcm as least};
        fn main(){let mut total=0;for i in 0..=10{if i%2==0{total+=i;}else{continue;}}
        let pair=(total,"done");match pair{(0,_)=>println("none"),(n,s)=>{println(n,s);}}
        let ch=make[chan int](1);ch<-1;select{case let v=<-ch=>println(v),default=>{}}}
        """
        let once = formatted(source)
        XCTAssertEqual(formatted(once), once)
        assertFormattingKeepsMeaning(source, once)
    }
}
