import XCTest

/// LANGUAGE 2 and 5: structs, enums, tuples, methods, traits, value semantics.
final class TypeTests: XCTestCase {
    func testStructsAndMethods() {
        expectOutput("""
        struct Point { x: int, y: int }
        impl Point {
            fn new(x: int, y: int) -> Point { Point { x: x, y: y } }
            fn norm1(&self) -> int { self.x + self.y }
            fn shift(&mut self, d: int) { self.x = self.x + d; }
        }
        fn main() {
            let mut p = Point::new(1, 2);
            println(p);
            println(p.norm1());
            p.shift(10);
            println(p.x, " ", p.norm1());
            p.y = 7;
            println(p);
        }
        """, "Point { x: 1, y: 2 }\n3\n11 13\nPoint { x: 11, y: 7 }\n")
    }

    func testMutSelfMutationIsVisibleThroughFieldsAndIndexes() {
        expectOutput("""
        struct Counter { n: int }
        impl Counter { fn bump(&mut self) { self.n += 1; } }
        struct Holder { c: Counter, list: Vec[Counter] }
        fn main() {
            let mut h = Holder { c: Counter { n: 0 }, list: [Counter { n: 10 }, Counter { n: 20 }] };
            h.c.bump();
            h.c.bump();
            h.list[1].bump();
            println(h.c.n, " ", h.list[0].n, " ", h.list[1].n);
        }
        """, "2 10 21\n")
    }

    func testMutSelfMethodReturningSelfKeepsTheReceiver() {
        expectOutput("""
        struct P { x: int }
        impl P {
            fn bump(&mut self) -> P { self.x = self.x + 1; *self }
            fn me(&mut self) -> P { self }
        }
        fn main() {
            let mut p = P { x: 1 };
            let q = p.bump();
            let r = p.me();
            println(p.x, " ", q.x, " ", r.x);
        }
        """, "2 2 2\n")
    }

    func testValueSemantics() {
        expectOutput("""
        struct P { x: int }
        fn change(mut p: P) -> int { p.x = 99; p.x }
        fn main() {
            let a = [1, 2, 3];
            let mut b = a;
            b.push(4);
            println(a, " ", b);
            let p = P { x: 1 };
            let mut q = p;
            q.x = 5;
            println(p.x, " ", q.x, " ", change(p), " ", p.x);
            let t = (1, "a");
            let mut u = t;
            u.0 = 2;
            println(t, " ", u);
        }
        """, "[1, 2, 3] [1, 2, 3, 4]\n1 5 99 1\n(1, \"a\") (2, \"a\")\n")
    }

    func testEnumsAndMatch() {
        expectOutput("""
        enum Shape { Circle(int), Rect(int, int), Empty }
        fn area(s: Shape) -> int {
            match s {
                Shape::Circle(r) => 3 * r * r,
                Rect(w, h) => w * h,
                Empty => 0,
            }
        }
        fn main() {
            let shapes = [Shape::Circle(2), Rect(3, 4), Shape::Empty];
            for s in shapes { println(s, " ", area(s)); }
        }
        """, "Circle(2) 12\nRect(3, 4) 12\nEmpty 0\n")
    }

    func testEveryPatternForm() {
        expectOutput("""
        enum Op { Add(int, int), Neg(int), Nop }
        fn describe(x: int) -> string {
            match x {
                0 => "zero",
                1 | 2 | 3 => "small",
                4..=9 => "digit",
                n if n < 0 => "negative",
                _ => "big",
            }
        }
        fn main() {
            for x in [0, 2, 7, -5, 100] { print(describe(x), " "); }
            println();
            let pairs = [(0, "a"), (1, "b"), (2, "c")];
            for p in pairs {
                match p { (0, s) => println("first ", s), (n, "b") => println("b at ", n), (_, other) => println(other) }
            }
            let ops = [Op::Add(1, 2), Op::Neg(5), Op::Nop, Op::Add(0, 0)];
            for op in ops {
                let v = match op {
                    Op::Add(0, 0) => { 0 }
                    Op::Add(a, b) => a + b,
                    Op::Neg(a) => -a,
                    Op::Nop => 999,
                };
                print(v, " ");
            }
            println();
            match "hello" { "bye" => println("no"), "hello" => println("yes"), _ => println("?") }
            match nil { nil => println("nil"), _ => println("?") }
            match (1, (2, 3)) { (a, (b, c)) => println(a + b + c) }
            match true { true => println("t"), false => println("f") }
        }
        """, "zero small digit negative big \nfirst a\nb at 1\nc\n3 -5 999 0 \nyes\nnil\n6\nt\n")
    }

    func testNoMatchIsARuntimeError() {
        expectRuntimeError("""
        fn main() {
            let x = 5;
            match x { 1 => println("one"), 2 => println("two") }
        }
        """, "error: no match arm matched value 5 at main.mal:3", trace: ["at main (main.mal:3)"])
    }

