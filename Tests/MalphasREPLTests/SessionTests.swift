// The REPL's evaluation core, driven line by line as a person types: what persists from
// one input to the next, how inputs continue over lines, and how a failed input leaves
// the session as it was.
import Foundation
import MalphasREPL
import MalphasVM
import Testing

/// A session whose output and error output are captured; `typed` feeds it lines.
final class Repl {
    let output = Output.capture()
    let errors = Output.capture()
    let session: ReplSession
    private var outputSeen = 0
    private var errorsSeen = 0

    /// `input`: what `read_line` reads; `workers`: the legion runtime's worker threads
    /// (nil: one per CPU).
    init(input: Input = Input(text: ""), workers: Int? = nil) {
        var legions = LegionSettings()
        if let workers { try! legions.set("workers", String(workers)) }
        session = ReplSession(options: RunOptions(output: output, errorOutput: errors, input: input,
                                                  legions: legions))
    }

    /// Types each line of `text`; returns what the last line did.
    @discardableResult
    func typed(_ text: String) -> LineResult {
        var last = LineResult.evaluated(.done)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            last = session.submit(line: String(line))
        }
        return last
    }

    /// The result of an input that must be complete.
    func result(_ text: String) -> InputResult {
        guard case .evaluated(let r) = typed(text) else { return .commandError }
        return r
    }

    /// Output printed since the last call.
    func newOutput() -> String {
        let all = output.capturedText
        defer { outputSeen = all.utf8.count }
        return String(decoding: Array(all.utf8).dropFirst(outputSeen), as: UTF8.self)
    }

    /// Error output printed since the last call.
    func newErrors() -> String {
        let all = errors.capturedText
        defer { errorsSeen = all.utf8.count }
        return String(decoding: Array(all.utf8).dropFirst(errorsSeen), as: UTF8.self)
    }
}

/// Every in-process session runs on the legion runtime, which is one per process: the
/// suites that hold sessions run one test at a time.
@Suite(.serialized)
struct ReplInProcess {}

extension ReplInProcess {
    @Suite("REPL sessions: what persists")
    struct PersistenceTests {
        @Test("an expression's value is printed in debug form; strings are quoted; () prints nothing")
        func values() {
            let r = Repl()
            #expect(r.result("1 + 2") == .value("3"))
            #expect(r.result(#""hi""#) == .value(#""hi""#))
            #expect(r.result(#"["a", "b"]"#) == .value(#"["a", "b"]"#))
            #expect(r.result("[1, 2].pop()") == .value("2"))
            #expect(r.result("[1].get(5)") == .value("nil"))
            #expect(r.result(#"println("out")"#) == .done)
            #expect(r.newOutput() == "3\n\"hi\"\n[\"a\", \"b\"]\n2\nnil\nout\n")
        }

        @Test("let bindings persist, may be shadowed, and mut ones may be assigned")
        func lets() {
            let r = Repl()
            #expect(r.result("let x = 5;") == .done)
            #expect(r.result("x * 2") == .value("10"))
            #expect(r.result(#"let x = "now a string";"#) == .done)
            #expect(r.result("x") == .value(#""now a string""#))
            #expect(r.result("let mut n = 1;") == .done)
            #expect(r.result("n += 41;") == .done)
            #expect(r.result("n") == .value("42"))
            #expect(r.result("let mut v = [1];") == .done)
            #expect(r.result("v.push(2);") == .done)
            #expect(r.result("v") == .value("[1, 2]"))
        }

        @Test("a let typed without its semicolon is accepted")
        func letWithoutSemicolon() {
            let r = Repl()
            #expect(r.result("let y = 7") == .done)
            #expect(r.result("y") == .value("7"))
        }

        @Test("a destructuring let binds every name")
        func destructuring() {
            let r = Repl()
            #expect(r.result(#"let (a, b) = (1, "two");"#) == .done)
            #expect(r.result("a") == .value("1"))
            #expect(r.result("b") == .value(#""two""#))
        }

