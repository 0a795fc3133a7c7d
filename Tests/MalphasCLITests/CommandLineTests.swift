// The `malphas` command line as a user meets it: the built binary run as a child process,
// checked by its standard output, standard error and exit status.
import Foundation
import MalphasProcessTesting
import Testing

/// Runs the `malphas` binary built beside this test bundle.
func malphas(_ arguments: [String], stdin: String? = nil) throws -> MalphasRun {
    try runMalphas(arguments, stdin: stdin)
}

/// Writes a program to a fresh temporary file and returns its path.
func programFile(_ source: String, name: String = "prog.mal") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try source.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite("The malphas command line")
struct CommandLineTests {
    @Test("`malphas run FILE` runs the program and exits 0")
    func runsAFile() throws {
        let path = try programFile(#"fn main() { println("hi from a file"); }"#)
        let run = try malphas(["run", path])
        #expect(run.stdout == "hi from a file\n")
        #expect(run.stderr == "")
        #expect(run.status == 0)
    }

    @Test("`malphas FILE` is shorthand for `malphas run FILE`")
    func fileShorthand() throws {
        let path = try programFile(#"fn main() { println(1 + 2); }"#)
        let run = try malphas([path])
        #expect(run.stdout == "3\n")
        #expect(run.status == 0)
    }

    @Test("`-` reads the program from standard input")
    func programFromStandardInput() throws {
        let run = try malphas(["run", "-"], stdin: #"fn main() { println("piped"); }"#)
        #expect(run.stdout == "piped\n")
        #expect(run.status == 0)
    }

    @Test("arguments after the file go to the program, flags included")
    func programArguments() throws {
        let path = try programFile(#"fn main() { println(args()); }"#)
        let run = try malphas(["run", path, "one", "--two", "-3"])
        #expect(run.stdout == "[\"\(path)\", \"one\", \"--two\", \"-3\"]\n")
    }

    @Test("a spawn that cannot map its native stack fails at the spawn with the reason and a hint")
    func nativeStackExhausted() throws {
        // Stacks of 64G (address space only) fill the 128 TiB of a 47-bit address space
        // after about two thousand legions, each parked holding its own with --stackless off.
        let path = try programFile("""
        fn main() {
            let ch = Channel[int]::new(0);
            for i in 0..100000 {
                spawn { ch <- i; };
            }
            println("unreachable");
        }
        """)
        let run = try malphas(["run", "--stackless", "off", "--stack-size", "64G", path])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("error: cannot spawn a legion: no native stack of 64G could be mapped for it"), "\(run.stderr)")
        #expect(run.stderr.contains("(rerun with --stackless on, or a smaller --stack-size)"), "\(run.stderr)")
        #expect(run.stderr.contains("at main (\(path):4)"), "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("abort"), "\(run.stderr)")
    }

    @Test("runaway spawning stops at the legion limit with an error at the spawn")
    func legionLimit() throws {
        let path = try programFile("""
        fn main() {
            let ch = Channel[int]::new(0);
            loop {
                spawn { ch <- 1; };
            }
        }
        """)
        let run = try malphas(["run", "--max-legions", "300", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: cannot spawn a legion: "))
        #expect(run.stderr.contains("legions are alive, the limit (raise it with --max-legions N or MALPHAS_MAX_LEGIONS=N)"))
        #expect(run.stderr.contains("at main (\(path):4)"), "\(run.stderr)")
        let underLimit = try programFile("""
        fn main() {
            let ch = Channel[int]::new(0);
            for i in 0..300 { spawn { ch <- 1; }; }
            let mut sum = 0;
            for i in 0..300 { sum += <-ch; }
            println(sum);
        }
        """)
        let fits = try runMalphas(["run", underLimit], environment: ["MALPHAS_MAX_LEGIONS": "301"])
        #expect(fits.stdout == "300\n", "\(fits.stderr)")
        let invalid = try runMalphas(["run", underLimit], environment: ["MALPHAS_MAX_LEGIONS": "none"])
        #expect(invalid.stderr.contains("MALPHAS_MAX_LEGIONS must be a number of at least 1, got `none`"))
        #expect(invalid.status != 0)
    }

    @Test("SIGINT (Ctrl-C) or SIGTERM ends a running program with its output flushed and status 128 + the signal")
    func interrupted() throws {
        let path = try programFile("""
        use std::io::eprintln;
        fn main() {
            println("printed before the interrupt");
            spawn { loop {} };
            let waiting = Channel[int]::new(0);
            spawn { <-waiting; };
            eprintln("running");
            loop {}
        }
        """)
        var signals = [(SIGTERM, Int32(143))]
        // A parent that ignores SIGINT passes that on, and malphas keeps it, as shells expect.
        var current = sigaction()
        sigaction(SIGINT, nil, &current)
        if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) != unsafeBitCast(SIG_IGN, to: Int.self) {
            signals.append((SIGINT, 130))
        }
        for (signal, status) in signals {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
                .deletingLastPathComponent().appendingPathComponent("malphas")
            process.arguments = ["run", path]
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            // Standard error is written at once: "running" means the handlers are in place.
            var seen = Data()
            while !String(decoding: seen, as: UTF8.self).contains("running") {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
            }
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            seen.append(errors.fileHandleForReading.readDataToEndOfFile())
            let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == status)
            #expect(printed == "printed before the interrupt\n")
            #expect(String(decoding: seen, as: UTF8.self) == "running\ninterrupted\n")
        }
    }

    @Test("main returning an int sets the exit status")
    func mainReturnsStatus() throws {
        let path = try programFile("fn main() -> int { 7 }")
        #expect(try malphas([path]).status == 7)
    }

    @Test("a compile error prints the diagnostic and exits 2 without running")
    func compileErrorExitsTwo() throws {
        let path = try programFile("""
        fn main() {
            println("never printed");
            let x = 1;
            x = 2;
        }
        """)
        let run = try malphas(["run", path])
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("error: cannot assign twice to immutable variable `x`"))
        #expect(run.stderr.contains("--> \(path):4:5"))
    }

    @Test("a runtime error prints the message and a trace and exits 1")
    func runtimeErrorExitsOne() throws {
        let path = try programFile("""
        fn divide(a: int, b: int) -> int { a / b }
        fn main() {
            println("before");
            println(divide(1, 0));
        }
        """)
        let run = try malphas([path])
        #expect(run.status == 1)
        #expect(run.stdout == "before\n")
        #expect(run.stderr.contains("division by zero"))
        #expect(run.stderr.contains("at divide (\(path):1)"))
        #expect(run.stderr.contains("at main (\(path):4)"))
    }

    @Test("`malphas check` reports errors without running, exit 0 when clean")
    func checkDoesNotRun() throws {
        let clean = try programFile(#"fn main() { println("ran"); }"#)
        let good = try malphas(["check", clean])
        #expect(good.status == 0)
        #expect(good.stdout == "")
        let broken = try programFile("fn main() { let y = undefined_name; }")
        let bad = try malphas(["check", broken])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("undefined_name"))
    }

    @Test("`malphas disasm` prints each function's bytecode")
    func disassembles() throws {
        let path = try programFile("fn main() { println(40 + 2); }")
        let run = try malphas(["disasm", path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("`main`"))
        #expect(run.stdout.contains("safePoint"))
    }

    @Test("a missing file is a clear error, exit 2")
    func missingFile() throws {
        let run = try malphas(["run", "/nonexistent/prog.mal"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("cannot read `/nonexistent/prog.mal`"))
    }

    @Test("`--version` names the interpreter")
    func version() throws {
        let run = try malphas(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("malphas "))
    }

    @Test("invalid UTF-8 in a program is a lexical error, not a crash")
    func invalidUTF8() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("bad.mal").path
        FileManager.default.createFile(atPath: path, contents: Data([0x66, 0x6e, 0x20, 0xff, 0xfe, 0x0a]))
        let run = try malphas([path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("UTF-8"))
    }
}
