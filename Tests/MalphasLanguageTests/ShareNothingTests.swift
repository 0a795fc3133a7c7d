import XCTest
import MalphasCompiler
import MalphasSyntax
@testable import MalphasVM

/// LANGUAGE 6, legions share nothing: a closure or a reference that crosses to another
/// legion (a spawn argument, a captured value, a channel transfer, nested in an
/// aggregate) takes copies of its captured variables with it. Each program prints only
/// after joining through a channel, so the output does not depend on the scheduling.
final class ShareNothingTests: XCTestCase {
    func testAClosureSentOnAChannelCountsSeparatelyInEachLegion() {
        expectOutput("""
        fn main() {
            let mut count = 0;
            let bump = || { count += 1; count };
            let ch = make[chan fn() -> int](1);
            let done = make[chan int](0);
            ch <- bump;
            spawn |f: fn() -> int| { for i in 0..1000 { f(); } done <- f(); }(<-ch);
            for i in 0..500 { bump(); }
            println(<-done);
            println(count);
        }
        """, "1001\n500\n")
    }

    func testAClosureHandedToAWaitingReceiverOrBySelectIsACopy() {
        // Unbuffered: the receiver is parked first, so the value goes straight to it; then
        // a select send case.
        expectOutput("""
        fn main() {
            let mut n = 0;
            let bump = || { n += 1; n };
            let ch = make[chan fn() -> int](0);
            let done = make[chan int](0);
            spawn { let f = <-ch; f(); done <- f(); };
            sleep(10);
            ch <- bump;
            println(<-done, " ", n);
            spawn { let f = <-ch; done <- f(); };
            select {
                case ch <- bump => { },
                case <-done => { println("impossible"); }
            }
            println(<-done, " ", n);
        }
        """, "2 0\n1 0\n")
    }

    func testAClosureAsASpawnArgumentIsACopy() {
        expectOutput("""
        fn run(f: fn() -> int, done: chan int) { for i in 0..1000 { f(); } done <- f(); }
        fn main() {
            let mut n = 0;
            let bump = || { n += 1; n };
            let done = make[chan int](0);
            spawn run(bump, done);
            for i in 0..300 { bump(); }
            println(<-done, " ", n);
        }
        """, "1001 300\n")
    }

    func testAListOfClosuresSentKeepsTheCountersApart() {
        expectOutput("""
        fn main() {
            let mut a = 0;
            let mut b = 0;
            let fs = [|| { a += 1; a }, || { b += 10; b }];
            let ch = make[chan Vec[fn() -> int]](1);
            let done = make[chan string](0);
            spawn {
                let got = <-ch;
                for i in 0..100 { for f in got { f(); } }
                let f0 = got[0];
                let f1 = got[1];
                done <- format("{} {}", f0(), f1());
            };
            ch <- fs;
            for f in fs { f(); }
            println(<-done);
            println(a, " ", b);
        }
        """, "101 1010\n1 10\n")
    }

    func testClosuresInAStructAMapAndAnEnumAreCopies() {
        expectOutput("""
        struct Counter { name: string, bump: fn() -> int }
        enum Slot { Empty, Full(fn() -> int) }
        fn main() {
            let mut n = 0;
            let c = Counter { name: "c", bump: || { n += 1; n } };
            let ch = make[chan Counter](0);
            let done = make[chan int](0);
            spawn { let got = <-ch; let f = got.bump; for i in 0..100 { f(); } done <- f(); };
            ch <- c;
            let f = c.bump;
            f(); f();
            println(<-done, " ", n);
            let mut m = HashMap[string, Slot]::new();
            m.insert("full", Slot::Full(|| { n += 100; n }));
            m.insert("empty", Slot::Empty);
            let mch = make[chan HashMap[string, Slot]](1);
            mch <- m;
            spawn {
                let got = <-mch;
                match got["full"] { Slot::Full(g) => { g(); done <- g(); }, Slot::Empty => { done <- -1; } }
            };
            println(<-done, " ", n);
        }
        """, "101 2\n202 2\n")
    }

    func testARecursiveClosureThatCapturesItselfIsCopiedWithoutHanging() {
        expectOutput("""
        fn main() {
            let mut fact: fn(int) -> int = |n: int| 0;
            fact = |n: int| if n <= 1 { 1 } else { n * fact(n - 1) };
            let ch = make[chan fn(int) -> int](1);
            ch <- fact;
            let done = make[chan int](0);
            spawn |f: fn(int) -> int| { done <- f(10); }(<-ch);
            println(<-done, " ", fact(5));
        }
        """, "3628800 120\n")
    }

