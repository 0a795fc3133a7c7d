// The type checker as a user of the command line meets it: an ill-typed program is
// reported on stderr with exit status 2 by `check` and by `run`, and nothing runs.
import Foundation
import MalphasProcessTesting
import Testing

@Suite("Type errors on the command line")
struct TypeCheckCommandTests {
    static let illTyped = """
    fn area(w: int, h: int) -> int { w * h }
    fn main() {
        println("started");
        if false {
            println(area(3, "four"));
        }
    }
    """

    static let diagnostic = """
    error: mismatched types
     --> PATH:5:25
      |
    5 |         println(area(3, "four"));
      |                         ^^^^^^ expected int, found string
    note: parameter declared here
     --> PATH:1:17
      |
    1 | fn area(w: int, h: int) -> int { w * h }
      |                 ^^^^^^

    """

    @Test("`malphas check` reports a type error with status 2 and nothing on stdout", arguments: ["check", "run"])
    func typeErrorStopsTheCommand(command: String) throws {
        let path = try programFile(Self.illTyped)
        let run = try malphas([command, path])
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr == Self.diagnostic.replacingOccurrences(of: "PATH", with: path))
    }

    @Test("a match on ints without a catch-all warns on stderr and still runs")
    func warningDoesNotStopTheProgram() throws {
        let path = try programFile("fn main() { let n = 2; match n { 2 => println(\"two\"), 3 => println(\"three\") } }")
        let run = try malphas(["run", path])
        #expect(run.status == 0)
        #expect(run.stdout == "two\n")
        #expect(run.stderr.hasPrefix("warning: match on an int without a catch-all arm\n"))
    }
}
