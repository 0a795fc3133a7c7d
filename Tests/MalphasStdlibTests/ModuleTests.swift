// Modules (LANGUAGE 8): `mod name;` files and directories, inline modules, `use` in all
// its forms, `pub` visibility and the errors of each.

import Testing
@testable import MalphasVM

@Suite("Modules")
struct ModuleTests {
    // MARK: Loading module files

    @Test("`mod name;` loads name.mal beside the current file")
    func fileModule() throws {
        let tree = try SourceTree([
            "main.mal": """
            mod geometry;
            fn main() { println(geometry::area(2, 3)); }
            """,
            "geometry.mal": """
            pub fn area(w: int, h: int) -> int { w * h }
            """,
        ])
        #expect(tree.run() == ProgramRun(stdout: "6\n", stderr: "", status: 0))
    }

    @Test("`mod name;` loads name/mod.mal, whose own modules sit beside it")
    func directoryModule() throws {
        let tree = try SourceTree([
            "main.mal": """
            mod shapes;
            fn main() { println(shapes::describe(), " ", shapes::circle::area(2)); }
            """,
            "shapes/mod.mal": """
            pub mod circle;
            pub fn describe() -> string { "shapes" }
            """,
            "shapes/circle.mal": """
            pub fn area(r: int) -> int { 3 * r * r }
            """,
        ])
        #expect(tree.run() == ProgramRun(stdout: "shapes 12\n", stderr: "", status: 0))
    }

    @Test("a module file's `mod` loads a file beside it; `package` lines are ignored")
    func nestedFileModules() throws {
        let tree = try SourceTree([
            "main.mal": """
            package main;
            mod lib/* the library */;
            fn main() { println(lib::twice(lib::util::three())); }
            """,
            "lib.mal": """
            package lib;
            pub mod util;
            pub fn twice(x: int) -> int { x * 2 }
            """,
            "util.mal": """
            pub fn three() -> int { 3 }
            """,
        ])
        #expect(tree.run().stdout == "6\n")
    }

    @Test("inline modules nest; `self`, `super` and `crate` paths; private items are visible to nested modules")
    func inlineModules() throws {
        let r = try runProgram("""
        const BASE: int = 100;
        mod outer {
            fn secret() -> int { 7 }
            pub fn visible() -> int { self::secret() + inner::deep() }
            pub mod inner {
                pub fn deep() -> int { super::secret() * 10 }
                pub fn base() -> int { crate::BASE }
            }
        }
        fn main() {
            println(outer::visible(), " ", outer::inner::base());
        }
        """)
        #expect(r == ProgramRun(stdout: "77 100\n", stderr: "", status: 0))
    }

    @Test("structs, enums, methods and constants of a module, used through paths")
    func typesThroughPaths() throws {
        let tree = try SourceTree([
            "main.mal": """
            mod geo;
            fn main() {
                let p = geo::Point::new(1, 2);
                let q = geo::Point { x: 3, y: 4 };
                println(p, " ", q.sum(), " ", geo::ORIGIN.x);
                let s = geo::Shape::Square(3);
                match s {
                    geo::Shape::Square(n) => println("square ", n),
                    geo::Shape::Dot => println("dot"),
                }
                let v: Vec[geo::Point] = [p];
                println(v.len());
            }
            """,
            "geo.mal": """
            pub struct Point { x: int, y: int }
            impl Point {
                pub fn new(x: int, y: int) -> Point { Point { x: x, y: y } }
                pub fn sum(&self) -> int { self.x + self.y }
            }
            pub enum Shape { Square(int), Dot }
            pub const ORIGIN: Point = Point { x: 0, y: 0 };
            """,
        ])
        #expect(tree.run() == ProgramRun(stdout: "Point { x: 1, y: 2 } 7 0\nsquare 3\n1\n", stderr: "", status: 0))
    }

    // MARK: use

    @Test("`use` a path, a list with a rename, a glob, `self` in a list, and re-exports")
    func useForms() throws {
        let r = try runProgram("""
        mod a {
            pub mod b {
                pub fn one() -> int { 1 }
                pub fn two() -> int { 2 }
                pub const THREE: int = 3;
                pub struct P { v: int }
            }
            pub use self::b::two as deux;
        }
        use a::b::one;
        use a::b::{two as second, THREE};
        use a::b::{self};
        use a::b::*;
        use a::deux;
        fn main() {
            println(one(), second(), THREE, b::one(), deux(), P { v: 5 }.v);
        }
        """)
        #expect(r == ProgramRun(stdout: "123125\n", stderr: "", status: 0))
    }

