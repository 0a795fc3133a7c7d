import XCTest

/// LANGUAGE 2, 4, 9 and DESIGN 4: compile errors, rendered as rustc does, several per
/// run, nothing executed, exit status 2.
final class CompileErrorTests: XCTestCase {
    func testAssignTwiceToImmutable() {
        expectCompileError("""
        fn main() {
            let x = 1;
            x = 2;
        }
        """, ["""
        error: cannot assign twice to immutable variable `x`
         --> main.mal:3:5
          |
        3 |     x = 2;
          |     ^^^^^
          = help: consider making this binding mutable: `let mut x`
        """])
    }

    func testUndefinedNameSuggestsASimilarOne() {
        expectCompileError("""
        fn main() {
            let counter = 1;
            println(countr);
        }
        """, ["error: cannot find value `countr` in this scope", "--> main.mal:3:13", "^^^^^^",
              "help: a local variable or item with a similar name exists: `counter`"])
    }

    func testSeveralErrorsInOneRun() {
        let r = Harness.run("""
        fn main() {
            let a = undefined_one;
            let b = undefined_two;
            break;
        }
        """)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("cannot find value `undefined_one`"), r.stderr)
        XCTAssertTrue(r.stderr.contains("cannot find value `undefined_two`"), r.stderr)
        XCTAssertTrue(r.stderr.contains("error: `break` outside of a loop"), r.stderr)
        XCTAssertTrue(r.stderr.contains("error: aborting due to 3 previous errors"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    func testNothingRunsWhenCompilationFails() {
        let r = Harness.run("fn main() { println(\"ran\"); let y = nope; }")
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.status, 2)
    }

    func testBreakAndContinueOutsideALoop() {
        expectCompileError("fn main() { continue; }", ["error: `continue` outside of a loop", "--> main.mal:1:13"])
        expectCompileError("fn main() { let f = || { break; }; loop { f(); } }", ["error: `break` outside of a loop"])
    }

    func testArityOfDirectCalls() {
        expectCompileError("""
        fn add(a: int, b: int) -> int { a + b }
        fn main() { add(1, 2, 3); }
        """, ["error: this function takes 2 arguments but 3 were supplied", "--> main.mal:2:13", "^^^^^^^^^^^^"])
    }

    func testUnknownAndMissingStructFields() {
        expectCompileError("""
        struct Point { x: int, y: int }
        fn main() { let p = Point { x: 1, z: 2 }; }
        """, ["error: struct `Point` has no field named `z`", "error: missing field `y` in initializer of `Point`"])
    }

    func testDuplicateDefinitions() {
        expectCompileError("""
        fn f() {}
        fn f() {}
        struct S { a: int, a: int }
        enum E { A, A }
        fn g(x: int, x: int) {}
        fn main() {}
        """, ["error: the name `f` is defined multiple times", "error: field `a` is already declared",
              "error: the variant `A` is defined multiple times",
              "error: identifier `x` is bound more than once in this parameter list"])
    }

    func testTraitImplChecks() {
        expectCompileError("""
        trait Shape { fn area(&self) -> int; fn name(&self) -> string; }
        struct Sq { s: int }
        impl Shape for Sq {
            fn area(&self) -> int { self.s }
            fn perimeter(&self) -> int { 4 * self.s }
        }
        fn main() {}
        """, ["error: method `perimeter` is not a member of trait `Shape`",
              "error: not all trait items implemented, missing: `name`"])
    }

    func testReturnOutsideAFunction() {
        expectCompileError("const X: int = { return 1; };\nfn main() {}", ["error: `return` outside of a function"])
    }

    func testAssignmentToCapturedVariableInSpawnedBlock() {
        expectCompileError("""
        fn main() {
            let mut total = 0;
            spawn { total = 5; };
        }
        """, ["error: legions share nothing: cannot assign to `total`, a variable of the enclosing function, inside a spawned block",
              "help: send the value back on a channel instead"])
    }

    func testSelfOutsideAMethod() {
        expectCompileError("fn main() { println(self); }", ["error: `self` value is a keyword only available in methods with a `self` parameter"])
    }

    func testUnknownTypeName() {
        expectCompileError("""
        struct Point { x: int }
        fn f(p: Pont) -> int { 0 }
        fn main() {}
        """, ["error: cannot find type `Pont` in this scope", "help: a type with a similar name exists: `Point`"])
    }

    func testAssignToFieldOfImmutableBinding() {
        expectCompileError("""
        struct P { x: int }
        fn main() { let p = P { x: 1 }; p.x = 2; }
        """, ["error: cannot assign to `p.x`, as `p` is not declared as mutable",
              "help: consider making this binding mutable: `let mut p`"])
    }

    func testMutatingMethodOnImmutableBinding() {
        expectCompileError("fn main() { let v = [1]; v.push(2); }",
                           ["error: cannot borrow `v` as mutable, as it is not declared as mutable"])
    }

    func testMissingMain() {
        expectCompileError("fn helper() {}", ["error: `main` function not found in this program"])
    }

    func testUnknownMethodName() {
        expectCompileError("fn main() { let v = [1]; v.pusj(2); }",
                           ["error: no method named `pusj` found", "help: there is a method with a similar name: `push`"])
    }

    func testParseErrorsAreReported() {
        expectCompileError("fn main() { let x = ; }", ["error:"])
    }
}