        @Test("items persist: fn, struct, impl, enum, trait, const, type")
        func items() {
            let r = Repl()
            #expect(r.result("fn square(n: int) -> int { n * n }") == .done)
            #expect(r.result("struct Point { x: int, y: int }") == .done)
            #expect(r.result("impl Point { fn sum(&self) -> int { self.x + self.y } }") == .done)
            #expect(r.result("enum Shape { Circle(int), Empty }") == .done)
            #expect(r.result("trait Area { fn area(&self) -> int; fn twice(&self) -> int { self.area() * 2 } }") == .done)
            #expect(r.result("impl Area for Shape { fn area(&self) -> int { match self { Circle(r) => r * r, Empty => 0 } } }") == .done)
            #expect(r.result("const LIMIT: int = 10;") == .done)
            #expect(r.result("type Pair = (int, int);") == .done)
            #expect(r.result("square(LIMIT)") == .value("100"))
            #expect(r.result("Point { x: 1, y: 2 }.sum()") == .value("3"))
            #expect(r.result("Circle(3).twice()") == .value("18"))
            #expect(r.result("Empty") == .value("Empty"))
            #expect(r.result("let p: Pair = (1, 2);") == .done)
            #expect(r.newErrors() == "")
        }

        @Test("functions may use session variables")
        func functionsSeeVariables() {
            let r = Repl()
            r.typed("let base = 100;")
            r.typed("fn offset(n: int) -> int { base + n }")
            #expect(r.result("offset(1)") == .value("101"))
        }

        @Test("redefining a function replaces it, for callers compiled earlier too")
        func redefinition() {
            let r = Repl()
            r.typed("fn f() -> int { 1 }")
            r.typed("fn g() -> int { f() * 10 }")
            #expect(r.result("g()") == .value("10"))
            #expect(r.result("fn f() -> int { 2 }") == .done)
            #expect(r.result("g()") == .value("20"))
            #expect(r.newErrors() == "")
        }

        @Test("redefining a method replaces it")
        func methodRedefinition() {
            let r = Repl()
            r.typed("struct P { x: int }")
            r.typed("impl P { fn get(&self) -> int { self.x } }")
            #expect(r.result("P { x: 3 }.get()") == .value("3"))
            #expect(r.result("impl P { fn get(&self) -> int { self.x * 100 } }") == .done)
            #expect(r.result("P { x: 3 }.get()") == .value("300"))
        }

        @Test("a redefined enum's variants are not ambiguous with the old ones")
        func enumRedefinition() {
            let r = Repl()
            r.typed("enum E { A, B }")
            r.typed("enum E { A, B, C }")
            #expect(r.result("C") == .value("C"))
            #expect(r.result("A") == .value("A"))
        }

        @Test("a legion spawned by one input keeps running in later ones")
        func legionsPersist() {
            let r = Repl()
            r.typed("let ch = Channel[int]::new(1);")
            #expect(r.result("spawn { ch <- 42; };") == .done)
            #expect(r.result("<-ch") == .value("42"))
        }

        @Test("a runtime error in a background legion is reported and the session goes on")
        func backgroundFailure() {
            let r = Repl()
            r.typed(#"spawn { panic("boom"); };"#)
            #expect(r.result("yield_now(); 5") == .value("5"))
            #expect(r.newErrors().contains("panicked: boom"))
            #expect(r.result("6") == .value("6"))
        }
    }

    @Suite("REPL sessions: inputs over several lines")
    struct MultiLineTests {
        @Test("an open brace asks for more lines")
        func openBrace() {
            let r = Repl()
            #expect(r.typed("fn add(a: int, b: int) -> int {") == .needsMore)
            #expect(r.session.isContinuing)
            #expect(r.typed("    a + b") == .needsMore)
            #expect(r.typed("}") == .evaluated(.done))
            #expect(!r.session.isContinuing)
            #expect(r.result("add(2, 3)") == .value("5"))
        }

        @Test("open parentheses and brackets ask for more lines")
        func openParenAndBracket() {
            let r = Repl()
            #expect(r.typed("max(1,") == .needsMore)
            #expect(r.typed("  2)") == .evaluated(.value("2")))
            #expect(r.typed("[1,") == .needsMore)
            #expect(r.typed("2]") == .evaluated(.value("[1, 2]")))
        }

        @Test("an open string asks for more lines and keeps the newline")
        func openString() {
            let r = Repl()
            #expect(r.typed(#"let s = "abc"#) == .needsMore)
            #expect(r.typed(#"def";"#) == .evaluated(.done))
            #expect(r.result("s") == .value(#""abc\ndef""#))
        }

        @Test("an extra closing brace is an error at once, not a wait")
        func extraClose() {
            let r = Repl()
            #expect(r.typed("1 }") == .evaluated(.compileError))
        }

