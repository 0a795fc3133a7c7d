import XCTest
import MalphasSyntax

/// LANGUAGE.md section 4: statements and expressions.
final class ExpressionTests: XCTestCase {
    // MARK: - Literals

    func testScalarLiterals() {
        XCTAssertEqual(dumpExpr("42"), "42")
        XCTAssertEqual(dumpExpr("3.5"), "3.5")
        XCTAssertEqual(dumpExpr(#""hi\n""#), #""hi\n""#)
        XCTAssertEqual(dumpExpr("true"), "true")
        XCTAssertEqual(dumpExpr("nil"), "nil")
        XCTAssertEqual(dumpExpr("null"), "nil")
        XCTAssertEqual(dumpExpr("()"), "()")
    }

    func testSmallestIntIsFoldedWithItsMinus() {
        XCTAssertEqual(dumpExpr("-9223372036854775808"), "-9223372036854775808")
        XCTAssertEqual(dumpExpr("-5"), "(- 5)")
    }

    func testIntegerLiteralTooBigForIntIsAnError() {
        XCTAssertEqual(messages("fn main() { let a = 9223372036854775808; }"), ["integer literal is too large"])
        XCTAssertEqual(messages("fn main() { let a = -9223372036854775808.abs(); }"), ["integer literal is too large"])
        XCTAssertEqual(messages("fn main() { let a = 9223372036854775807; }"), [])
    }

    func testArrays() {
        XCTAssertEqual(dumpExpr("[1, 2, 3]"), "(array 1 2 3)")
        XCTAssertEqual(dumpExpr("[]"), "(array)")
        XCTAssertEqual(dumpExpr("[1, 2,]"), "(array 1 2)")
        XCTAssertEqual(dumpExpr("[0; n]"), "(array-repeat 0 n)")
    }

    func testTuples() {
        XCTAssertEqual(dumpExpr(#"(1, "a")"#), #"(tuple 1 "a")"#)
        XCTAssertEqual(dumpExpr("(a,)"), "(tuple a)")
        XCTAssertEqual(dumpExpr("(a)"), "a")
    }

    func testStructLiterals() {
        XCTAssertEqual(dumpExpr("Point { x: 1, y: 2 }"), "(struct-literal Point (x 1) (y 2))")
        XCTAssertEqual(dumpExpr("Point { x, y }"), "(struct-literal Point (x x) (y y))")
        XCTAssertEqual(dumpExpr("Box[int] { value: 1 }"), "(struct-literal Box[int] (value 1))")
        XCTAssertEqual(dumpExpr("geo::Point { x: 1, y: 2, }"), "(struct-literal geo::Point (x 1) (y 2))")
        XCTAssertEqual(dumpExpr("Empty {}"), "(struct-literal Empty)")
    }

    func testMethodCallOnTemporaryStructLiteral() {
        XCTAssertEqual(dumpExpr("Point { x: 1, y: 2 }.len()"), "(method (struct-literal Point (x 1) (y 2)) len)")
    }

    // MARK: - Names and paths

    func testPaths() {
        XCTAssertEqual(dumpExpr("x"), "x")
        XCTAssertEqual(dumpExpr("Shape::Circle(5)"), "(call Shape::Circle 5)")
        XCTAssertEqual(dumpExpr("self.x"), "(field self x)")
        XCTAssertEqual(dumpExpr("Self::new()"), "(call Self::new)")
    }

    func testGenericPaths() {
        XCTAssertEqual(dumpExpr("Vec[int]::new()"), "(call Vec[int]::new)")
        XCTAssertEqual(dumpExpr("HashMap[string, int]::new()"), "(call HashMap[string, int]::new)")
        XCTAssertEqual(dumpExpr("Channel[int]::new(4)"), "(call Channel[int]::new 4)")
        XCTAssertEqual(dumpExpr("Vec[Vec[int]]::with_capacity(n)"), "(call Vec[Vec[int]]::with_capacity n)")
    }

    func testIndexingIsNotAGenericPath() {
        XCTAssertEqual(dumpExpr("v[i]"), "(index v i)")
        XCTAssertEqual(dumpExpr("V[i]"), "(index V i)")
        XCTAssertEqual(dumpExpr("grid[i][j]"), "(index (index grid i) j)")
        XCTAssertEqual(dumpExpr("fns[i](x)"), "(call (index fns i) x)")
        XCTAssertEqual(dumpExpr("fns[N](x)"), "(call (index fns N) x)")
    }

    func testGenericArgumentsOnCalls() {
        XCTAssertEqual(dumpExpr("id[int](5)"), "(call id[int] 5)")
        XCTAssertEqual(dumpExpr("convert[Point, string](p)"), "(call convert[Point, string] p)")
        XCTAssertEqual(dumpExpr("v.collect[Vec[int]]()"), "(method v collect[Vec[int]])")
    }

    func testMacroSyntaxIsACall() {
        XCTAssertEqual(dumpExpr(#"println!("{}", x)"#), #"(call println "{}" x)"#)
        XCTAssertEqual(dumpExpr(#"format!("{} {}", a, b)"#), #"(call format "{} {}" a b)"#)
    }

    // MARK: - Operators

    func testUnaryOperators() {
        XCTAssertEqual(dumpExpr("-x"), "(- x)")
        XCTAssertEqual(dumpExpr("!done"), "(! done)")
        XCTAssertEqual(dumpExpr("&x"), "(& x)")
        XCTAssertEqual(dumpExpr("&mut x"), "(&mut x)")
        XCTAssertEqual(dumpExpr("*r"), "(* r)")
        XCTAssertEqual(dumpExpr("<-ch"), "(<- ch)")
        XCTAssertEqual(dumpExpr("&&x"), "(& (& x))")
        XCTAssertEqual(dumpExpr("- -x"), "(- (- x))")
    }

    func testCasts() {
        XCTAssertEqual(dumpExpr("x as float"), "(as x float)")
        XCTAssertEqual(dumpExpr("x as int as string"), "(as (as x int) string)")
    }

    func testAssignmentAndCompoundAssignment() {
        XCTAssertEqual(dumpStatements("x = 1; p.x += 2; v[i] -= 3; t.0 *= 4; *r = 5; a /= 6; b %= 7;"), """
        (= x 1);
        (+= (field p x) 2);
        (-= (index v i) 3);
        (*= (field t 0) 4);
        (= (* r) 5);
        (/= a 6);
        (%= b 7);
        """)
    }

    func testAssignmentIsRightAssociative() {
        XCTAssertEqual(dumpExpr("a = b = c"), "(= a (= b c))")
    }

    func testRanges() {
        XCTAssertEqual(dumpExpr("0..n"), "(.. 0 n)")
        XCTAssertEqual(dumpExpr("0..=n"), "(..= 0 n)")
        XCTAssertEqual(dumpExpr("a.."), "(.. a _)")
        XCTAssertEqual(dumpExpr("..b"), "(.. _ b)")
        XCTAssertEqual(dumpExpr(".."), "(.. _ _)")
        XCTAssertEqual(dumpExpr("..=b"), "(..= _ b)")
    }

    func testSlices() {
        XCTAssertEqual(dumpExpr("v[a..b]"), "(index v (.. a b))")
        XCTAssertEqual(dumpExpr("v[a..]"), "(index v (.. a _))")
        XCTAssertEqual(dumpExpr("v[..b]"), "(index v (.. _ b))")
        XCTAssertEqual(dumpExpr("v[..]"), "(index v (.. _ _))")
        XCTAssertEqual(dumpExpr("s[1..=2]"), "(index s (..= 1 2))")
    }

    func testPostfixChains() {
        XCTAssertEqual(dumpExpr("a.b.c(1).d[2].0.1"), "(field (field (index (field (method (field a b) c 1) d) 2) 0) 1)")
        XCTAssertEqual(dumpExpr("f(1)(2)"), "(call (call f 1) 2)")
    }

    // MARK: - Closures

    func testClosures() {
        XCTAssertEqual(dumpExpr("|x: int| x + 1"), "(closure |x: int| (+ x 1))")
        XCTAssertEqual(dumpExpr("|a, b| { a * b }"), "(closure |a, b| (block (tail (* a b))))")
        XCTAssertEqual(dumpExpr("|| 5"), "(closure || 5)")
        XCTAssertEqual(dumpExpr("|mut n| -> int { n }"), "(closure |mut n| -> int (block (tail n)))")
    }

    func testFunctionLiteral() {
        XCTAssertEqual(dumpExpr("fn(x: int) -> int { x * 2 }"), "(closure |x: int| -> int (block (tail (* x 2))))")
    }

    func testClosureWithBlockBodyCalledInPlace() {
        XCTAssertEqual(dumpExpr("|x: int| { x * 2 }(7)"), "(call (closure |x: int| (block (tail (* x 2)))) 7)")
    }

    func testClosureWithExpressionBodyTakesTheWholeExpression() {
        XCTAssertEqual(dumpExpr("|x| x(7)"), "(closure |x| (call x 7))")
    }

    func testClosureAsArgument() {
        XCTAssertEqual(dumpExpr("v.map(|x| x * 2)"), "(method v map (closure |x| (* x 2)))")
    }

    // MARK: - Blocks and control flow

    func testBlockExpressionWithTail() {
        XCTAssertEqual(dumpExpr("{ let x = 1; x + 1 }"), "(block (let x = 1); (tail (+ x 1)))")
    }

    func testIfElseIfElse() {
        XCTAssertEqual(dumpExpr("if a { 1 } else if b { 2 } else { 3 }"),
                       "(if a (block (tail 1)) (if b (block (tail 2)) (block (tail 3))))")
    }

    func testIfAsLetValue() {
        XCTAssertEqual(dumpStatements(#"let s = if x > 5 { "high" } else { "low" };"#),
                       #"(let s = (if (> x 5) (block (tail "high")) (block (tail "low"))));"#)
    }

    func testStructLiteralIsNotAllowedInConditions() {
        XCTAssertEqual(dumpExpr("if x == y { 1 }"), "(if (== x y) (block (tail 1)))")
        XCTAssertEqual(dumpStatements("while Point { x } {}"), "(while Point (block (tail x)))\ntail (block)")
        XCTAssertEqual(dumpExpr("for p in points { p }"), "(for p points (block (tail p)))")
        XCTAssertEqual(dumpExpr("match p { _ => 1 }"), "(match p (arm _ 1))")
    }

    func testParenthesisedStructLiteralIsAllowedInConditions() {
        XCTAssertEqual(dumpExpr("if p == (Point { x: 1 }) { 1 }"), "(if (== p (struct-literal Point (x 1))) (block (tail 1)))")
        XCTAssertEqual(dumpExpr("if f(Point { x: 1 }) { 1 }"), "(if (call f (struct-literal Point (x 1))) (block (tail 1)))")
    }

    func testMatchArmsWithAndWithoutCommas() {
        XCTAssertEqual(dumpExpr("match x { 1 => a, 2 => { b } 3 => { c }, _ => d }"),
                       "(match x (arm 1 a) (arm 2 (block (tail b))) (arm 3 (block (tail c))) (arm _ d))")
    }

    func testMatchArmWithoutTrailingComma() {
        XCTAssertEqual(dumpExpr("match x { _ => 0 }"), "(match x (arm _ 0))")
    }

    func testLoops() {
        XCTAssertEqual(dumpExpr("while i < 10 { i += 1; }"), "(while (< i 10) (block (+= i 1);))")
        XCTAssertEqual(dumpExpr("loop { break 5; }"), "(loop (block (break 5);))")
        XCTAssertEqual(dumpExpr("for i in 0..=n { continue; }"), "(for i (..= 0 n) (block (continue);))")
        XCTAssertEqual(dumpExpr("for x in v { }"), "(for x v (block))")
    }

    func testBreakContinueReturn() {
        XCTAssertEqual(dumpStatements("loop { if a { break } else { continue } } return; return x + 1;"),
                       "(loop (block (tail (if a (block (tail (break))) (block (tail (continue)))))))\n(return);\n(return (+ x 1));")
    }

    func testRangeWithoutEndBeforeLoopBody() {
        XCTAssertEqual(dumpExpr("for i in 0.. { }"), "(for i (.. 0 _) (block))")
    }

    // MARK: - Statements

    func testLetForms() {
        XCTAssertEqual(dumpStatements("let x = 1; let mut y = 2; let z: int = 3; let w: float; let (a, b) = t;"), """
        (let x = 1);
        (let (mut y) = 2);
        (let z : int = 3);
        (let w : float);
        (let (tuple a b) = t);
        """)
    }

    func testBlockLikeStatementsNeedNoSemicolon() {
        let r = parseInput("if a { } while b { } for x in y { } loop { } match z { } { } select { } spawn { } f();")
        XCTAssertEqual(r.diagnostics.map(\.message), [])
        XCTAssertEqual(r.statements.map { stmt -> String in
            guard case .expression(_, let hasSemicolon) = stmt.kind else { return "?" }
            return hasSemicolon ? ";" : "-"
        }, ["-", "-", "-", "-", "-", "-", "-", "-", ";"])
    }

    func testBlockLikeStatementFollowedByMethodCall() {
        XCTAssertEqual(dumpStatements("if a { b } else { c }.len();"),
                       "(method (if a (block (tail b)) (block (tail c))) len);")
    }

    func testBlockLikeStatementIsNotTheLeftOperandOfTheNextLine() {
        XCTAssertEqual(dumpFile("fn f() { if a { 1 } else { 2 } -1 }"),
                       "(fn f () (block (if a (block (tail 1)) (block (tail 2))) (tail (- 1))))")
    }

    func testBlockTailIsTheFinalExpressionWithoutSemicolon() {
        XCTAssertEqual(dumpFile("fn f() -> int { let a = 1; a }"), "(fn f () -> int (block (let a = 1); (tail a)))")
        XCTAssertEqual(dumpFile("fn f() { g(); }"), "(fn f () (block (call g);))")
        XCTAssertEqual(dumpFile("fn f() -> int { if a { 1 } else { 2 } }"),
                       "(fn f () -> int (block (tail (if a (block (tail 1)) (block (tail 2))))))")
    }

    func testEmptyStatementsAreIgnored() {
        XCTAssertEqual(dumpFile("fn f() { ;; g();; }"), "(fn f () (block (call g);))")
    }

    func testUnsafeBlockIsABlock() {
        XCTAssertEqual(dumpExpr("unsafe { 1 }"), "(block (tail 1))")
    }

    // MARK: - REPL input

    func testReplInputSeparatesItemsStatementsAndTail() {
        let r = parseInput("fn sq(x: int) -> int { x * x } let a = 3; sq(a)")
        XCTAssertEqual(r.diagnostics.map(\.message), [])
        XCTAssertEqual(r.items.map(ASTDump.dump), ["(fn sq (x: int) -> int (block (tail (* x x))))"])
        XCTAssertEqual(r.statements.map(ASTDump.dump), ["(let a = 3);"])
        XCTAssertEqual(r.tail.map(ASTDump.dump), "(call sq a)")
    }

    func testReplInputEndingInSemicolonHasNoTail() {
        let r = parseInput("x + 1;")
        XCTAssertNil(r.tail)
        XCTAssertEqual(r.statements.count, 1)
    }

    func testReplLetMayOmitItsFinalSemicolon() {
        XCTAssertEqual(dumpStatements("let x = 5"), "(let x = 5);")
        XCTAssertEqual(parseInput("let x = 5 let y = 6;").diagnostics.map(\.message), ["expected `;` after `let` statement"])
    }

    func testReplBlockLikeInputIsTheTail() {
        XCTAssertEqual(parseInput("if a { 1 } else { 2 }").tail.map(ASTDump.dump),
                       "(if a (block (tail 1)) (block (tail 2)))")
    }

    // MARK: - Spans

    func testExpressionSpans() {
        let r = parseInput("  foo(1, 2) + bar.baz")
        guard let tail = r.tail, case .binary(_, let lhs, let rhs) = tail.kind else { return XCTFail() }
        XCTAssertEqual([tail.span.start, tail.span.end], [2, 21])
        XCTAssertEqual([lhs.span.start, lhs.span.end], [2, 11])
        XCTAssertEqual([rhs.span.start, rhs.span.end], [14, 21])
    }

    func testStatementSpansIncludeTheSemicolon() {
        let r = parseInput("let x = 1; f();")
        XCTAssertEqual(r.statements.map { [$0.span.start, $0.span.end] }, [[0, 10], [11, 15]])
    }
}
