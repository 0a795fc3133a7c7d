// The REPL without a terminal: the built `malphas` binary with inputs piped to its
// standard input, checked by its output and exit status.
import Foundation
import MalphasProcessTesting
import Testing

typealias PipedRun = MalphasRun

/// Runs the `malphas` built beside this test bundle with `stdin` piped in.
func pipedMalphas(_ arguments: [String] = [], stdin: String) throws -> PipedRun {
    try runMalphas(arguments, stdin: stdin)
}

@Suite("The REPL with piped input")
struct PipedModeTests {
    @Test("inputs are evaluated without prompts; values print; exit status 0")
    func values() throws {
        let run = try pipedMalphas(stdin: """
        let x = 20;
        fn add(a: int, b: int) -> int {
            a + b
        }
        add(x, 22)
        "text"
        println("printed");
        """)
        #expect(run.stdout == "42\n\"text\"\nprinted\n")
        #expect(run.stderr == "")
        #expect(run.status == 0)
    }

    @Test("`malphas repl` is the same as `malphas` with no arguments")
    func subcommand() throws {
        let run = try pipedMalphas(["repl"], stdin: "1 + 1\n")
        #expect(run.stdout == "2\n")
        #expect(run.status == 0)
    }

    @Test("a runtime error is reported, later inputs still run, and the status is 1")
    func runtimeError() throws {
        let run = try pipedMalphas(stdin: "1 / 0\n2\n")
        #expect(run.stdout == "2\n")
        #expect(run.stderr.hasPrefix("error: division by zero\n"))
        #expect(run.status == 1)
    }

    @Test("a compile error is reported, later inputs still run, and the status is 2")
    func compileError() throws {
        let run = try pipedMalphas(stdin: "nope\n[1][9]\n3\n")
        #expect(run.stdout == "3\n")
        #expect(run.stderr.contains("cannot find value `nope`"))
        #expect(run.stderr.contains("index out of bounds") || run.stderr.contains("index 9"))
        #expect(run.status == 2)
    }

    @Test("exit(n) ends the session with status n")
    func exit() throws {
        let run = try pipedMalphas(stdin: "1\nexit(4)\n2\n")
        #expect(run.stdout == "1\n")
        #expect(run.status == 4)
    }

    @Test(":quit stops reading")
    func quit() throws {
        let run = try pipedMalphas(stdin: "1\n:quit\n2\n")
        #expect(run.stdout == "1\n")
        #expect(run.status == 0)
    }

    @Test("read_line() takes the next piped line")
    func readLine() throws {
        let run = try pipedMalphas(stdin: "let name = read_line();\nAda\nformat(\"hello {}\", name)\n")
        #expect(run.stdout == "\"hello Ada\"\n")
        #expect(run.status == 0)
    }

    @Test("at the end of input the session waits for legions that can still run")
    func waitsForLegions() throws {
        let run = try pipedMalphas(stdin: #"spawn { sleep(50); println("late"); };"# + "\n")
        #expect(run.stdout == "late\n")
        #expect(run.status == 0)
    }

    @Test("an unfinished last input is evaluated and reported")
    func unfinished() throws {
        let run = try pipedMalphas(stdin: "fn f() {\n")
        #expect(run.stderr.contains("error"))
        #expect(run.status == 2)
    }

    @Test("--help still shows the usage, and names the repl")
    func help() throws {
        let run = try pipedMalphas(["--help"], stdin: "")
        #expect(run.stdout.contains("USAGE"))
        #expect(run.stdout.contains("repl"))
        #expect(run.status == 0)
    }
}