    @Test("an imported enum's variants may be written bare; `use Enum::*` and `use Enum::Variant`")
    func importedVariants() throws {
        let r = try runProgram("""
        mod colors {
            pub enum Color { Red, Green, Rgb(int, int, int) }
            pub enum Mode { On, Off }
        }
        use colors::Color;
        use colors::Mode::*;
        fn name(c: Color) -> string {
            match c { Red => "red", Green => "green", Rgb(r, _, _) => format("rgb {}", r) }
        }
        fn main() {
            println(name(Red), " ", name(Rgb(9, 0, 0)), " ", On, " ", Off);
        }
        """)
        #expect(r == ProgramRun(stdout: "red rgb 9 On Off\n", stderr: "", status: 0))
    }

    @Test("a module does not see its parent's items without a path; the help says how")
    func parentItemsNeedAPath() throws {
        let r = try runProgram("""
        fn helper() -> int { 1 }
        mod m { pub fn f() -> int { helper() } }
        fn main() { println(m::f()); }
        """)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: cannot find value `helper` in this scope"))
        #expect(r.stderr.contains("help: `helper` is declared at the crate root: write `super::helper` or `use super::helper;`"))
    }

    @Test("an unresolved import and a name imported twice are errors")
    func badImports() throws {
        let r = try runProgram("""
        mod m { pub fn f() {} pub fn g() {} }
        use m::nope;
        use m::f;
        use m::g as f;
        fn main() {}
        """)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: unresolved import `m::nope`: no item `nope` in module `m`"))
        #expect(r.stderr.contains("error: the name `f` is imported multiple times"))
    }

    // MARK: Visibility

