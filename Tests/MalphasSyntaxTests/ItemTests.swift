import XCTest
import MalphasSyntax

/// LANGUAGE.md section 2: items.
final class ItemTests: XCTestCase {
    func testFunctionWithParametersAndResult() {
        XCTAssertEqual(dumpFile("fn add(a: int, b: int) -> int { return a + b; }"),
                       "(fn add (a: int, b: int) -> int (block (return (+ a b));))")
    }

    func testGenericFunctionWithTailExpression() {
        XCTAssertEqual(dumpFile("fn id[T](x: T) -> T { x }"), "(fn id[T] (x: T) -> T (block (tail x)))")
    }

    func testGenericBoundsAndWhereClauses() {
        XCTAssertEqual(dumpFile("fn f[T: Greeter + Show, U](g: T, u: U) where U: Show, V: Eq {}"),
                       "(fn f[T: Greeter + Show, U: Show, V: Eq] (g: T, u: U) (block))")
    }

    func testMutableParameter() {
        XCTAssertEqual(dumpFile("fn f(mut n: int) {}"), "(fn f (mut n: int) (block))")
    }

    func testStruct() {
        XCTAssertEqual(dumpFile("struct Point { x: int, y: int }"), "(struct Point (x: int) (y: int))")
    }

    func testGenericStructWithPublicFieldAndTrailingComma() {
        XCTAssertEqual(dumpFile("pub struct Box[T] { pub value: T, }"), "(pub struct Box[T] (pub value: T))")
    }

    func testUnitStruct() {
        XCTAssertEqual(dumpFile("struct Marker;"), "(struct Marker)")
    }

    func testEnumWithTupleLikeAndUnitVariants() {
        XCTAssertEqual(dumpFile("enum Shape { Circle(int), Rect(int, int), Empty }"),
                       "(enum Shape (Circle int) (Rect int int) Empty)")
    }

    func testGenericEnum() {
        XCTAssertEqual(dumpFile("enum Option[T] { Some(T), None, }"), "(enum Option[T] (Some T) None)")
    }

    func testImplWithEveryReceiverForm() {
        let source = """
        impl Point {
            fn new(x: int, y: int) -> Point { Point { x: x, y: y } }
            fn a(self) {}
            fn b(&self) {}
            fn c(&mut self) {}
            fn d(mut self) {}
            fn e(self: Self) {}
            fn f(self: &Point) {}
            fn g(self: &mut Self, n: int) {}
        }
        """
        XCTAssertEqual(dumpFile(source), """
        (impl Point \
        (fn new (x: int, y: int) -> Point (block (tail (struct-literal Point (x x) (y y))))) \
        (fn a (self) (block)) (fn b (&self) (block)) (fn c (&mut self) (block)) (fn d (mut self) (block)) \
        (fn e (self) (block)) (fn f (&self) (block)) (fn g (&mut self, n: int) (block)))
        """)
    }

    func testReceiverSpanCoversTheReceiver() {
        let (_, result) = parseFile("impl P { fn f(&mut self) {} }")
        guard case .implDecl(let impl) = result.unit.items[0].kind else { return XCTFail() }
        XCTAssertEqual(impl.methods[0].receiverSpan.map { [$0.start, $0.end] }, [14, 23])
    }

    func testGenericImpl() {
        XCTAssertEqual(dumpFile("impl[T] Box[T] { fn get(self) -> T { self.value } }"),
                       "(impl[T] Box[T] (fn get (self) -> T (block (tail (field self value)))))")
    }

    func testTraitImplementation() {
        XCTAssertEqual(dumpFile("impl Area for Shape { fn area(&self) -> int { 0 } }"),
                       "(impl Area for Shape (fn area (&self) -> int (block (tail 0))))")
    }

    func testImplWithAssociatedConstant() {
        XCTAssertEqual(dumpFile("impl P { const N: int = 3; pub fn n() -> int { 3 } }"),
                       "(impl P (const N: int = 3) (fn n () -> int (block (tail 3))))")
    }

    func testTraitWithRequiredAndDefaultMethods() {
        XCTAssertEqual(dumpFile("trait Area { fn area(&self) -> int; fn twice(&self) -> int { self.area() * 2 } }"),
                       "(trait Area (fn area (&self) -> int;) (fn twice (&self) -> int (block (tail (* (method self area) 2)))))")
    }

    func testTraitWithSupertraitsAndGenerics() {
        XCTAssertEqual(dumpFile("trait Into[T]: Show { fn into(self) -> T; }"), "(trait Into[T] (fn into (self) -> T;))")
    }

    func testConstant() {
        XCTAssertEqual(dumpFile("const LIMIT: int = 100;"), "(const LIMIT: int = 100)")
        XCTAssertEqual(dumpFile("const NAME = \"x\";"), "(const NAME = \"x\")")
    }

    func testTypeAlias() {
        XCTAssertEqual(dumpFile("type IntChan = chan int;"), "(type IntChan = chan int)")
        XCTAssertEqual(dumpFile("type Pair[T] = (T, T);"), "(type Pair[T] = (T, T))")
    }

    func testModuleDeclaredInAnotherFile() {
        XCTAssertEqual(dumpFile("mod geometry;"), "(mod geometry;)")
    }

    func testInlineModule() {
        XCTAssertEqual(dumpFile("pub mod shapes { pub fn area() -> int { 1 } struct S; }"),
                       "(pub mod shapes (pub fn area () -> int (block (tail 1))) (struct S))")
    }

    func testUsePaths() {
        XCTAssertEqual(dumpFile("use std::collections::Vec;"), "(use std::collections::Vec)")
        XCTAssertEqual(dumpFile("use a::b as c;"), "(use a::b as c)")
    }

    func testUseGroupsAndGlobs() {
        XCTAssertEqual(dumpFile("use std::collections::{Vec, HashMap as Map};"),
                       "(use std::collections::{Vec, HashMap as Map})")
        XCTAssertEqual(dumpFile("use std::testing::*;"), "(use std::testing::*)")
        XCTAssertEqual(dumpFile("use a::{b::{c, d}, e::*, self};"), "(use a::{b::{c, d}, e::*, self})")
    }

    func testPublicItems() {
        XCTAssertEqual(dumpFile("pub fn exported() {} pub const X: int = 1; pub enum E { A } pub use a::b;"),
                       "(pub fn exported () (block))\n(pub const X: int = 1)\n(pub enum E A)\n(pub use a::b)")
    }

    func testPackageClauseIsAcceptedAndDropped() {
        XCTAssertEqual(dumpFile("package main;\nfn main() {}"), "(fn main () (block))")
    }

    func testItemsMayBeUsedBeforeDefinitionAndKeepTheirOrder() {
        XCTAssertEqual(dumpFile("fn main() { helper() } fn helper() {}"),
                       "(fn main () (block (tail (call helper))))\n(fn helper () (block))")
    }

    func testItemsNestedInBlocks() {
        XCTAssertEqual(dumpFile("fn main() { fn helper() -> int { 1 } struct P { x: int } helper() }"),
                       "(fn main () (block (fn helper () -> int (block (tail 1))) (struct P (x: int)) (tail (call helper))))")
    }

    func testItemSpans() {
        let (_, result) = parseFile("  pub fn f() {}\nstruct S;")
        XCTAssertEqual(result.unit.items.map { [$0.span.start, $0.span.end] }, [[2, 15], [16, 25]])
    }
}