        @Test("Ctrl-C at the prompt drops an unfinished input")
        func cancel() {
            let r = Repl()
            #expect(r.typed("fn broken() {") == .needsMore)
            r.session.cancelPending()
            #expect(!r.session.isContinuing)
            #expect(r.result("1") == .value("1"))
        }
    }

    @Suite("REPL sessions: a failed input changes nothing")
    struct RecoveryTests {
        @Test("after a compile error the session's state is intact")
        func afterCompileError() {
            let r = Repl()
            r.typed("let x = 1;")
            r.typed("fn f() -> int { 1 }")
            #expect(r.result("fn f() -> int { 2 } fn g() -> int { 3 } let x = 99; nope") == .compileError)
            #expect(r.newErrors().contains("cannot find value `nope` in this scope"))
            #expect(r.result("x") == .value("1"))
            #expect(r.result("f()") == .value("1"))
            #expect(r.result("g()") == .compileError)
            #expect(r.result("let z = x + 1;") == .done)
            #expect(r.result("z") == .value("2"))
        }

        @Test("a compile error prints the diagnostic as rustc does")
        func diagnostic() {
            let r = Repl()
            #expect(r.result("let q = 1; q = 2;") == .compileError)
            let text = r.newErrors()
            #expect(text.contains("error: cannot assign twice to immutable variable `q`"))
            #expect(text.contains("--> <repl>:1:"))
            #expect(text.contains("help: consider making this binding mutable: `let mut q`"))
        }

        @Test("after a runtime error the session's state is intact")
        func afterRuntimeError() {
            let r = Repl()
            r.typed("let mut v = [1];")
            r.typed("fn f() -> int { 1 }")
            #expect(r.result("fn f() -> int { 2 } v.push(2); let w = 5; 1 / 0") == .runtimeError)
            #expect(r.newErrors().contains("error: division by zero"))
            #expect(r.result("v") == .value("[1]"))
            #expect(r.result("f()") == .value("1"))
            #expect(r.result("w") == .compileError)
            #expect(r.result("v.push(3); v") == .value("[1, 3]"))
        }

        @Test("a spawned block may not assign to a session variable: legions share nothing")
        func spawnAssignment() {
            let r = Repl()
            r.typed("let mut total = 0;")
            #expect(r.result("spawn { total += 1; };") == .compileError)
            #expect(r.newErrors().contains("legions share nothing: cannot assign to `total`, a session variable"))
            r.typed("let mut v = [1];")
            #expect(r.result("spawn { v.push(2); };") == .compileError)
        }

        @Test("a spawned block copies the session variables it reads when it is spawned")
        func spawnCopies() {
            let r = Repl()
            r.typed("let x = 1;")
            r.typed("let ch = Channel[int]::new(1);")
            #expect(r.result("spawn { sleep(30); ch <- x; };") == .done)
            #expect(r.result("let x = 2;") == .done)
            #expect(r.result("<-ch") == .value("1"))
            #expect(r.result("x") == .value("2"))
        }

        @Test("a runtime error inside a function prints a trace through it")
        func trace() {
            let r = Repl()
            r.typed("fn inner() -> int { [1][5] }")
            r.typed("fn outer() -> int { inner() }")
            #expect(r.result("outer()") == .runtimeError)
            let text = r.newErrors()
            #expect(text.contains("at inner (<repl>:1)"))
            #expect(text.contains("at outer (<repl>:1)"))
        }

        @Test("an input blocked forever is reported as a deadlock and the session goes on")
        func deadlock() {
            let r = Repl()
            r.typed("let ch = Channel[int]::new(0);")
            #expect(r.result("<-ch") == .runtimeError)
            #expect(r.newErrors().contains("deadlock: this input is blocked receiving from a channel"))
            #expect(r.result("1") == .value("1"))
        }

        @Test("exit(n) ends the session with n")
        func exit() {
            let r = Repl()
            #expect(r.result("exit(3)") == .exit(3))
        }

        @Test("exit(n) in a background legion ends the session too")
        func exitInLegion() {
            let r = Repl()
            // The legion may run on another worker before the input that spawned it ends.
            if r.result("spawn { exit(5); };") != .exit(5) {
                #expect(r.result("sleep(100); 1") == .exit(5))
            }
        }
    }