    @Test("using a private function names it and its module and says to mark it `pub`")
    func privateFunction() throws {
        let tree = try SourceTree([
            "main.mal": """
            mod geometry;
            fn main() {
                println(geometry::secret());
            }
            """,
            "geometry.mal": """
            fn secret() -> int { 42 }
            """,
        ])
        let r = tree.run()
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr.contains("error: function `secret` is private to module `geometry`"))
        #expect(r.stderr.contains("main.mal:3:23"))
        #expect(r.stderr.contains("help: mark it `pub` where it is declared: `pub fn secret`"))
    }

    @Test("private structs, constants and modules, through paths and imports")
    func privateItems() throws {
        let r = try runProgram("""
        mod m {
            struct Hidden { x: int }
            const LIMIT: int = 3;
            mod inner { pub fn f() {} }
        }
        use m::Hidden;
        fn main() {
            println(m::LIMIT);
            m::inner::f();
        }
        """)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: struct `Hidden` is private to module `m`"))
        #expect(r.stderr.contains("help: mark it `pub` where it is declared: `pub struct Hidden`"))
        #expect(r.stderr.contains("error: constant `LIMIT` is private to module `m`"))
        #expect(r.stderr.contains("error: module `inner` is private to module `m`"))
    }

    @Test("a glob import brings only public items")
    func globSkipsPrivateItems() throws {
        let r = try runProgram("""
        mod m { pub fn open() -> int { 1 } fn closed() -> int { 2 } }
        use m::*;
        fn main() { println(open()); println(closed()); }
        """)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: cannot find value `closed` in this scope"))
    }

    @Test("the fields and methods of a visible struct are visible with it")
    func fieldsOfAVisibleStruct() throws {
        let r = try runProgram("""
        mod m {
            pub struct Account { owner: string, balance: int }
            impl Account { fn deposit(&mut self, n: int) { self.balance += n; } }
        }
        fn main() {
            let mut a = m::Account { owner: "ann", balance: 1 };
            a.deposit(2);
            a.balance += 10;
            println(a.owner, " ", a.balance);
        }
        """)
        #expect(r == ProgramRun(stdout: "ann 13\n", stderr: "", status: 0))
    }

    // MARK: Errors of module files

    @Test("a missing module file is an error naming both paths tried")
    func missingModuleFile() throws {
        let tree = try SourceTree(["main.mal": "mod missing;\nfn main() {}\n"])
        let r = tree.run()
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: file not found for module `missing`"))
        #expect(r.stderr.contains("main.mal:1:5"))
        #expect(r.stderr.contains("`\(tree.path("missing.mal"))`"))
        #expect(r.stderr.contains("`\(tree.path("missing/mod.mal"))`"))
    }

    @Test("a cycle of module files is an error naming the files of the cycle")
    func cyclicModules() throws {
        let tree = try SourceTree([
            "main.mal": "mod a;\nfn main() {}\n",
            "a.mal": "mod b;\n",
            "b.mal": "mod a;\n",
        ])
        let r = tree.run()
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: cyclic module import: `\(tree.path("a.mal"))` -> `\(tree.path("b.mal"))` -> `\(tree.path("a.mal"))`"))
        #expect(r.stderr.contains("--> \(tree.path("b.mal")):1:5"))
    }

    @Test("a file that declares itself as a module is a cycle too")
    func selfInclusion() throws {
        let tree = try SourceTree(["main.mal": "mod main;\nfn main() {}\n"])
        let r = tree.run()
        #expect(r.status == 2)
        #expect(r.stderr.contains("cyclic module import: `\(tree.path("main.mal"))` -> `\(tree.path("main.mal"))`"))
    }

    @Test("errors in a module file point into that file")
    func diagnosticsPointIntoModuleFiles() throws {
        let tree = try SourceTree([
            "main.mal": "mod util;\nfn main() { util::f(); }\n",
            "util.mal": "pub fn f() {\n    let x = 1;\n    x = 2;\n}\n",
        ])
        let r = tree.run()
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: cannot assign twice to immutable variable `x`"))
        #expect(r.stderr.contains("--> \(tree.path("util.mal")):3:5"))
        #expect(r.stderr.contains("3 |     x = 2;"))
    }

    @Test("a parse error in a module file points into that file")
    func parseErrorsInModuleFiles() throws {
        let tree = try SourceTree([
            "main.mal": "mod util;\nfn main() {}\n",
            "util.mal": "pub fn f( {\n",
        ])
        let r = tree.run()
        #expect(r.status == 2)
        #expect(r.stderr.contains("--> \(tree.path("util.mal")):1:"))
    }

    @Test("a runtime error's trace names the module's function and file")
    func tracesNameModuleFiles() throws {
        let tree = try SourceTree([
            "main.mal": "mod util;\nfn main() {\n    util::boom();\n}\n",
            "util.mal": "pub fn boom() {\n    panic(\"down\");\n}\n",
        ])
        let r = tree.run()
        #expect(r.status == 1)
        #expect(r.stderr.contains("panicked: down"))
        #expect(r.stderr.contains("at util::boom (\(tree.path("util.mal")):2)"))
        #expect(r.stderr.contains("at main (\(tree.path("main.mal")):3)"))
    }

    // MARK: The standard library as modules

    @Test("an unknown standard library module is named, with the list of the real ones")
    func unknownLibraryModule() throws {
        let r = try runProgram("use std::nothing;\nfn main() {}\n")
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: unresolved import `std::nothing`: the standard library has no module `nothing`"))
        #expect(r.stderr.contains("help: its modules are: collections, io, math, net, strings, sync, testing, time"))
    }

    @Test("`std::module::item` paths work without a `use`; `use std::{a, b}` loads both")
    func libraryPaths() throws {
        let r = try runProgram("""
        use std::{math, strings};
        fn main() {
            println(std::math::gcd(12, 18), " ", math::lcm(4, 6), " ", strings::pad_left("7", 3, "0"));
            let v: std::collections::Vec[int] = std::collections::Vec::new();
            println(v.len());
        }
        """)
        #expect(r == ProgramRun(stdout: "6 12 007\n0\n", stderr: "", status: 0))
    }

    @Test("the library's native builtins are not visible to programs")
    func libraryNativesAreHidden() throws {
        let r = try runProgram("fn main() { __io_read_file(\"x\"); }\n")
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: cannot find value `__io_read_file` in this scope"))
    }

    @Test("a name two glob imports bring with different meanings is ambiguous where it is used")
    func ambiguousGlobs() throws {
        let r = try runProgram("""
        use std::collections::*;
        use std::strings::*;
        fn main() {
            println(count("banana", "an"));
        }
        """)
        #expect(r.status == 2)
        #expect(r.stderr.contains("error: `count` is ambiguous: both `use std::collections::*` and `use std::strings::*` bring one"))
        #expect(r.stderr.contains("main.mal:4:13"))
        #expect(r.stderr.contains("help: import the one you mean by name, as in `use std::collections::count;`"))
    }

    @Test("a program's own items shadow what a glob import brings")
    func ownItemsShadowGlobs() throws {
        let r = try runProgram("""
        use std::math::*;
        fn gcd(a: int, b: int) -> int { 0 - 1 }
        fn main() { println(gcd(4, 6), " ", lcm(4, 6)); }
        """)
        #expect(r == ProgramRun(stdout: "-1 12\n", stderr: "", status: 0))
    }

    @Test("a REPL session imports library modules; a failed input leaves its imports out")
    func replSessions() throws {
        try withLegionRuntime { try replSessionSteps() }
    }

    private func replSessionSteps() throws {
        let out = Output.capture()
        let session = Session(options: RunOptions(output: out, errorOutput: out))
        #expect(session.evaluate("use std::math;") == .value(nil))
        #expect(session.evaluate("math::gcd(4, 6)") == .value("2"))
        guard case .compileError = session.evaluate("use std::strings; nope();") else {
            Issue.record("an input with an undefined name must not compile")
            return
        }
        guard case .compileError(let report) = session.evaluate("strings::pad_left(\"1\", 3, \"0\")") else {
            Issue.record("the failed input's import must be rolled back")
            return
        }
        #expect(report.contains("strings"))
        #expect(session.evaluate("use std::strings;") == .value(nil))
        #expect(session.evaluate("strings::pad_left(\"1\", 3, \"0\")") == .value("\"001\""))
    }
}
