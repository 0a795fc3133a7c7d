import Glibc
import MalphasCompiler

/// Reads a program's bytes from a file or, for `-`, from standard input. Bytes, not a
/// String, so the lexer can report invalid UTF-8 where it is.
enum SourceReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(path: String) throws -> [UInt8] {
        switch path == "-" ? Files.readAll(STDIN_FILENO) : Files.read(path) {
        case .success(let bytes): return bytes
        case .failure(let error): throw Failure(description: "cannot read `\(path)`: \(error.reason)")
        }
    }
}
