import XCTest
import MalphasSyntax

/// LANGUAGE.md section 6: legions and channels.
final class ConcurrencyTests: XCTestCase {
    func testSpawnACall() {
        XCTAssertEqual(dumpStatements("spawn f(a, b);"), "(spawn (call f a b));")
        XCTAssertEqual(dumpStatements("spawn worker.run(1);"), "(spawn (method worker run 1));")
    }

    func testSpawnABlock() {
        XCTAssertEqual(dumpStatements("spawn { work(); };"), "(spawn (block (call work);));")
    }

    func testSpawnAClosureCalledInPlace() {
        XCTAssertEqual(dumpStatements("spawn |x: int| { ch <- x; }(42);"),
                       "(spawn (call (closure |x: int| (block (send ch x);)) 42));")
    }

    func testLegionIsSpawn() {
        XCTAssertEqual(dumpStatements("legion f(1); legion { g(); } legion |x| { }(2);"),
                       "(spawn (call f 1));\n(spawn (block (call g);))\n(spawn (call (closure |x| (block)) 2));")
    }

    func testSpawnNeedsACallOrABlock() {
        XCTAssertEqual(renderedDiagnostics("fn main() { spawn x + 1; }"), """
        error: `spawn` needs a function call or a block
         --> test.mal:1:19
          |
        1 | fn main() { spawn x + 1; }
          |                   ^
          = help: write `spawn f(args)`, `spawn { ... }` or `spawn |x| { ... }(arg)`

        """)
    }

    func testSendAndReceive() {
        XCTAssertEqual(dumpStatements("ch <- v; let x = <-ch; out <- <-inp;"),
                       "(send ch v);\n(let x = (<- ch));\n(send out (<- inp));")
    }

    func testSelectWithEveryKindOfCase() {
        let source = """
        select {
            case let v = <-a => { println(v) },
            case <-b => { },
            case c <- 1 => { }
            case default => { },
            default => done(),
        }
        """
        XCTAssertEqual(dumpStatements(source), """
        tail (select (case (recv v a) (block (tail (call println v)))) (case (recv b) (block)) \
        (case (send c 1) (block)) (case default (block)) (case default (call done)))
        """)
    }

    func testEmptySelect() {
        XCTAssertEqual(dumpExpr("select {}"), "(select)")
    }

    func testSelectCaseMustReceiveOrSend() {
        XCTAssertEqual(messages("fn main() { select { case x + 1 => {} } }"),
                       ["a select case must receive (`<-ch`) or send (`ch <- value`)"])
    }

    func testMakeChannel() {
        XCTAssertEqual(dumpExpr("make[chan int](n)"), "(make chan int n)")
        XCTAssertEqual(dumpExpr("make[chan (int, string)](0)"), "(make chan (int, string) 0)")
    }

    func testChannelConstructorIsAGenericPathCall() {
        XCTAssertEqual(dumpExpr("Channel[int]::new(4)"), "(call Channel[int]::new 4)")
    }

    func testForOverAChannel() {
        XCTAssertEqual(dumpExpr("for v in ch { total += v; }"), "(for v ch (block (+= total v);))")
    }
}
