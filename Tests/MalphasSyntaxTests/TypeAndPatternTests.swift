import XCTest
import MalphasSyntax

/// LANGUAGE.md section 3 (types as written) and the patterns of section 4.
final class TypeTests: XCTestCase {
    /// The type annotation of `let x: <type> = v;`, dumped.
    private func type(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let r = parseInput("let x: \(source) = v;")
        XCTAssertEqual(r.diagnostics.map(\.message), [], file: file, line: line)
        guard case .letBinding(_, let type?, _)? = r.statements.first?.kind else { return "" }
        return ASTDump.dump(type)
    }

    func testNamedTypes() {
        XCTAssertEqual(type("int"), "int")
        XCTAssertEqual(type("Self"), "Self")
        XCTAssertEqual(type("std::collections::Vec[T]"), "std::collections::Vec[T]")
    }

    func testGenericArguments() {
        XCTAssertEqual(type("Box[int]"), "Box[int]")
        XCTAssertEqual(type("HashMap[string, Vec[int]]"), "HashMap[string, Vec[int]]")
        XCTAssertEqual(type("Channel[T]"), "Channel[T]")
    }

    func testSliceAndArrayTypes() {
        XCTAssertEqual(type("[]int"), "[]int")
        XCTAssertEqual(type("[int; 3]"), "[int; 3]")
        XCTAssertEqual(type("[[int; 2]; N]"), "[[int; 2]; N]")
        XCTAssertEqual(type("[int]"), "[]int")
    }

    func testTupleAndUnitTypes() {
        XCTAssertEqual(type("(int, string)"), "(int, string)")
        XCTAssertEqual(type("()"), "()")
        XCTAssertEqual(type("(int,)"), "(int,)")
        XCTAssertEqual(type("(int)"), "int")
    }

    func testFunctionTypes() {
        XCTAssertEqual(type("fn(int) -> int"), "fn(int) -> int")
        XCTAssertEqual(type("fn(int, string)"), "fn(int, string)")
        XCTAssertEqual(type("fn() -> fn(int) -> bool"), "fn() -> fn(int) -> bool")
    }

    func testChannelTypes() {
        XCTAssertEqual(type("chan int"), "chan int")
        XCTAssertEqual(type("chan chan (int, bool)"), "chan chan (int, bool)")
    }

    func testOptionalTypes() {
        XCTAssertEqual(type("int?"), "int?")
        XCTAssertEqual(type("Vec[int?]?"), "Vec[int?]?")
    }

    func testReferenceTypes() {
        XCTAssertEqual(type("&Point"), "&Point")
        XCTAssertEqual(type("&mut Vec[int]"), "&mut Vec[int]")
        XCTAssertEqual(type("&&int"), "&&int")
    }

    func testTypeSpans() {
        let r = parseInput("let x: Vec[int]? = v;")
        guard case .letBinding(_, let type?, _)? = r.statements.first?.kind else { return XCTFail() }
        XCTAssertEqual([type.span.start, type.span.end], [7, 16])
    }
}

final class PatternTests: XCTestCase {
    /// The patterns of the arms of `match v { <arms> }`, dumped.
    private func patterns(_ arms: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        let r = parseInput("match v { \(arms) }")
        XCTAssertEqual(r.diagnostics.map(\.message), [], file: file, line: line)
        guard case .match(_, let matchArms)? = r.tail?.kind else { return [] }
        return matchArms.map { ASTDump.dump($0.pattern) }
    }

    func testLiteralPatterns() {
        XCTAssertEqual(patterns(#"1 => a, "s" => b, true => c, false => d, nil => e, 2.5 => f"#),
                       ["1", #""s""#, "true", "false", "nil", "2.5"])
    }

    func testNegativeNumbersArePatterns() {
        XCTAssertEqual(patterns("-1 => a, -2.5 => b, -9223372036854775808 => c"),
                       ["-1", "-2.5", "-9223372036854775808"])
    }

    func testWildcardAndBindings() {
        XCTAssertEqual(patterns("_ => a, x => b, mut y => c"), ["_", "x", "(mut y)"])
    }

    func testRangePatterns() {
        XCTAssertEqual(patterns("1..=9 => a, 1..9 => b, -5..=-1 => c, LOW..=HIGH => d"),
                       ["(..= 1 9)", "(.. 1 9)", "(..= -5 -1)", "(..= LOW HIGH)"])
    }

    func testTuplePatterns() {
        XCTAssertEqual(patterns("(a, _) => x, (1, (b, c)) => y, () => z, (a,) => w, (a) => v"),
                       ["(tuple a _)", "(tuple 1 (tuple b c))", "(tuple)", "(tuple a)", "a"])
    }

    func testQualifiedAndBareVariantPatterns() {
        XCTAssertEqual(patterns("Shape::Rect(w, h) => a, Rect(w, h) => b, Shape::Empty => c, Empty => d"),
                       ["(variant Shape::Rect w h)", "(variant Rect w h)", "(variant Shape::Empty)", "Empty"])
    }

    func testNestedPatterns() {
        XCTAssertEqual(patterns("Some((x, Shape::Circle(r))) => a, Ok(Some(_)) => b"),
                       ["(variant Some (tuple x (variant Shape::Circle r)))", "(variant Ok (variant Some _))"])
    }

    func testAlternativePatterns() {
        XCTAssertEqual(patterns("1 | 2 | 3 => a, Shape::Empty | Shape::Circle(_) => b, | 4 | 5 => c"),
                       ["(| 1 2 3)", "(| (variant Shape::Empty) (variant Shape::Circle _))", "(| 4 5)"])
    }

    func testStructPatterns() {
        XCTAssertEqual(patterns("Point { x, y: 0 } => a, Point { x: px, .. } => b"),
                       ["(struct Point (x x) (y 0))", "(struct Point (x px) ..)"])
    }

    func testGuards() {
        let r = parseInput("match v { x if x > 3 => 1, _ => 0 }")
        XCTAssertEqual(r.tail.map(ASTDump.dump), "(match v (arm x if (> x 3) 1) (arm _ 0))")
    }

    func testLetAndForPatterns() {
        XCTAssertEqual(dumpStatements("let (a, mut b) = t; for (k, v) in m {}"),
                       "(let (tuple a (mut b)) = t);\ntail (for (tuple k v) m (block))")
    }
}
