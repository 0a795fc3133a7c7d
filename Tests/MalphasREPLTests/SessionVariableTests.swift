// Session variables and legions: every legion has its own copy of the session variables,
// taken when it is spawned, and a function it runs reads and writes that copy. The
// session's are the input's: what an input that finishes leaves. So no legion, however
// it reaches a session variable, shares it with another.
import Foundation
import MalphasREPL
import MalphasVM
import Testing

extension ReplInProcess {
    @Suite("REPL sessions: legions and session variables")
    struct SessionVariableTests {
        @Test("a function run by a spawned legion reads and writes that legion's copy of a session variable")
        func functionInLegion() {
            let r = Repl(workers: 2)
            r.typed("let mut total = 0;")
            r.typed("fn add(n: int) -> int { total += n; total }")
            r.typed("let ch = Channel[int]::new(1);")
            #expect(r.result("spawn { ch <- add(5); }; <-ch") == .value("5"))
            #expect(r.result("total") == .value("0"))
            #expect(r.result("add(1)") == .value("1"))
            #expect(r.result("spawn { ch <- add(100); }; <-ch") == .value("101"))
            #expect(r.result("total") == .value("1"))
        }

        @Test("a block spawned inside a closure copies the session variables too")
        func spawnInClosure() {
            let r = Repl(workers: 2)
            r.typed("let mut total = 1;")
            r.typed("fn add(n: int) -> int { total += n; total }")
            r.typed("let ch = Channel[int]::new(1);")
            r.typed("let start = || { spawn { sleep(20); ch <- add(10); }; };")
            #expect(r.result("start(); total = 7; <-ch") == .value("11"))
            #expect(r.result("total") == .value("7"))
        }

        @Test("a reference held by a session variable refers to a copy in a spawned legion")
        func referenceCopied() {
            let r = Repl(workers: 2)
            r.typed("let mut x = 1;")
            r.typed("let p = &mut x;")
            r.typed("fn bump() -> int { *p += 10; *p }")
            r.typed("let ch = Channel[int]::new(1);")
            #expect(r.result("spawn { ch <- bump(); }; <-ch") == .value("11"))
            #expect(r.result("*p") == .value("1"))
        }

        @Test("a session variable defined after a legion was spawned is an error in that legion")
        func definedAfterSpawn() {
            let r = Repl(workers: 2)
            r.typed("let go = Channel[int]::new(0);")
            r.typed("fn show() -> int { 0 }")
            r.typed("spawn { <-go; println(show()); };")
            r.typed("let y = 42;")
            r.typed("fn show() -> int { y }")
            #expect(r.result("go <- 1; show()") == .value("42"))
            var errors = ""
            for _ in 0..<200 where !errors.contains("session variable") {
                usleep(10_000)
                errors += r.newErrors()
            }
            #expect(errors.contains("error in legion"))
            #expect(errors.contains("session variable `y` was defined after this legion was spawned"))
            #expect(r.result("y") == .value("42"))
        }

        /// Four legions call a function that mutates a session list, in loops, while the
        /// input mutates and prints it and later inputs rebind it; on two workers, again
        /// and again. Each legion sees only its own writes, the session only the inputs'.
        @Test("legions mutating session variables through functions while inputs change them never share them")
        func concurrentMutation() {
            let r = Repl(workers: 2)
            r.typed("let mut log = [0];")
            r.typed("""
                fn note(x: int) -> int {
                    log.push(x);
                    if log.len() > 16 { log = [x]; }
                    log.len()
                }
                """)
            r.typed("let done = Channel[int]::new(4);")
            // A legion reports how many entries of its copy some other legion wrote.
            r.typed("""
                fn worker(n: int) {
                    for i in 0..2000 { note(n); }
                    done <- log.filter(|v| v != n && v != 0).len();
                }
                """)
            for round in 0..<5 {
                #expect(r.result("let mut log = [0];") == .done)
                let input = """
                    for w in 1..=4 { spawn worker(w); }
                    for i in 0..2000 { note(9); if i % 500 == 0 { println("{}", log.len()); } }
                    log.filter(|v| v != 9 && v != 0).len()
                    """
                #expect(r.result(input) == .value("0"), "round \(round)")
                // Rebind it, with another type, while the legions may still run.
                #expect(r.result(#"let log = "rebound";"#) == .done)
                #expect(r.result("let mut foreign = 0; for i in 0..4 { foreign += <-done; } foreign") == .value("0"),
                        "round \(round)")
                #expect(r.result("log") == .value(#""rebound""#))
            }
            #expect(r.newErrors() == "")
            // The input's own writes only: `log` grows by one per note and is cut back to
            // one entry past 16, so it is 2, 6, 10, 14 long at the prints.
            let round = "2\n6\n10\n14\n0\n0\n\"rebound\"\n"
            #expect(r.newOutput() == String(repeating: round, count: 5))
        }
    }
}
