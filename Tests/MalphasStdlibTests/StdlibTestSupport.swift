// Running Malphas programs made of several files (a program and its module files, in a
// fresh temporary directory) in-process, and the built `malphas` binary as a child
// process, for the module system, standard library and test runner tests.

import Foundation
import MalphasProcessTesting
import MalphasCompiler
import MalphasSyntax
@testable import MalphasVM

/// The legion runtime runs one program at a time per process, and tests run concurrently:
/// every in-process run holds this lock.
private let runtimeLock = NSLock()

/// Runs `body` while no other test of this target uses the legion runtime.
func withLegionRuntime<T>(_ body: () throws -> T) rethrows -> T {
    runtimeLock.lock()
    defer { runtimeLock.unlock() }
    return try body()
}

/// What a run printed and how it ended.
struct ProgramRun: Equatable {
    var stdout: String
    var stderr: String
    var status: Int32
}

/// A directory of source files written for one test.
struct SourceTree {
    let root: URL

    /// Writes `files` (relative path -> text) into a fresh temporary directory.
    init(_ files: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-stdlib-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Compiles `main` (default `main.mal`) with its modules and the standard library and
    /// runs it; compile errors come back rendered on stderr with status 2.
    func run(_ main: String = "main.mal", input: String = "", suspendEverySafePoint: Bool = false,
             library: LibrarySource = StandardLibrary.embedded) -> ProgramRun {
        let sources = SourceMap()
        let bytes = Array((try? Data(contentsOf: root.appendingPathComponent(main))) ?? Data())
        let id = sources.add(SourceFile(name: path(main), bytes: bytes))
        switch Interpreter.compile(id, in: sources, library: library) {
        case .failure(let failure):
            return ProgramRun(stdout: "", stderr: Interpreter.render(failure, sources: sources), status: 2)
        case .success(let program):
            let out = Output.capture(), err = Output.capture()
            let options = RunOptions(suspendEverySafePoint: suspendEverySafePoint, output: out, errorOutput: err,
                                     input: Input(text: input))
            let status = withLegionRuntime { Interpreter.run(program, options: options) }
            out.flush(); err.flush()
            return ProgramRun(stdout: out.capturedText, stderr: err.capturedText, status: status)
        }
    }
}

/// Runs a one-file program (named `main.mal` in a fresh directory).
func runProgram(_ source: String, input: String = "", suspendEverySafePoint: Bool = false) throws -> ProgramRun {
    try SourceTree(["main.mal": source]).run(input: input, suspendEverySafePoint: suspendEverySafePoint)
}

/// The repository's root (this file is Tests/MalphasStdlibTests/StdlibTestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Runs the `malphas` binary built beside the test bundle.
func malphasBinary(_ arguments: [String], directory: URL? = nil, environment: [String: String] = [:],
                   stdin: String = "") throws -> ProgramRun {
    let run = try runMalphas(arguments, stdin: stdin, directory: directory, environment: environment)
    return ProgramRun(stdout: run.stdout, stderr: run.stderr, status: run.status)
}