    @Suite("REPL sessions: interrupting running code")
    struct InterruptTests {
        @Test("an endless loop is interrupted from another thread and the session continues")
        func endlessLoop() {
            let r = Repl()
            r.typed("let kept = 7;")
            let session = r.session
            let interrupter = Thread {
                usleep(100_000)
                session.interrupt()
            }
            interrupter.start()
            let start = Date()
            #expect(r.result("let kept = 8; loop {}") == .interrupted)
            #expect(Date().timeIntervalSince(start) < 5)
            #expect(r.newErrors() == "interrupted\n")
            #expect(r.result("kept") == .value("7"))
            #expect(r.result("kept + 1") == .value("8"))
        }

        @Test("a loop calling a function is interrupted too (safe points at calls)")
        func busyCalls() {
            let r = Repl()
            r.typed("fn spin(n: int) -> int { n + 1 }")
            let session = r.session
            Thread { usleep(100_000); session.interrupt() }.start()
            #expect(r.result("let mut i = 0; while true { i = spin(i); }") == .interrupted)
            #expect(r.result("spin(1)") == .value("2"))
        }

        @Test("an input waiting in read_line is interrupted; the next line goes to the next input")
        func waitingForInput() {
            var ends: [Int32] = [-1, -1]
            #expect(pipe(&ends) == 0)
            defer { close(ends[0]); close(ends[1]) }
            let r = Repl(input: Input(fileDescriptor: ends[0]))
            let session = r.session
            Thread { usleep(100_000); session.interrupt() }.start()
            #expect(r.result("let name = read_line();") == .interrupted)
            #expect(r.newErrors() == "interrupted\n")
            // The interrupted legion has stopped reading: this line is the next input's.
            _ = "Ada\n".withCString { write(ends[1], $0, 4) }
            #expect(r.result("read_line()") == .value("\"Ada\""))
            #expect(r.newErrors() == "")
        }

        @Test("a legion of an earlier input waiting in read_line holds up neither the next inputs nor the end")
        func backgroundReader() {
            var pipeEnds: [Int32] = [-1, -1]
            #expect(pipe(&pipeEnds) == 0)
            let ends = pipeEnds
            defer { close(ends[0]); close(ends[1]) }
            let finished = DispatchSemaphore(value: 0)
            // On its own thread, so that a session stuck behind the reader fails the test
            // instead of hanging it.
            let worker = Thread {
                let r = Repl(input: Input(fileDescriptor: ends[0]))
                #expect(r.result("spawn { let line = read_line(); println(\"got {}\", line); };") == .done)
                // Loading new code pauses every legion; the reader is waiting, not running.
                #expect(r.result("fn five() -> int { 5 }") == .done)
                #expect(r.result("five()") == .value("5"))
                _ = "later\n".withCString { write(ends[1], $0, 6) }
                for _ in 0..<100 where !r.output.capturedText.contains("got later") { _ = r.result("sleep(20);") }
                #expect(r.output.capturedText.contains("got later\n"))
                #expect(r.result("spawn { let never = read_line(); };") == .done)
                r.session.reset()
                #expect(r.newErrors() == "")
                finished.signal()
            }
            worker.start()
            #expect(finished.wait(timeout: .now() + 30) == .success)
        }

        @Test("a busy legion does not starve the input: time slices")
        func timeSlices() {
            let r = Repl()
            #expect(r.result("spawn { loop {} };") == .done)
            #expect(r.result("sleep(20); 1 + 1") == .value("2"))
        }
    }

    @Suite("REPL completion")
    struct CompletionTests {
        @Test("keywords, builtins and session names complete")
        func words() {
            let r = Repl()
            r.typed("fn my_function() {}")
            r.typed("let my_value = 1;")
            #expect(r.session.completions(of: "wh") == ["where", "while"])
            #expect(r.session.completions(of: "printl") == ["println"])
            #expect(r.session.completions(of: "my_") == ["my_function", "my_value"])
            #expect(r.session.completions(of: "Chan").contains("Channel"))
        }

        @Test("after a dot, methods complete; after a colon, commands")
        func contexts() {
            let r = Repl()
            r.typed("struct S {} impl S { fn shout(&self) {} }")
            #expect(r.session.completions(of: "pu", context: .member) == ["push", "put"])
            #expect(r.session.completions(of: "sh", context: .member) == ["shout"])
            #expect(r.session.completions(of: "le", context: .command) == ["legions"])
        }
    }
}
