import XCTest
import MalphasSyntax

/// LANGUAGE.md section 4, precedence, loosest first: assignment; `..` `..=`; `||`; `&&`;
/// comparisons (not chainable); `|`; `^`; `&`; `<<` `>>`; `+` `-`; `*` `/` `%`; `as`;
/// prefix `-` `!` `&` `&mut` `*` `<-`; postfix calls, fields, indexing.
final class PrecedenceTests: XCTestCase {
    /// Each expression beside its fully parenthesised dump.
    let table: [(String, String)] = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 * 2 + 3", "(+ (* 1 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("a % b * c", "(* (% a b) c)"),
        ("a + b << c", "(<< (+ a b) c)"),
        ("a << b & c", "(& (<< a b) c)"),
        ("a & b ^ c", "(^ (& a b) c)"),
        ("a ^ b | c", "(| (^ a b) c)"),
        ("a | b == c", "(== (| a b) c)"),
        ("a == b && c != d", "(&& (== a b) (!= c d))"),
        ("a && b || c && d", "(|| (&& a b) (&& c d))"),
        ("a || b && c", "(|| a (&& b c))"),
        ("a < b + 1", "(< a (+ b 1))"),
        ("a >= b || c <= d", "(|| (>= a b) (<= c d))"),
        ("0..n + 1", "(.. 0 (+ n 1))"),
        ("a || b..c", "(.. (|| a b) c)"),
        ("x = a..b", "(= x (.. a b))"),
        ("x = y || z", "(= x (|| y z))"),
        ("x += 1 + 2", "(+= x (+ 1 2))"),
        ("a * b as float", "(* a (as b float))"),
        ("-x as float", "(as (- x) float)"),
        ("!a && b", "(&& (! a) b)"),
        ("-a * b", "(* (- a) b)"),
        ("-a.b()", "(- (method a b))"),
        ("*r + 1", "(+ (* r) 1)"),
        ("&v[0]", "(& (index v 0))"),
        ("&mut p.x", "(&mut (field p x))"),
        ("<-ch + 1", "(+ (<- ch) 1)"),
        ("ch <- a + b", "(send ch (+ a b))"),
        ("-f(x)[i]", "(- (index (call f x) i))"),
        ("a - -b", "(- a (- b))"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("a * (b + c)", "(* a (+ b c))"),
        ("1 + 2 * 3 - 4 / 2 % 3 << 1 & 7 ^ 2 | 1", "(| (^ (& (<< (- (+ 1 (* 2 3)) (% (/ 4 2) 3)) 1) 7) 2) 1)"),
        ("a == (b < c)", "(== a (< b c))"),
        ("x as int + y as int", "(+ (as x int) (as y int))"),
        ("a.b.c", "(field (field a b) c)"),
        ("a = b += c", "(= a (+= b c))"),
    ]

    func testPrecedenceTable() {
        for (source, expected) in table {
            XCTAssertEqual(dumpExpr(source), expected, source)
        }
    }

    func testComparisonsCannotBeChained() {
        XCTAssertEqual(renderedDiagnostics("fn main() { let ok = a < b < c; }"), """
        error: comparison operators cannot be chained
         --> test.mal:1:28
          |
        1 | fn main() { let ok = a < b < c; }
          |                            ^
          = help: split the comparison in two and join them with `&&`: `a < b && b < ...`

        """)
        XCTAssertEqual(messages("fn main() { a == b == c; a < b > c; }"),
                       ["comparison operators cannot be chained", "comparison operators cannot be chained"])
    }

    func testParenthesisedComparisonsMayBeCompared() {
        XCTAssertEqual(dumpExpr("(a < b) == (c < d)"), "(== (< a b) (< c d))")
    }
}