    func testTuples() {
        expectOutput("""
        fn swap(p: (int, int)) -> (int, int) { (p.1, p.0) }
        fn main() {
            let t = swap((1, 2));
            println(t, " ", t.0);
            let (a, b) = t;
            println(a + b);
            println(());
        }
        """, "(2, 1) 2\n3\n()\n")
    }

    func testTraitsWithDefaultsAndDynamicDispatch() {
        expectOutput("""
        trait Area {
            fn area(&self) -> int;
            fn twice(&self) -> int { self.area() * 2 }
        }
        struct Sq { s: int }
        enum Shape { Circle(int), Rect(int, int) }
        impl Area for Sq { fn area(&self) -> int { self.s * self.s } }
        impl Area for Shape {
            fn area(&self) -> int { match self { Circle(r) => 3 * r * r, Rect(w, h) => w * h } }
            fn twice(&self) -> int { 1000 }
        }
        fn total[T: Area](items: Vec[T]) -> int {
            let mut t = 0;
            for i in items { t += i.area(); }
            t
        }
        fn main() {
            let s = Sq { s: 3 };
            println(s.area(), " ", s.twice());
            let c = Shape::Circle(1);
            println(c.area(), " ", c.twice());
            println(total([Sq { s: 1 }, Sq { s: 2 }]));
        }
        """, "9 18\n3 1000\n5\n")
    }

    func testMethodsOnTemporariesAndPathCalls() {
        expectOutput("""
        struct Point { x: int, y: int }
        impl Point {
            fn len(&self) -> int { self.x + self.y }
            fn greet(name: string) -> string { "hi " + name }
        }
        fn main() {
            println(Point { x: 1, y: 2 }.len());
            let p = Point { x: 3, y: 4 };
            println(p.greet("Bob"));
            println(Point::greet("Ann"));
            println(Point::len(&p), " ", Point::len(p));
        }
        """, "3\nhi Bob\nhi Ann\n7 7\n")
    }

    func testUserMethodsWinOverBuiltins() {
        expectOutput("""
        struct Bag { items: Vec[int] }
        impl Bag {
            fn len(&self) -> int { 42 }
            fn push(&mut self, x: int) { self.items.push(x * 10); }
        }
        fn main() {
            let mut b = Bag { items: [] };
            b.push(1);
            b.push(2);
            println(b.len(), " ", b.items, " ", b.items.len());
        }
        """, "42 [10, 20] 2\n")
    }

    func testUserItemsShadowBuiltins() {
        expectOutput("""
        struct Vec[T] { first: T }
        fn len(x: int) -> int { x * 2 }
        fn main() {
            let v = Vec { first: 1 };
            println(v.first, " ", len(21));
        }
        """, "1 42\n")
    }

    func testAssociatedConstants() {
        expectOutput("""
        struct Grid { w: int }
        impl Grid {
            const SIZE: int = 8;
            const AREA: int = Grid::SIZE * Grid::SIZE;
            fn cells(&self) -> int { Self::SIZE * self.w }
        }
        fn main() { println(Grid::SIZE, " ", Grid::AREA, " ", Grid { w: 2 }.cells()); }
        """, "8 64 16\n")
    }

    func testGenericStructsAndFunctions() {
        expectOutput("""
        struct Box[T] { value: T }
        impl[T] Box[T] { fn get(self) -> T { self.value } }
        fn id[T](x: T) -> T { x }
        fn main() {
            let b = Box[int] { value: 5 };
            println(b.get(), " ", id("s"), " ", Box { value: "v" }.get());
        }
        """, "5 s v\n")
    }
}

/// A mutating method's arguments may read the receiver's place: they are evaluated
/// before the receiver is moved out of it.
final class ReceiverPlaceTests: XCTestCase {
    func testArgumentsReadTheReceiverBeforeItMoves() {
        expectOutput("""
        struct Inner { m: HashMap[string, int], v: Vec[int] }
        struct Outer { inner: Inner }
        fn main() {
            let mut counts = HashMap::new();
            counts.insert("a", 1);
            counts.insert("a", counts.get("a") + 1);
            let mut v = [1, 2];
            v.push(v.len());
            v.push(v[0] + v[1]);
            let mut o = Outer { inner: Inner { m: HashMap::new(), v: [] } };
            o.inner.v.push(o.inner.v.len());
            o.inner.v.push(o.inner.v.len() * 10);
            o.inner.m.insert("k", o.inner.v.len());
            let mut grid = [[1], [2]];
            grid[1].push(grid[1][0] + grid[0][0]);
            println(counts, " ", v, " ", o.inner.v, " ", o.inner.m, " ", grid);
        }
        """, "{\"a\": 2} [1, 2, 2, 3] [0, 10] {\"k\": 2} [[1], [2, 3]]\n")
    }
}
