import XCTest

/// LANGUAGE 1 (lexical structure), 2 (items) and 3 (types in annotations), end to end.
final class LexicalAndItemTests: XCTestCase {
    func testCommentsAndLiterals() {
        expectOutput("""
        // a line comment
        /* a block /* nested */ comment */
        fn main() {
            println(42, " ", 1_000_000, " ", 0xff, " ", 0o17, " ", 0b1010);
            println(3.14, " ", 2.50, " ", 1e9, " ", 6.02e-23);
            println("tab\\there", " ", "quote\\"", " ", "back\\\\slash", " ", "\\u{1F600}");
            println(true, " ", false, " ", nil, " ", null);
        }
        """, "42 1000000 255 15 10\n3.14 2.5 1000000000 6.02e-23\ntab\there quote\" back\\slash 😀\ntrue false nil nil\n")
    }

    func testLexicalErrorsAreCompileErrors() {
        expectCompileError("fn main() { let s = \"abc\\q\"; }", ["error:", "--> main.mal:1:"])
        expectCompileError("fn main() { let x = 99999999999999999999; }", ["error:", "--> main.mal:1:"])
        expectCompileError("fn main() { let x = 1 @ 2; }", ["error:"])
    }

    func testItemForms() {
        expectOutput("""
        package demo;
        use std::collections::Vec;
        use std::collections::HashMap;
        pub fn exported() -> int { 1 }
        mod geometry {
            pub fn area(w: int, h: int) -> int { w * h }
        }
        trait Greeter { fn greet(&self) -> string; }
        struct En { name: string }
        impl Greeter for En { fn greet(&self) -> string { "hello " + self.name } }
        fn welcome[T: Greeter](g: T) -> string where T: Greeter { g.greet() }
        fn main() {
            println(exported(), " ", geometry::area(2, 3), " ", welcome(En { name: "Ann" }));
        }
        """, "1 6 hello Ann\n")
    }

    func testEveryTypeAnnotationForm() {
        expectOutput("""
        struct Box[T] { value: T }
        type IntChan = chan int;
        fn f(a: int, b: i8, c: u64, d: usize, e: float, g: f32, h: bool, s: string, u: (),
             sl: []int, arr: [int; 3], tup: (int, string), fun: fn(int) -> int, ch: chan int,
             ch2: Channel[int], v: Vec[int], m: HashMap[string, int], o: int?, r: &int, rm: &mut int,
             bx: Box[int], ic: IntChan) -> void {
            println(a + b + c + d, " ", e, " ", h, " ", s, " ", sl, arr, tup, " ", fun(1), " ", o, " ", *r, " ", bx.value);
        }
        fn main() {
            let mut z = 9;
            let ch = make[chan int](1);
            f(1, 2, 3, 4, 1.5, 2.5, true, "s", (), [1], [1, 2, 3], (1, "t"), |x| x + 1, ch, ch,
              Vec::new(), HashMap::new(), nil, &z, &mut z, Box { value: 7 }, ch);
        }
        """, "10 1.5 true s [1][1, 2, 3](1, \"t\") 2 nil 9 7\n")
    }

    func testArgsAndReadLine() {
        let r = Harness.run("""
        fn main() {
            println(args());
            let mut n = 0;
            loop {
                let line = read_line();
                if line == nil { break; }
                n += 1;
                println(n, ": ", line);
            }
        }
        """, input: "first\nsecond\n", args: ["a", "b"])
        XCTAssertEqual(r.stdout, "[\"a\", \"b\"]\n1: first\n2: second\n")
        XCTAssertEqual(r.status, 0)
    }
}
