import XCTest

/// LANGUAGE 4 and 5, end to end: operators on values, comparisons and `as`.
final class LibraryOperatorProgramTests: XCTestCase {
    func testIntegerOverflowIsAnError() {
        expectRuntimeError("fn main() { let mut x = 9223372036854775807; x = x + 1; }", "integer overflow in `+`")
    }

    func testMultiplicationOverflowIsAnError() {
        expectRuntimeError("fn main() { let x = 4611686018427387904; let y = x * 2; }", "integer overflow in `*`")
    }

    func testDivisionByZeroIsAnError() {
        expectRuntimeError("fn main() { let z = 0; let x = 1 / z; }", "division by zero")
    }

    func testRemainderByZeroIsAnError() {
        expectRuntimeError("fn main() { let z = 0; let x = 1 % z; }", "division by zero in `%`")
    }

    func testFloatDivisionByZeroIsInfinity() {
        expectOutput("fn main() { let z = 0.0; println(1.0 / z); }", "inf\n")
    }

    func testMixingIntAndFloatIsAnError() {
        // The checker rejects `1 + 2.0` (TypeCheckTests); in a generic body the run-time check decides.
        expectRuntimeError("fn add[A, B](a: A, b: B) { let c = a + b; } fn main() { add(1, 2.0); }", "cannot add int and float; convert with `as`")
    }

    func testComparingIntAndFloatIsAnError() {
        expectRuntimeError("fn same[A, B](a: A, b: B) { let c = a == b; } fn main() { same(1, 1.0); }", "cannot compare int and float with `==`; convert with `as`")
    }

    func testShiftAmountOutOfRangeIsAnError() {
        expectRuntimeError("fn main() { let s = 64; let x = 1 << s; }", "shift amount 64 out of range in `<<`; it must be 0 to 63")
    }

    func testEqualityIsStructural() {
        expectOutput("""
        struct Point { x: int, y: int }
        enum Shape { Circle(int), Empty }
        fn main() {
            println(Point { x: 1, y: 2 } == Point { x: 1, y: 2 }, " ", Point { x: 1, y: 2 } == Point { x: 2, y: 1 });
            println(Shape::Circle(1) == Shape::Circle(1), " ", Shape::Circle(1) == Shape::Empty);
            println((1, "a") == (1, "a"), " ", 1 == nil, " ", nil == nil);
        }
        """, "true false\ntrue false\ntrue false true\n")
    }

    func testOrderingUnorderableValuesIsAnError() {
        expectRuntimeError("fn less[T](a: T, b: T) -> bool { a < b } fn main() { let b = less(true, false); }",
                           "cannot compare bool and bool with `<`; ordering works on ints, floats, strings, and lists and tuples of them")
    }

    func testCastsBetweenIntAndFloat() {
        expectOutput("fn main() { println(7 as float / 2.0, \" \", 3.99 as int, \" \", -3.99 as int, \" \", true as int, \" \", 2.5 as string); }",
                     "3.5 3 -3 1 2.5\n")
    }

    func testCastingNaNToIntIsAnError() {
        expectRuntimeError("fn main() { let z = 0.0; let n = (z / z) as int; }", "cannot convert NaN to int")
    }

    func testCastingAHugeFloatToIntIsAnError() {
        expectRuntimeError("fn main() { let n = 1e20 as int; }", "float 1e+20 is out of range for int")
    }

    func testCastingAStringToIntSuggestsParseInt() {
        expectRuntimeError("fn main() { let n = \"5\" as int; }", "cannot convert string to int with `as`; use `parse_int()`")
    }

    func testBitwiseOnBools() {
        expectOutput("fn main() { println(true & false, \" \", true | false, \" \", true ^ true, \" \", !5); }", "false true false -6\n")
    }
}
