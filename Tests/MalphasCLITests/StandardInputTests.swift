// `read_line()` of standard input in `malphas run`: a legion waiting for a line of a
// pipe parks on the runtime's poller, so its worker runs other legions and no thread is
// added per waiting reader; files and /dev/null are read as before.
import Foundation
import MalphasProcessTesting
import Testing

/// A `malphas run` child whose standard input the test writes piece by piece.
private final class InteractiveRun {
    let process = Process()
    let input = Pipe(), output = Pipe(), errors = Pipe()
    private var seen = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("malphas")
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    /// Reads standard error (written at once, unlike standard output to a pipe) until it
    /// holds `count` occurrences of `text` (or ends).
    func waitFor(_ text: String, count: Int = 1) -> String {
        while String(decoding: seen, as: UTF8.self).components(separatedBy: text).count - 1 < count {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        return String(decoding: seen, as: UTF8.self)
    }

    func write(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

    /// The child's threads now.
    var threads: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/task").count) ?? -1
    }

    /// Closes standard input, waits for the end; standard output, standard error after
    /// what was seen, the status.
    func finish() throws -> (String, String, Int32) {
        try input.fileHandleForWriting.close()
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: rest, as: UTF8.self), String(decoding: err, as: UTF8.self), process.terminationStatus)
    }
}

/// A program whose main legion waits on `wait` while another legion prints ticks.
private func tickingProgram(waitingWith wait: String) -> String {
    """
    use std::io;
    fn main() {
        let stop = make[chan int](0);
        spawn {
            let mut n = 0;
            loop {
                n += 1;
                io::eprintln("tick");
                sleep(5);
            }
        };
        \(wait)
        println("got {}", line);
        exit(0);
    }
    """
}

@Suite("read_line of standard input in malphas run")
struct StandardInputTests {
    @Test("a legion waiting for a line of a pipe leaves its worker to the others, without a thread of its own")
    func waitingReaderParks() throws {
        let reading = try InteractiveRun(["run", "--workers", "1", try programFile(tickingProgram(waitingWith: "let line = read_line();"))])
        // The ticks run on the one worker while main waits for a line that is not written yet.
        _ = reading.waitFor("tick", count: 5)
        let readingThreads = reading.threads
        reading.write("hello\n")
        let (readOut, readErr, readStatus) = try reading.finish()
        #expect(readOut == "got hello\n")
        #expect(!readErr.contains("error"))
        #expect(readStatus == 0)

        // The same program waiting on a channel instead: as many threads.
        let receiving = try InteractiveRun(["run", "--workers", "1", try programFile(tickingProgram(waitingWith: "let line = <-stop;"))])
        _ = receiving.waitFor("tick", count: 5)
        let receivingThreads = receiving.threads
        receiving.process.terminate()
        _ = try receiving.finish()
        #expect(readingThreads > 0)
        #expect(readingThreads == receivingThreads)
    }

    @Test("a line written in pieces is read whole; several legions share the lines; a last line without a newline, then nil")
    func linesSplitAcrossWrites() throws {
        let run = try InteractiveRun(["run", "--workers", "2", try programFile("""
        use std::io;
        fn main() {
            let lines = make[chan string](0);
            for _ in 0..3 {
                spawn {
                    let line = read_line();
                    lines <- if line == nil { "nil" } else { line };
                };
            }
            io::eprintln("ready");
            let mut got = [];
            for _ in 0..3 { got.push(<-lines); }
            got.sort();
            println("{}", got);
            println("{}", read_line());
        }
        """)])
        _ = run.waitFor("ready")
        run.write("fir")
        usleep(20_000)
        run.write("st\nsec")
        usleep(20_000)
        run.write("ond\nthird")
        let (out, err, status) = try run.finish()
        #expect(out == "[\"first\", \"second\", \"third\"]\nnil\n")
        #expect(err == "")
        #expect(status == 0)
    }

    @Test("input larger than one read arrives whole")
    func largeInput() throws {
        let lines = (1...20_000).map { "line \($0) " + String(repeating: "x", count: 20) }
        let run = try runMalphas(["run", "--workers", "1", try programFile("""
        fn main() {
            let mut count = 0;
            let mut last = "";
            loop {
                let line = read_line();
                if line == nil { break; }
                count += 1;
                last = line;
            }
            println("{} {}", count, last);
        }
        """)], stdin: lines.joined(separator: "\n") + "\n", deadline: 60)
        #expect(run.stdout == "20000 \(lines.last!)\n")
        #expect(run.status == 0)
    }

    @Test("a seeded schedule reads its line while another legion keeps running")
    func seededSchedule() throws {
        let run = try runMalphas(["run", "--seed", "7", try programFile(tickingProgram(waitingWith: "let line = read_line();"))],
                                 stdin: "seeded\n", deadline: 60)
        #expect(!run.timedOut)
        #expect(run.stdout == "got seeded\n")
        #expect(run.status == 0)
    }

    @Test("standard input from a regular file or /dev/null is read as before")
    func fileAndDevNull() throws {
        let program = try programFile("""
        fn main() {
            println("{} {} {}", read_line(), read_line(), read_line());
        }
        """)
        let data = try programFile("one\ntwo", name: "input.txt")
        for (path, expected) in [(data, "one two nil\n"), ("/dev/null", "nil nil nil\n")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
                .deletingLastPathComponent().appendingPathComponent("malphas")
            process.arguments = ["run", program]
            process.standardInput = FileHandle(forReadingAtPath: path)
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(out == expected)
            #expect(process.terminationStatus == 0)
        }
    }
}
