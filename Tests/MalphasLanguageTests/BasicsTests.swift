import XCTest

/// LANGUAGE 1, 4, 5: the first programs: printing, arithmetic, functions, control flow.
final class BasicsTests: XCTestCase {
    func testHelloWorld() {
        expectOutput("""
        fn main() {
            println("Hello, world!");
        }
        """, "Hello, world!\n")
    }

    func testArithmeticAndPrecedence() {
        expectOutput("""
        fn main() {
            println(1 + 2 * 3);
            println((1 + 2) * 3);
            println(7 / 2, " ", 7 % 3, " ", -7 / 2, " ", -7 % 3);
            println(2.5 * 2.0);
            println(1 << 4 | 1, " ", 6 & 3, " ", 6 ^ 3);
        }
        """, "7\n9\n3 1 -3 -1\n5\n17 2 5\n")
    }

    func testFunctionsAndRecursion() {
        expectOutput("""
        fn add(a: int, b: int) -> int { return a + b; }
        fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }
        fn main() {
            println(add(2, 3));
            println(fib(20));
        }
        """, "5\n6765\n")
    }

    func testWhileAndForLoops() {
        expectOutput("""
        fn main() {
            let mut i = 0;
            let mut sum = 0;
            while i < 10 { sum += i; i += 1; }
            println(sum);
            for j in 0..3 { print(j); }
            println();
            for j in 1..=3 { print(j); }
            println();
            for x in [10, 20, 30] { print(x, " "); }
            println();
        }
        """, "45\n012\n123\n10 20 30 \n")
    }
}
