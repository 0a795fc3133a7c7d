// The harness of the language tests: compile and run Malphas source in-process,
// capturing what it prints, what it reports and its exit status. Every program that
// runs is run twice: normally and in the suspend-every-safe-point mode, where the VM
// returns to the scheduler at every safe point and is resumed; both runs must agree.
// Programs run on the legion runtime with `workers` worker threads (2 unless a test says
// otherwise), so every test also runs its legions in parallel.

import XCTest
import MalphasCompiler
import MalphasSyntax
@testable import MalphasVM

struct RunResult: Equatable {
    var stdout: String
    var stderr: String
    var status: Int32
}

enum Harness {
    /// Compiles and runs `source`; compile errors come back rendered on stderr with status 2.
    static func run(_ source: String, name: String = "main.mal", suspendEverySafePoint: Bool = false,
                    maxDepth: Int = RunOptions.defaultMaxDepth, input: String = "", args: [String] = [],
                    safePoints: Bool = true, workers: Int = 2, legions: LegionSettings = LegionSettings()) -> RunResult {
        let (sources, compiled) = Interpreter.compile(source: source, name: name, safePoints: safePoints)
        switch compiled {
        case .failure(let failure):
            return RunResult(stdout: "", stderr: Interpreter.render(failure, sources: sources),
                             status: Interpreter.compileErrorStatus)
        case .success(let program):
            let out = Output.capture(), err = Output.capture()
            var settings = legions
            try! settings.set("workers", String(workers))
            let options = RunOptions(maxDepth: maxDepth, suspendEverySafePoint: suspendEverySafePoint,
                                     output: out, errorOutput: err, input: Input(text: input), args: args,
                                     legions: settings)
            let status = Interpreter.run(program, options: options)
            out.flush(); err.flush()
            return RunResult(stdout: out.capturedText, stderr: err.capturedText, status: status)
        }
    }
}

extension XCTestCase {
    /// Runs `source` both normally and suspending at every safe point; checks stdout and
    /// status (0 unless given), and that stderr is empty unless `stderr` is given (then it
    /// must contain it).
    func expectOutput(_ source: String, _ expected: String, status: Int32 = 0, stderrContains: String? = nil,
                      maxDepth: Int = RunOptions.defaultMaxDepth, input: String = "", workers: Int = 2,
                      file: StaticString = #filePath, line: UInt = #line) {
        for suspend in [false, true] {
            let r = Harness.run(source, suspendEverySafePoint: suspend, maxDepth: maxDepth, input: input, workers: workers)
            let mode = suspend ? " (suspending at every safe point)" : ""
            XCTAssertEqual(r.stdout, expected, "stdout\(mode); stderr: \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.status, status, "exit status\(mode); stderr: \(r.stderr)", file: file, line: line)
            if let s = stderrContains {
                XCTAssertTrue(r.stderr.contains(s), "stderr\(mode) should contain:\n\(s)\n--- got:\n\(r.stderr)", file: file, line: line)
            } else {
                XCTAssertEqual(r.stderr, "", "stderr\(mode)", file: file, line: line)
            }
        }
    }

    /// Runs `source` and checks it ends with a runtime error whose report contains `message`
    /// (and each of `trace`'s lines), after printing `stdout`.
    func expectRuntimeError(_ source: String, _ message: String, trace: [String] = [], stdout: String = "",
                            status: Int32 = 1, maxDepth: Int = RunOptions.defaultMaxDepth, workers: Int = 2,
                            file: StaticString = #filePath, line: UInt = #line) {
        for suspend in [false, true] {
            let r = Harness.run(source, suspendEverySafePoint: suspend, maxDepth: maxDepth, workers: workers)
            XCTAssertEqual(r.status, status, "exit status; stderr: \(r.stderr)", file: file, line: line)
            XCTAssertEqual(r.stdout, stdout, "stdout", file: file, line: line)
            XCTAssertTrue(r.stderr.contains(message), "stderr should contain:\n\(message)\n--- got:\n\(r.stderr)", file: file, line: line)
            for t in trace {
                XCTAssertTrue(r.stderr.contains(t), "trace should contain:\n\(t)\n--- got:\n\(r.stderr)", file: file, line: line)
            }
        }
    }

    /// Compiles `source` and checks it fails with diagnostics whose rendering contains
    /// every string of `expected` (e.g. the `error:` line, the `-->` line, the caret line).
    func expectCompileError(_ source: String, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        let r = Harness.run(source)
        XCTAssertEqual(r.status, 2, "should not compile; stdout: \(r.stdout)", file: file, line: line)
        for e in expected {
            XCTAssertTrue(r.stderr.contains(e), "diagnostics should contain:\n\(e)\n--- got:\n\(r.stderr)", file: file, line: line)
        }
    }
}
