// `malphas fmt` as a user meets it: standard input to standard output, files rewritten in
// place, `--check`, and files with syntax errors left alone.
import Foundation
import MalphasProcessTesting
import Testing

@Suite("malphas fmt")
struct FormatCommandTests {
    @Test("with no path, formats standard input to standard output")
    func formatsStandardInput() throws {
        let run = try malphas(["fmt"], stdin: "fn main(){println(1+2);}")
        #expect(run.stdout == "fn main() {\n    println(1 + 2);\n}\n")
        #expect(run.status == 0)
    }

    @Test("rewrites the files it is given in place, directories searched for *.mal")
    func rewritesFilesInPlace() throws {
        let path = try programFile("fn main(){println(1);}", name: "a.mal")
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        let nested = directory.appendingPathComponent("sub/b.mal")
        try FileManager.default.createDirectory(at: nested.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "fn  f(){}".write(to: nested, atomically: true, encoding: .utf8)
        try "not malphas {".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let run = try malphas(["fmt", directory.path])
        #expect(run.status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "fn main() {\n    println(1);\n}\n")
        #expect(try String(contentsOf: nested, encoding: .utf8) == "fn f() {}\n")
    }

    @Test("--check lists the unformatted files, changes nothing and exits 1")
    func checkListsUnformattedFiles() throws {
        let messy = try programFile("fn main(){}", name: "messy.mal")
        let tidy = try programFile("fn main() {}\n", name: "tidy.mal")
        let run = try malphas(["fmt", "--check", messy, tidy])
        #expect(run.stdout == messy + "\n")
        #expect(run.status == 1)
        #expect(try String(contentsOfFile: messy, encoding: .utf8) == "fn main(){}")
        #expect(try malphas(["fmt", "--check", tidy]).status == 0)
    }

    @Test("a file with syntax errors is left untouched, its errors printed, status 2")
    func syntaxErrorsLeaveTheFileAlone() throws {
        let source = "fn main() { let = 1; }"
        let path = try programFile(source)
        let run = try malphas(["fmt", path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("error: "))
        #expect(run.stderr.contains("prog.mal:1:"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == source)
    }

    @Test("a path that does not exist is an error naming it, status 2")
    func missingPath() throws {
        let run = try malphas(["fmt", "/nonexistent/prog.mal"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cannot read `/nonexistent/prog.mal`"))
    }
}
