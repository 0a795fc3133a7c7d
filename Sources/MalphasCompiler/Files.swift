import Glibc

/// The few file-system operations the front end and the library need, with failures that
/// carry errno and the system's words for it ("No such file or directory").
public enum Files {
    /// Why an operation failed.
    public struct Failure: Error {
        public var code: Int32
        public var reason: String

        /// The failure errno describes now.
        public static var current: Failure { Failure(code: errno, reason: String(cString: strerror(errno))) }
    }

    /// The most bytes `read` and `readAll` take: past this a file is an error, so that
    /// `/dev/zero` or an endless pipe cannot take the machine's memory.
    public static let maxReadBytes = 1 << 30

    /// The whole content of a file descriptor, read to its end.
    public static func readAll(_ fd: Int32) -> Result<[UInt8], Failure> {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return .success(bytes) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.current)
            }
            if bytes.count + n > maxReadBytes {
                return .failure(Failure(code: EFBIG, reason: "it is larger than 1 GiB"))
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// The whole content of the file at `path`.
    public static func read(_ path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.current) }
        defer { close(fd) }
        return readAll(fd)
    }

    /// The names in a directory (without `.` and `..`), unsorted.
    public static func entries(of directory: String) -> Result<[String], Failure> {
        guard let dir = opendir(directory) else { return .failure(.current) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    /// What is at `path`.
    public enum Kind { case file, directory, other }

    /// What is at `path` (following symbolic links), or nil when nothing is.
    public static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Replaces the content of the file at `path` with `bytes` atomically: written to a
    /// temporary file beside it (with the original's permissions) and renamed over it, so
    /// a failure midway leaves the original as it was.
    public static func replace(_ path: String, with bytes: [UInt8]) -> Result<Void, Failure> {
        var info = stat()
        let mode: mode_t = stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0o644
        let temporary = path + ".malphas-\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { return .failure(.current) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let failure = Failure.current
                close(fd)
                unlink(temporary)
                return .failure(failure)
            }
            written += n
        }
        fchmod(fd, mode)
        guard close(fd) == 0, rename(temporary, path) == 0 else {
            let failure = Failure.current
            unlink(temporary)
            return .failure(failure)
        }
        return .success(())
    }
}
