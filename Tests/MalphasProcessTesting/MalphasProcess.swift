// Running the built `malphas` binary as a user would: as a child process with arguments,
// standard input, a working directory and an environment, read back by its standard
// output, standard error and exit status. Shared by every test target that checks the
// command line (programs, the REPL's piped mode, `malphas test`).
import Foundation

/// What one run of `malphas` printed and how it ended.
public struct MalphasRun: Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// The signal that ended the child, if one did (then `status` is its number).
    public var signal: Int32?
    /// True when the child was still running at the deadline and was killed (SIGKILL).
    public var timedOut = false
}

/// Runs the `malphas` built beside this test bundle. Standard error is drained on its own
/// thread while standard output is read, so a child that fills one pipe never blocks on it.
/// `MALPHAS_PATH` is cleared so the embedded standard library is the one under test.
/// A child still running `deadline` seconds after it started is killed.
public func runMalphas(_ arguments: [String], stdin: String? = nil, directory: URL? = nil,
                       environment: [String: String] = [:], deadline: Double? = nil) throws -> MalphasRun {
    let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    let process = Process()
    process.executableURL = bundle.appendingPathComponent("malphas")
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    env["MALPHAS_PATH"] = nil
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    final class Flag: @unchecked Sendable { var set = false }
    let killed = Flag()
    if let deadline {
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline) {
            if process.isRunning { killed.set = true; kill(process.processIdentifier, SIGKILL) }
        }
    }

    final class Drained: @unchecked Sendable { var data = Data() }
    let errors = Drained()
    let errorsRead = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        errors.data = err.fileHandleForReading.readDataToEndOfFile()
        errorsRead.signal()
    }
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    errorsRead.wait()
    process.waitUntilExit()
    let bySignal = process.terminationReason == .uncaughtSignal
    return MalphasRun(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errors.data, as: UTF8.self),
                      signal: bySignal ? process.terminationStatus : nil,
                      timedOut: bySignal && killed.set)
}
