import Glibc

/// A Malphas source file held in memory, with the line table that turns byte offsets
/// into the 1-based line and column numbers every diagnostic and stack trace shows.
public final class SourceFile: @unchecked Sendable {
    /// The name shown to the user: a path as given on the command line, `<stdin>`, `<repl>`.
    public let name: String
    /// The raw bytes. Kept as bytes so invalid UTF-8 can be reported rather than replaced.
    public let bytes: [UInt8]
    /// Byte offset of the first byte of each line.
    public let lineStarts: [Int]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    public convenience init(name: String, text: String) {
        self.init(name: name, bytes: Array(text.utf8))
    }

    /// 1-based line of a byte offset.
    public func line(of offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    /// 1-based line and column (columns count characters, not bytes).
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let line = line(of: offset)
        let start = lineStarts[line - 1]
        let end = min(max(offset, start), bytes.count)
        let prefix = bytes[start..<end]
        // Count UTF-8 lead bytes so a column is a character position.
        let column = prefix.reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) } + 1
        return (line, column)
    }

    /// The text of a 1-based line without its newline; invalid UTF-8 is shown replaced.
    public func lineText(_ line: Int) -> String {
        guard line >= 1 && line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }
}

/// A half-open byte range `start..<end` in one source file. Every token and AST node
/// carries one, so every error can point at the exact text it is about.
public struct Span: Hashable, Sendable {
    public var file: SourceFileID
    public var start: Int
    public var end: Int

    public init(file: SourceFileID, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = end
    }

    /// The smallest span covering both.
    public func to(_ other: Span) -> Span {
        Span(file: file, start: min(start, other.start), end: max(end, other.end))
    }

    /// A span for code the compiler made up (no source text).
    public static let synthetic = Span(file: SourceFileID(raw: -1), start: 0, end: 0)
}

/// Identifies a source file within a `SourceMap`.
public struct SourceFileID: Hashable, Sendable {
    public let raw: Int
    public init(raw: Int) { self.raw = raw }
}

/// Every source file one run of the interpreter has loaded (the program, its modules, the
/// standard library, REPL inputs). Spans refer into it by `SourceFileID`.
///
/// A REPL session adds a file per input while legions of earlier inputs may be reading
/// it for a stack trace on another thread, so the table is behind a lock.
public final class SourceMap: @unchecked Sendable {
    /// Guards `files`.
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var files: [SourceFile] = []

    public init() {
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    @discardableResult
    public func add(_ file: SourceFile) -> SourceFileID {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        files.append(file)
        return SourceFileID(raw: files.count - 1)
    }

    public func file(_ id: SourceFileID) -> SourceFile? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return id.raw >= 0 && id.raw < files.count ? files[id.raw] : nil
    }

    /// `file:line:col` for the start of a span.
    public func describe(_ span: Span) -> String {
        guard let f = file(span.file) else { return "<unknown>" }
        let (line, column) = f.location(of: span.start)
        return "\(f.name):\(line):\(column)"
    }

    /// 1-based line of the start of a span (0 when the span is synthetic).
    public func line(of span: Span) -> Int {
        file(span.file)?.line(of: span.start) ?? 0
    }
}
