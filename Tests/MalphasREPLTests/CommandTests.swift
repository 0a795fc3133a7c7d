// The REPL's `:` commands, one test each.
import Foundation
import MalphasREPL
import Testing

extension ReplInProcess {
    @Suite("REPL commands")
    struct CommandTests {
        @Test(":help lists every command and the keys")
        func help() {
            let r = Repl()
            #expect(r.result(":help") == .done)
            let text = r.newOutput()
            for name in ["help", "quit", "load", "disasm", "type", "time", "stats", "legions", "reset"] {
                #expect(text.contains(":" + name), "missing :\(name)")
            }
            #expect(text.contains("Ctrl-C"))
        }

        @Test(":quit and its prefix :q end the session")
        func quit() {
            #expect(Repl().result(":quit") == .quit)
            #expect(Repl().result(":q") == .quit)
        }

        @Test("an unknown command is an error that names it")
        func unknown() {
            let r = Repl()
            #expect(r.result(":frobnicate") == .commandError)
            #expect(r.newErrors() == "error: unknown command `:frobnicate`; `:help` lists the commands\n")
        }

        @Test(":load FILE evaluates the file's items into the session, without running main")
        func load() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("repl-load-\(UUID().uuidString).mal").path
            try """
            struct Counter { n: int }
            impl Counter { fn next(&mut self) -> int { self.n += 1; self.n } }
            fn triple(x: int) -> int { x * 3 }
            fn main() { println("main ran"); }
            """.write(toFile: path, atomically: true, encoding: .utf8)
            let r = Repl()
            #expect(r.result(":load \(path)") == .done)
            #expect(r.newOutput() == "loaded \(path): 3 items (Counter, triple, main); call `main()` to run it\n")
            #expect(r.result("triple(4)") == .value("12"))
            #expect(r.result("let mut c = Counter { n: 0 }; c.next(); c.next()") == .value("2"))
            #expect(r.result("main()") == .done)
            #expect(r.newOutput().hasSuffix("main ran\n"))
        }

        @Test(":load of a missing file or a file with errors changes nothing")
        func loadFailures() throws {
            let r = Repl()
            #expect(r.result(":load /nonexistent/x.mal") == .commandError)
            #expect(r.newErrors().contains("cannot read `/nonexistent/x.mal`"))
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("repl-bad-\(UUID().uuidString).mal").path
            try "fn good() -> int { 1 }\nfn bad() -> int { missing }\n".write(toFile: path, atomically: true, encoding: .utf8)
            #expect(r.result(":load \(path)") == .compileError)
            #expect(r.newErrors().contains("cannot find value `missing`"))
            #expect(r.result("good()") == .compileError)
        }

        @Test(":disasm NAME prints a session function's bytecode")
        func disasm() {
            let r = Repl()
            r.typed("fn twice(n: int) -> int { n * 2 }")
            #expect(r.result(":disasm twice") == .done)
            let text = r.newOutput()
            #expect(text.contains("`twice` (<repl>:1): 1 parameter"))
            #expect(text.contains("returnValue"))
            #expect(r.result(":disasm nothing") == .commandError)
            #expect(r.newErrors().contains("no function named `nothing` in this session; defined: twice"))
        }

        @Test(":disasm Type::method works for methods")
        func disasmMethod() {
            let r = Repl()
            r.typed("struct P { x: int } impl P { fn get(&self) -> int { self.x } }")
            #expect(r.result(":disasm P::get") == .done)
            #expect(r.newOutput().contains("`P::get`"))
        }

        @Test(":time EXPR prints the value and the elapsed time")
        func time() {
            let r = Repl()
            #expect(r.result(":time 6 * 7") == .value("42"))
            let text = r.newOutput()
            #expect(text.hasPrefix("42\ntime: "))
            #expect(text.hasSuffix(" ms\n"))
        }

        @Test(":stats prints the runtime counters")
        func stats() {
            let r = Repl()
            r.typed("1")
            #expect(r.result(":stats") == .done)
            let text = r.newOutput()
            #expect(text.contains("evaluations"))
            #expect(text.contains("legions live"))
            #expect(text.contains("workers"))
        }

        @Test(":legions lists live legions and what they wait for")
        func legions() {
            let r = Repl()
            #expect(r.result(":legions") == .done)
            #expect(r.newOutput() == "no live legions\n")
            r.typed("let ch = Channel[int]::new(0);")
            r.typed("spawn { ch <- 1; };")
            // The legion runs on a worker of its own: give it time to reach the send.
            var text = ""
            for _ in 0..<200 {
                #expect(r.result(":legions") == .done)
                text = r.newOutput()
                if text.contains("blocked") { break }
                r.typed("sleep(10);")
            }
            #expect(text.contains("blocked sending on a channel at <repl>:1"), "\(text)")
            #expect(r.result("<-ch") == .value("1"))
        }

        @Test(":reset forgets everything")
        func reset() {
            let r = Repl()
            r.typed("let x = 1;")
            #expect(r.result(":reset") == .done)
            #expect(r.newOutput() == "session reset\n")
            #expect(r.result("x") == .compileError)
            #expect(r.result("let x = 2; x") == .value("2"))
        }
    }
}
