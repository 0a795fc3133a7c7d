import XCTest

/// LANGUAGE 4: closures, function values, references.
final class ClosureTests: XCTestCase {
    func testClosuresCaptureByReference() {
        expectOutput("""
        fn main() {
            let mut counter = 0;
            let mut inc = || { counter += 1; counter };
            inc();
            inc();
            println(inc(), " ", counter);
        }
        """, "3 3\n")
    }

    func testClosureFactoriesKeepTheirOwnState() {
        expectOutput("""
        fn make_counter() -> fn() -> int {
            let mut n = 0;
            || { n += 1; n }
        }
        fn main() {
            let a = make_counter();
            let b = make_counter();
            a(); a();
            println(a(), " ", b());
        }
        """, "3 1\n")
    }

    func testNestedClosuresShareUpvalues() {
        expectOutput("""
        fn main() {
            let mut total = 0;
            let add = |x: int| {
                let inner = |y: int| { total += y; };
                inner(x);
                inner(x);
            };
            add(5);
            println(total);
        }
        """, "10\n")
    }

    func testLoopVariablesAreFreshPerIteration() {
        expectOutput("""
        fn main() {
            let mut fs = [];
            for i in 0..3 { fs.push(|| i * 10); }
            for f in fs { print(f(), " "); }
            println();
        }
        """, "0 10 20 \n")
    }

    func testFunctionLiteralsAndFunctionValues() {
        expectOutput("""
        fn apply(f: fn(int) -> int, x: int) -> int { f(x) }
        fn double(x: int) -> int { x * 2 }
        fn main() {
            let f = fn(x: int) -> int { x + 1 };
            println(apply(f, 1), " ", apply(double, 4), " ", apply(|x| x * x, 5));
            let g = double;
            println(g(21));
        }
        """, "2 8 25\n42\n")
    }

    func testMapAndFilterTakeClosures() {
        expectOutput("""
        fn main() {
            let v = [1, 2, 3, 4, 5];
            let factor = 10;
            println(v.map(|x| x * factor));
            println(v.filter(|x| x % 2 == 1));
            println(v.iter().map(|x| x + 1).collect());
        }
        """, "[10, 20, 30, 40, 50]\n[1, 3, 5]\n[2, 3, 4, 5, 6]\n")
    }

    func testReferences() {
        expectOutput("""
        struct P { x: int }
        fn inc(r: &mut int) { *r += 1; }
        fn bump(p: &mut P) { p.x = p.x + 10; }
        fn total(v: &Vec[int]) -> int { let mut t = 0; for x in v { t += x; } t + v.len() }
        fn push_twice(v: &mut Vec[int]) { v.push(1); v.push(2); }
        fn main() {
            let mut n = 1;
            inc(&mut n);
            inc(&mut n);
            println(n);
            let r = &n;
            println(*r + 1);
            let mut p = P { x: 1 };
            bump(&mut p);
            println(p.x);
            let mut v = [5, 6];
            push_twice(&mut v);
            println(v, " ", total(&v));
            let rp = &mut p;
            rp.x = 7;
            println(p.x);
        }
        """, "3\n4\n11\n[5, 6, 1, 2] 18\n7\n")
    }

    func testMutSelfMethodThroughReference() {
        expectOutput("""
        struct C { n: int }
        impl C { fn add(&mut self, k: int) { self.n += k; } fn get(&self) -> int { self.n } }
        fn work(c: &mut C) { c.add(5); c.add(1); }
        fn main() {
            let mut c = C { n: 0 };
            work(&mut c);
            println(c.get());
        }
        """, "6\n")
    }

    func testClosuresCapturingSelfInAMutatingMethod() {
        expectOutput("""
        struct Acc { total: int, items: Vec[int] }
        impl Acc {
            fn add_all(&mut self, xs: Vec[int]) {
                let add = |x: int| { self.total += x; };
                for x in xs { add(x); }
                self.items.push(self.total);
            }
            fn me(&mut self) -> Acc { let f = || self.total; self.total = f() + 1; self }
        }
        fn main() {
            let mut a = Acc { total: 0, items: [] };
            a.add_all([1, 2, 3]);
            a.add_all([10]);
            println(a);
            println(a.me(), " ", a.total);
        }
        """, "Acc { total: 16, items: [6, 16] }\nAcc { total: 17, items: [6, 16] } 17\n")
    }
}
