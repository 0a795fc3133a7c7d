import XCTest
import MalphasCompiler
import MalphasSyntax
@testable import MalphasVM

/// LANGUAGE 10: programs are type-checked before anything runs. For each rule, a
/// well-typed program that runs with its output, and an ill-typed one whose whole
/// diagnostic is asserted; the ill-typed code sits on a path that never executes, so
/// only the checker can find it.
final class TypeCheckTests: XCTestCase {
    /// `let x: T = e` checks `e` against `T`; without an annotation `x` has `e`'s type.
    func testLetTakesItsAnnotationOrItsInitializersType() {
        expectOutput(#"""
        fn main() {
            let ratio: float = 2.5;
            let count = 4;
            println(ratio * 2.0, " ", count + 1);
        }
        """#, "5 5\n")
        expectTypeError(#"""
        fn main() {
            if false {
                let s: string = 5;
            }
            println("ok");
        }
        """#, #"""
        error: mismatched types
         --> main.mal:3:25
          |
        3 |         let s: string = 5;
          |                         ^ expected string, found int
        note: expected due to this type
         --> main.mal:3:16
          |
        3 |         let s: string = 5;
          |                ^^^^^^
          = help: convert it with `as string` or `to_string(...)`
        """#)
    }

    /// `let mut xs = [];` is decided by `xs.push(1)`, as in rustc.
    func testLaterUsesDecideWhatTheInitializerLeftOpen() {
        expectOutput(#"""
        fn main() {
            let mut xs = [];
            xs.push(1);
            xs.push(2);
            println(xs.len() + xs[0]);
        }
        """#, "3\n")
        expectTypeError(#"""
        fn main() {
            let mut xs = [];
            xs.push(1);
            if false {
                xs.push("two");
            }
            println(xs);
        }
        """#, #"""
        error: mismatched types
         --> main.mal:5:17
          |
        5 |         xs.push("two");
          |                 ^^^^^ expected int, found string
        note: expected because of this earlier use
         --> main.mal:3:13
          |
        3 |     xs.push(1);
          |             ^
        """#)
    }

    /// `xs.map(|x| ...)` over a `[]int` gives `x` the type `int`.
    func testClosureParametersComeFromTheMethodTheyArePassedTo() {
        expectOutput(#"""
        fn main() {
            let v = [1, 2, 3];
            println(v.map(|x| x * 2), " ", v.filter(|x| x > 1));
        }
        """#, "[2, 4, 6] [2, 3]\n")
        expectTypeError(#"""
        fn main() {
            let v = [1, 2];
            if false {
                let w = v.map(|x| x + "!");
            }
            println(v);
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:31
          |
        4 |         let w = v.map(|x| x + "!");
          |                               ^^^ expected int, found string
        note: the left operand has type `int`
         --> main.mal:4:27
          |
        4 |         let w = v.map(|x| x + "!");
          |                           ^
        """#)
    }

    /// A closure passed where `fn(int) -> int` is expected takes `int`.
    func testClosureParametersComeFromTheExpectedFunctionType() {
        expectOutput(#"""
        fn apply(f: fn(int) -> int, x: int) -> int { f(x) }
        fn main() {
            println(apply(|n| n + 1, 3));
        }
        """#, "4\n")
        expectTypeError(#"""
        fn apply(f: fn(int) -> int, x: int) -> int { f(x) }
        fn main() {
            if false {
                println(apply(|s| s + "!", 3));
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:31
          |
        4 |         println(apply(|s| s + "!", 3));
          |                               ^^^ expected int, found string
        note: the left operand has type `int`
         --> main.mal:4:27
          |
        4 |         println(apply(|s| s + "!", 3));
          |                           ^
        """#)
    }

    /// Each call of a generic function gets its own type arguments.
    func testGenericArgumentsAreInferredAtEachUse() {
        expectOutput(#"""
        fn id[T](x: T) -> T { x }
        fn pair[T](a: T, b: T) -> (T, T) { (a, b) }
        fn main() {
            println(id(5) + 1, " ", id("a") + "b", " ", pair(1, 2));
        }
        """#, "6 ab (1, 2)\n")
        expectTypeError(#"""
        fn pair[T](a: T, b: T) -> (T, T) { (a, b) }
        fn main() {
            if false {
                let p = pair(1, "one");
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:25
          |
        4 |         let p = pair(1, "one");
          |                         ^^^^^ expected int, found string
        note: parameter declared here
         --> main.mal:1:18
          |
        1 | fn pair[T](a: T, b: T) -> (T, T) { (a, b) }
          |                  ^^^^
        """#)
    }

    /// `id[int](x)` and `Box[int] { ... }` fix the type argument.
    func testWrittenGenericArgumentsAreChecked() {
        expectOutput(#"""
        struct Box[T] { value: T }
        fn id[T](x: T) -> T { x }
        fn main() {
            let b = Box[int] { value: 1 };
            println(id[int](5) + b.value);
        }
        """#, "6\n")
        expectTypeError(#"""
        fn id[T](x: T) -> T { x }
        fn main() {
            if false {
                let n = id[int]("five");
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:25
          |
        4 |         let n = id[int]("five");
          |                         ^^^^^^ expected int, found string
        note: parameter declared here
         --> main.mal:1:10
          |
        1 | fn id[T](x: T) -> T { x }
          |          ^^^^
        """#)
    }

    /// In `fn f[T: Greeter](g: T)`, `g` has the methods of `Greeter` only.
    func testAMethodOnAParameterMustComeFromABound() {
        expectOutput(#"""
        trait Greeter { fn greet(&self) -> string; }
        struct English { name: string }
        impl Greeter for English { fn greet(&self) -> string { "hello " + self.name } }
        fn welcome[T: Greeter](g: T) { println(g.greet()); }
        fn main() { welcome(English { name: "ann" }); }
        """#, "hello ann\n")
        expectTypeError(#"""
        trait Greeter { fn greet(&self) -> string; }
        struct Bird { wings: int }
        impl Bird { fn fly(&self) { println("flap"); } }
        fn welcome[T: Greeter](g: T) {
            g.fly();
        }
        fn main() {}
        """#, #"""
        error: no method named `fly` found for type parameter `T`
         --> main.mal:5:7
          |
        5 |     g.fly();
          |       ^^^ method not found in `T`
          = help: none of the bounds of `T` (`Greeter`) provides `fly`
        """#)
    }

    /// A use whose type does not implement a bound names the type and the trait.
    func testAGenericArgumentMustImplementTheBound() {
        expectOutput(#"""
        trait Greeter { fn greet(&self) -> string; }
        impl Greeter for int { fn greet(&self) -> string { "hi " + to_string(self) } }
        fn welcome[T: Greeter](g: T) { println(g.greet()); }
        fn main() { welcome(7); }
        """#, "hi 7\n")
        expectTypeError(#"""
        trait Greeter { fn greet(&self) -> string; }
        struct Rock { weight: int }
        fn welcome[T: Greeter](g: T) { println(g.greet()); }
        fn main() {
            if false {
                welcome(Rock { weight: 3 });
            }
        }
        """#, #"""
        error: the trait bound `Rock: Greeter` is not satisfied
         --> main.mal:6:17
          |
        6 |         welcome(Rock { weight: 3 });
          |                 ^^^^^^^^^^^^^^^^^^ the trait `Greeter` is not implemented for `Rock`
        note: required by this bound on `T`
         --> main.mal:3:15
          |
        3 | fn welcome[T: Greeter](g: T) { println(g.greet()); }
          |               ^^^^^^^
          = help: implement it: `impl Greeter for Rock { ... }`
        """#)
    }

    /// An impl's methods have the trait's parameter and result types; default methods come free.
    func testAnImplMustMatchItsTrait() {
        expectOutput(#"""
        trait Area { fn area(&self) -> int; fn twice(&self) -> int { self.area() * 2 } }
        struct Square { side: int }
        impl Area for Square { fn area(&self) -> int { self.side * self.side } }
        fn main() { println(Square { side: 3 }.twice()); }
        """#, "18\n")
        expectTypeError(#"""
        trait Area { fn area(&self) -> int; }
        struct Square { side: int }
        impl Area for Square {
            fn area(&self) -> float { 1.0 }
        }
        fn main() {}
        """#, #"""
        error: method `area` has an incompatible type for trait `Area`
         --> main.mal:4:23
          |
        4 |     fn area(&self) -> float { 1.0 }
          |                       ^^^^^ expected int, found float
        note: type in trait
         --> main.mal:1:32
          |
        1 | trait Area { fn area(&self) -> int; }
          |                                ^^^
        """#)
    }

    /// `n + 2.5` with an int `n` is an error whose help suggests `as float`.
    func testIntAndFloatAreDistinct() {
        expectOutput(#"""
        fn main() {
            let n = 3;
            println(n as float + 2.5);
        }
        """#, "5.5\n")
        expectTypeError(#"""
        fn main() {
            let n = 3;
            if false {
                let x = n + 2.5;
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:21
          |
        4 |         let x = n + 2.5;
          |                     ^^^ expected int, found float
        note: the left operand has type `int`
         --> main.mal:4:17
          |
        4 |         let x = n + 2.5;
          |                 ^
          = help: convert the int operand with `as float`
        """#)
    }

    /// `+` concatenates a string with a string only.
    func testPlusOnStringsNeedsTwoStrings() {
        expectOutput(#"""
        fn main() { println("n = " + to_string(1)); }
        """#, "n = 1\n")
        expectTypeError(#"""
        fn main() {
            if false {
                let s = "n = " + 1;
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:3:26
          |
        3 |         let s = "n = " + 1;
          |                          ^ expected string, found int
        note: the left operand has type `string`
         --> main.mal:3:17
          |
        3 |         let s = "n = " + 1;
          |                 ^^^^^^
          = help: convert it to a string first: `to_string(...)` or `format("{}{}", a, b)`
        """#)
    }

    /// `==` and `!=` compare values of one type.
    func testEqualityNeedsTwoValuesOfOneType() {
        expectOutput(#"""
        fn main() { println(1 == 1, " ", "a" != "b", " ", [1, 2] == [1, 2]); }
        """#, "true true true\n")
        expectTypeError(#"""
        fn main() {
            let n = 1;
            if false {
                println(n == "1");
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:22
          |
        4 |         println(n == "1");
          |                      ^^^ expected int, found string
        note: the left operand has type `int`
         --> main.mal:4:17
          |
        4 |         println(n == "1");
          |                 ^
        """#)
    }

    /// `< <= > >=` take ints, floats, strings, or lists and tuples of them.
    func testOrderingNeedsOrderedValues() {
        expectOutput(#"""
        fn main() { println(1 < 2, " ", "a" < "b", " ", [1, 2] < [1, 3], " ", (1, "b") > (1, "a")); }
        """#, "true true true true\n")
        expectTypeError(#"""
        fn main() {
            if false {
                println(true < false);
            }
        }
        """#, #"""
        error: cannot compare values of type `bool` with `<`
         --> main.mal:3:17
          |
        3 |         println(true < false);
          |                 ^^^^ `<` needs ints, floats, strings, or lists or tuples of them
        """#)
    }

    /// An `if` used as a value needs branches of one type.
    func testIfBranchesUsedAsAValueAgree() {
        expectOutput(#"""
        fn main() {
            let n = 7;
            let s = if n > 5 { "high" } else { "low" };
            println(s);
        }
        """#, "high\n")
        expectTypeError(#"""
        fn main() {
            let n = 3;
            if false {
                let v = if n > 2 { 1 } else { "two" };
            }
        }
        """#, #"""
        error: `if` and `else` have incompatible types
         --> main.mal:4:39
          |
        4 |         let v = if n > 2 { 1 } else { "two" };
          |                                       ^^^^^ expected int, found string
        note: expected because of this
         --> main.mal:4:28
          |
        4 |         let v = if n > 2 { 1 } else { "two" };
          |                            ^
        """#)
    }

    /// A `match` used as a value needs arms of one type; an arm that returns agrees with any.
    func testMatchArmsUsedAsAValueAgree() {
        expectOutput(#"""
        fn describe(n: int) -> string {
            let s = match n { 1 => "one", 2 => "two", _ => return "many" };
            s
        }
        fn main() { println(describe(2), " ", describe(9)); }
        """#, "two many\n")
        expectTypeError(#"""
        fn main() {
            let n = 3;
            if false {
                let v = match n { 1 => "one", _ => 2 };
            }
        }
        """#, #"""
        error: `match` arms have incompatible types
         --> main.mal:4:44
          |
        4 |         let v = match n { 1 => "one", _ => 2 };
          |                                            ^ expected string, found int
        note: this is found to be of type `string`
         --> main.mal:4:32
          |
        4 |         let v = match n { 1 => "one", _ => 2 };
          |                                ^^^^^
          = help: convert it with `as string` or `to_string(...)`
        """#)
    }

    /// `Retry(0)` alone does not cover `Retry`; the missing arm is listed as code.
    func testAMatchOnAnEnumCoversEveryVariant() {
        expectOutput(#"""
        enum Action { Stop, Go(int), Retry(int) }
        fn run(a: Action) {
            match a {
                Stop => println("stop"),
                Go(n) => println(n),
                Retry(0) => println("again"),
                Retry(_) => println("later"),
            }
        }
        fn main() { run(Action::Retry(0)); run(Action::Go(2)); }
        """#, "again\n2\n")
        expectTypeError(#"""
        enum Action { Stop, Go(int), Retry(int) }
        fn run(a: Action) {
            match a {
                Stop => println("stop"),
                Go(n) => println(n),
                Retry(0) => println("again"),
            }
        }
        fn main() {}
        """#, #"""
        error: non-exhaustive patterns: `Retry(_)` not covered
         --> main.mal:3:11
          |
        3 |     match a {
          |           ^ pattern `Retry(_)` not covered
          = help: ensure that all possible cases are handled by adding a match arm: `Retry(_) => { ... }`
        """#)
    }

    /// A match on a bool covers `true` and `false`.
    func testAMatchOnABoolCoversBoth() {
        expectOutput(#"""
        fn main() {
            let b = 1 < 2;
            match b { true => println("yes"), false => println("no") }
        }
        """#, "yes\n")
        expectTypeError(#"""
        fn main() {
            let b = true;
            if false {
                match b { true => println("yes") }
            }
        }
        """#, #"""
        error: non-exhaustive patterns: `false` not covered
         --> main.mal:4:15
          |
        4 |         match b { true => println("yes") }
          |               ^ pattern `false` not covered
          = help: ensure that all possible cases are handled by adding a match arm: `false => { ... }`
        """#)
    }

    /// A `Channel[int]` sends ints.
    func testChannelsSendTheirElementType() {
        expectOutput(#"""
        fn main() {
            let ch = Channel[int]::new(1);
            ch <- 5;
            println(<-ch + 1);
        }
        """#, "6\n")
        expectTypeError(#"""
        fn main() {
            let ch = Channel[int]::new(1);
            if false {
                ch <- "hello";
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:15
          |
        4 |         ch <- "hello";
          |               ^^^^^^^ expected int, found string
        note: `ch` has type `Channel[int]`
         --> main.mal:2:9
          |
        2 |     let ch = Channel[int]::new(1);
          |         ^^
        """#)
    }

    /// A receive, `for v in ch` and a select binding give the element type.
    func testChannelsReceiveTheirElementType() {
        expectOutput(#"""
        fn main() {
            let ch = make[chan int](2);
            ch <- 1;
            ch <- 2;
            ch.close();
            let first: int = <-ch;
            let mut total = first;
            for v in ch { total += v; }
            let other = make[chan string](1);
            other <- "x";
            select { case let s = <-other => println(total, s.len()), default => println("none") }
        }
        """#, "31\n")
        expectTypeError(#"""
        fn main() {
            let ch = make[chan int](1);
            if false {
                let s: string = <-ch;
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:25
          |
        4 |         let s: string = <-ch;
          |                         ^^^^ expected string, found int
        note: expected due to this type
         --> main.mal:4:16
          |
        4 |         let s: string = <-ch;
          |                ^^^^^^
          = help: convert it with `as string` or `to_string(...)`
        """#)
    }

    /// `spawn f(a, b)` checks the call.
    func testSpawnIsCheckedAsACall() {
        expectOutput(#"""
        fn worker(id: int, ch: Channel[int]) { ch <- id * 10; }
        fn main() {
            let ch = Channel[int]::new(1);
            spawn worker(4, ch);
            println(<-ch);
        }
        """#, "40\n")
        expectTypeError(#"""
        fn worker(id: int, count: int) { println(id + count); }
        fn main() {
            if false {
                spawn worker(1, "two");
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:4:25
          |
        4 |         spawn worker(1, "two");
          |                         ^^^^^ expected int, found string
        note: parameter declared here
         --> main.mal:1:20
          |
        1 | fn worker(id: int, count: int) { println(id + count); }
          |                    ^^^^^^^^^^
        """#)
    }

    /// `sleep` takes an int; `len` takes strings, lists and maps.
    func testBuiltinsHaveSignatures() {
        expectOutput(#"""
        fn main() {
            sleep(1);
            println(len("abc") + len([1, 2]));
        }
        """#, "5\n")
        expectTypeError(#"""
        fn main() {
            if false {
                sleep("ten");
                let n = len(5);
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:3:15
          |
        3 |         sleep("ten");
          |               ^^^^^ expected int, found string

        error: mismatched types
         --> main.mal:4:21
          |
        4 |         let n = len(5);
          |                     ^ expected a string, list or map, found int
          = help: `len` counts the bytes of a string and the items of a list or map

        error: aborting due to 2 previous errors
        """#)
    }

    /// String, list and map methods check their arguments.
    func testMethodsOfStringsListsAndMapsHaveSignatures() {
        expectOutput(#"""
        use std::collections::HashMap;
        fn main() {
            let mut ages = HashMap[string, int]::new();
            ages.put("ann", 31);
            println("abc".starts_with("a"), " ", ages.get("ann") + 1);
        }
        """#, "true 32\n")
        expectTypeError(#"""
        use std::collections::HashMap;
        fn main() {
            let mut ages = HashMap[string, int]::new();
            if false {
                let found = "abc".starts_with(1);
                ages.put("ann", "old");
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:5:39
          |
        5 |         let found = "abc".starts_with(1);
          |                                       ^ expected string, found int
          = help: convert it with `as string` or `to_string(...)`

        error: mismatched types
         --> main.mal:6:25
          |
        6 |         ages.put("ann", "old");
          |                         ^^^^^ expected int, found string

        error: aborting due to 2 previous errors
        """#)
    }

    /// `return` and the tail of a function declared `-> string` give strings.
    func testAFunctionReturnsItsAnnotatedType() {
        expectOutput(#"""
        fn name(n: int) -> string {
            if n > 0 {
                return to_string(n);
            }
            "none"
        }
        fn main() { println(name(3), " ", name(0)); }
        """#, "3 none\n")
        expectTypeError(#"""
        fn name(n: int) -> string {
            if n > 0 {
                return n;
            }
            "none"
        }
        fn main() {}
        """#, #"""
        error: mismatched types
         --> main.mal:3:16
          |
        3 |         return n;
          |                ^ expected string, found int
        note: expected `string` because of the return type
         --> main.mal:1:20
          |
        1 | fn name(n: int) -> string {
          |                    ^^^^^^
          = help: convert it with `as string` or `to_string(...)`
        """#)
    }

    /// Reading a field a struct does not have is an error listing the fields.
    func testAStructHasOnlyItsFields() {
        expectOutput(#"""
        struct Point { x: int, y: int }
        fn main() { let p = Point { x: 1, y: 2 }; println(p.x + p.y); }
        """#, "3\n")
        expectTypeError(#"""
        struct Point { x: int, y: int }
        fn main() {
            let p = Point { x: 1, y: 2 };
            if false {
                println(p.z);
            }
        }
        """#, #"""
        error: no field `z` on type `Point`
         --> main.mal:5:19
          |
        5 |         println(p.z);
          |                   ^ unknown field
          = help: available fields are: `x`, `y`
        """#)
    }

    /// Every type error of a file is reported in one run; an erroneous expression causes no more.
    func testEveryErrorOnceAndNoCascades() {
        expectOutput(#"""
        fn main() { let x: int = 1; println(x + 1); }
        """#, "2\n")
        expectTypeError(#"""
        fn main() {
            if false {
                let x: int = "a";
                let y = x + 1;
                let z: bool = 2;
            }
        }
        """#, #"""
        error: mismatched types
         --> main.mal:3:22
          |
        3 |         let x: int = "a";
          |                      ^^^ expected int, found string
        note: expected due to this type
         --> main.mal:3:16
          |
        3 |         let x: int = "a";
          |                ^^^

        error: mismatched types
         --> main.mal:5:23
          |
        5 |         let z: bool = 2;
          |                       ^ expected bool, found int
        note: expected due to this type
         --> main.mal:5:16
          |
        5 |         let z: bool = 2;
          |                ^^^^

        error: aborting due to 2 previous errors
        """#)
    }
    /// Payload patterns cover a variant together: `Pair(true, _)` and `Pair(false, true)`
    /// leave `Pair(false, false)`, which the error names.
    func testNestedPatternsCoverAVariantTogether() {
        expectOutput("""
        enum O { S(bool), N }
        enum P { Pair(bool, bool), Z }
        fn main() {
            let o = O::S(true);
            match o { O::S(true) => println("t"), O::S(false) => println("f"), O::N => println("n") }
            let p = P::Pair(true, false);
            match p { Pair(true, _) | Z => println(1), Pair(false, b) => println(b) }
            match (true, 1) { (true, _) => println("a"), (false, n) => println(n) }
        }
        """, "t\n1\na\n")
        expectTypeError(#"""
        enum P { Pair(bool, bool), Z }
        fn main() {
            let p = P::Pair(true, false);
            match p { Pair(true, _) => println(1), Pair(false, true) => println(2), Z => println(4) }
        }
        """#, #"""
        error: non-exhaustive patterns: `Pair(false, false)` not covered
         --> main.mal:4:11
          |
        4 |     match p { Pair(true, _) => println(1), Pair(false, true) => println(2), Z => println(4) }
          |           ^ pattern `Pair(false, false)` not covered
          = help: ensure that all possible cases are handled by adding a match arm: `Pair(false, false) => { ... }`
        """#)
    }

    /// A match on ints or strings without a catch-all is accepted with a warning; a value
    /// that matches no arm is still a run-time error.
    func testAMatchOnIntsWithoutACatchAllWarns() {
        let source = """
        fn main() {
            let n = 1;
            match n { 1 => println("one"), 2 => println("two") }
        }
        """
        expectOutput(source, "one\n")
        let (sources, compiled) = Interpreter.compile(source: source)
        guard case .success(let program) = compiled else { return XCTFail("should compile") }
        XCTAssertEqual(DiagnosticRenderer(sources: sources).render(program.warnings), #"""
        warning: match on an int without a catch-all arm
         --> main.mal:3:11
          |
        3 |     match n { 1 => println("one"), 2 => println("two") }
          |           ^ a value that matches no arm stops the program
          = help: add an arm `_ => { ... }` for the other values

        """#)
    }

    /// Unknown is not wrong: nil is a value of every type, and a closure parameter used only
    /// in ways that fit many types stays open, so each call may pass another type.
    func testUnknownIsNotWrong() {
        expectOutput("""
        fn main() {
            let mut best: int = nil;
            best = 3;
            let show = |x| println(x);
            show(1);
            show("one");
            let mut words = "a b".split(" ");
            println(best, words.pop());
        }
        """, "1\none\n3b\n")
    }

    /// The checker records every expression's type for the bytecode compiler.
    func testTheCompilerSeesEachExpressionsType() {
        let sources = SourceMap()
        let file = sources.add(SourceFile(name: "main.mal", text: "fn main() { let a = 1 + 2; let b = 1.5 * 2.0; let c = \"x\"; }"))
        let parsed = Parser.parse(file, in: sources)
        let (types, diagnostics) = BytecodeCompiler.typeCheck(parsed.unit, sources: sources)
        XCTAssertTrue(diagnostics.isEmpty, "\(diagnostics)")
        guard case .function(let main) = parsed.unit.items[0].kind, let body = main.body else { return XCTFail("no main") }
        var found: [String] = []
        for s in body.statements {
            if case .letBinding(_, _, let value?) = s.kind { found.append(types[value.span]?.description ?? "unknown") }
        }
        XCTAssertEqual(found, ["int", "float", "string"])
        guard case .letBinding(_, _, let sum?) = body.statements[0].kind else { return XCTFail("no let") }
        XCTAssertTrue(types.isInt(sum))
        XCTAssertFalse(types.isFloat(sum))
    }
}

extension XCTestCase {
    /// Checks that `source` does not compile and that its diagnostics are exactly
    /// `diagnostic`, with nothing printed on stdout.
    func expectTypeError(_ source: String, _ diagnostic: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = Harness.run(source)
        XCTAssertEqual(r.status, 2, "exit status; stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "stdout", file: file, line: line)
        XCTAssertEqual(r.stderr, diagnostic + "\n", file: file, line: line)
    }
}