    func testTwoClosuresSharingAVariableStillShareItWithEachOther() {
        // Sent together in a tuple, and as the spawned block's capture plus an argument.
        expectOutput("""
        fn main() {
            let mut n = 0;
            let inc = || { n += 1; };
            let get = || n;
            let ch = make[chan (fn(), fn() -> int)](1);
            ch <- (inc, get);
            let done = make[chan int](0);
            spawn {
                let (i, g) = <-ch;
                for k in 0..5 { i(); }
                done <- g();
            };
            inc();
            println(<-done, " ", n);
            spawn |g: fn() -> int| { inc(); inc(); done <- g(); }(get);
            println(<-done, " ", n);
        }
        """, "5 1\n3 1\n")
    }

    func testACapturedListPushedFromTwoLegionsAtOnceHasOnlyEachOnesPushes() {
        expectOutput("""
        fn main() {
            let mut v = [0];
            let push = |x: int| { v.push(x); };
            let count = |x: int| v.filter(|y| y == x).len();
            let ch = make[chan (fn(int), fn(int) -> int)](1);
            ch <- (push, count);
            let done = make[chan string](0);
            spawn {
                let (p, c) = <-ch;
                for i in 0..20000 { p(1); }
                done <- format("{} {}", c(1), c(2));
            };
            for i in 0..20000 { push(2); }
            println(<-done);
            println(count(1), " ", count(2), " ", v.len());
        }
        """, "20000 0\n0 20000 20001\n")
    }

    func testAReferenceInsideAListSentIsAReferenceToACopy() {
        expectOutput("""
        fn main() {
            let mut n = 1;
            let r = &mut n;
            let v = [r];
            let ch = make[chan Vec[int]](1);
            let done = make[chan int](0);
            ch <- v;
            spawn { let got = <-ch; let q = got[0]; *q += 10; done <- *q; };
            println(<-done, " ", n);
        }
        """, "11 1\n")
    }

    func testDeepAndSharedStructuresAreCopiedWithoutOverflowOrBlowUp() {
        // A closure under 100,000 levels of lists (the copy is a loop, not recursion),
        // and under 64 levels of a list holding its inner list twice (2^64 paths: boxes
        // are memoized, and both paths reach the same copy of the closure).
        // Lists nested in themselves have no static type: the variables that hold them
        // start as nil, which the checker leaves unknown.
        expectOutput("""
        fn main() {
            let mut n = 0;
            let bump = || { n += 1; n };
            let mut v = nil;
            v = [bump];
            for i in 0..100000 { v = [v]; }
            let ch = make[chan Vec[int]](1);
            let done = make[chan int](0);
            ch <- v;
            spawn {
                let mut got = nil;
                got = <-ch;
                for i in 0..100000 { got = got[0]; }
                let f = got[0];
                f(); f();
                done <- f();
            };
            println(<-done, " ", bump(), " ", n);
            let mut d = nil;
            d = [bump];
            for i in 0..64 { d = [d, d]; }
            ch <- d;
            spawn {
                let got = <-ch;
                let mut l = nil;
                l = got;
                let mut r = nil;
                r = got;
                for i in 0..64 { l = l[0]; r = r[1]; }
                let fl = l[0];
                let fr = r[0];
                fl();
                done <- fr();
            };
            println(<-done, " ", n);
        }
        """, "3 1 1\n3 1\n")
    }

    // MARK: the copy function itself

    private func closure(capturing cells: [ReferenceBox]) -> ClosureBox {
        let proto = FunctionProto(name: "f", file: SourceFileID(raw: -1), arity: 0, hasReceiver: false, line: 0)
        return ClosureBox(code: CodeObject(proto: proto), upvalues: cells)
    }

    func testValuesWithoutCellsAreHandedOverAsTheSameBox() {
        let ints = ListBox((0..<1_000_000).map { .int($0) })
        guard case .list(let copy) = Value.list(ints).copiedForLegion else { return XCTFail("not a list") }
        XCTAssertTrue(copy === ints)

        let plain = closure(capturing: [])
        let nested = ListBox([.tuple(TupleBox([.function(plain), .string(StringBox("s"))])), .int(1)])
        guard case .list(let nestedCopy) = Value.list(nested).copiedForLegion else { return XCTFail("not a list") }
        XCTAssertTrue(nestedCopy === nested)
    }

    func testCellsAreCopiedOnceAndKeepTheirSharing() {
        let cell = ReferenceBox(.int(7))
        let a = closure(capturing: [cell]), b = closure(capturing: [cell])
        let untouched = ListBox([.int(1)])
        let list = ListBox([.function(a), .function(b), .list(untouched)])
        guard case .list(let copy) = Value.list(list).copiedForLegion,
              case .function(let a2) = copy.items[0], case .function(let b2) = copy.items[1],
              case .list(let untouched2) = copy.items[2] else { return XCTFail("shape") }
        XCTAssertFalse(copy === list)
        XCTAssertFalse(a2 === a)
        XCTAssertFalse(a2.upvalues[0] === cell)
        XCTAssertTrue(a2.upvalues[0] === b2.upvalues[0])
        XCTAssertTrue(untouched2 === untouched)
        guard case .int(7) = a2.upvalues[0].value else { return XCTFail("cell value") }
    }
}
