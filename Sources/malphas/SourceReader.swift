import Glibc

/// Reads a program's bytes from a file or, for `-`, from standard input. Bytes, not a
/// String, so the lexer can report invalid UTF-8 where it is.
enum SourceReader {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func read(path: String) throws -> [UInt8] {
        let fd: Int32
        if path == "-" {
            fd = STDIN_FILENO
        } else {
            fd = open(path, O_RDONLY)
            guard fd >= 0 else {
                throw Failure(description: "cannot read `\(path)`: \(String(cString: strerror(errno)))")
            }
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read `\(path)`: \(String(cString: strerror(errno)))")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}
