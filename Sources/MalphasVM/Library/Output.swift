// Program output and input. Legions run on several OS threads at once, so every write
// takes a lock and appends whole: one `println` is never split or interleaved with
// another's line. Output is buffered for speed and flushed explicitly: at exit, before
// reading stdin (so a prompt shows before the program waits), and before a runtime error
// is printed (so the error comes after the output that preceded it).
//
// The locks are pthread mutexes, held only while bytes are copied or written, never
// across a legion switch (nothing in here parks or yields).

import CLegion
import Glibc

/// A buffered, thread-safe writer to a file descriptor (stdout, stderr) or to memory (the
/// capture that tests read).
public final class Output: @unchecked Sendable {
    private enum Destination {
        case fileDescriptor(Int32)
        case memory
        /// Each flushed chunk goes to a function (the REPL prints it above its prompt).
        case handler((UnsafeRawBufferPointer) -> Void)
    }

    /// Protects `pending` and `captured`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Bytes written but not yet handed to the destination. Guarded by `mutex`.
    private var pending: TextBuffer
    /// Everything flushed to a memory destination. Guarded by `mutex`.
    private var captured: [UInt8] = []
    private let destination: Destination
    /// Flush after every write: for terminals (so a line shows when it is printed) and
    /// for stderr.
    private let flushesEveryWrite: Bool
    /// Past this many pending bytes a write flushes, bounding memory and latency.
    private static let flushThreshold = 64 * 1024

    /// The process's standard output: block-buffered when redirected, flushed per write
    /// when it is a terminal.
    public static let standardOutput = Output(fileDescriptor: 1)
    /// The process's standard error, flushed after every write.
    public static let standardError = Output(fileDescriptor: 2, flushesEveryWrite: true)

    /// A writer to `fileDescriptor`. By default it flushes after every write when the
    /// descriptor is a terminal and buffers otherwise.
    public init(fileDescriptor: Int32, flushesEveryWrite: Bool? = nil) {
        destination = .fileDescriptor(fileDescriptor)
        self.flushesEveryWrite = flushesEveryWrite ?? (isatty(fileDescriptor) == 1)
        pending = TextBuffer(capacity: Output.flushThreshold + 1024)
        mutex = Output.makeMutex()
    }

    private init(capturing: ()) {
        destination = .memory
        flushesEveryWrite = false
        pending = TextBuffer(capacity: 1024)
        mutex = Output.makeMutex()
    }

    /// A writer that hands every write, whole, to `handler`, called with the writer's lock
    /// held (so chunks arrive in order and never interleave). `handler` must not write to
    /// this output.
    public init(handler: @escaping (UnsafeRawBufferPointer) -> Void) {
        destination = .handler(handler)
        flushesEveryWrite = true
        pending = TextBuffer(capacity: 1024)
        mutex = Output.makeMutex()
    }

    /// A writer that keeps what it is given in memory; read it with `capturedText`.
    public static func capture() -> Output { Output(capturing: ()) }

    deinit {
        flush()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private static func makeMutex() -> UnsafeMutablePointer<pthread_mutex_t> {
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        return mutex
    }

    /// Appends what `body` writes, atomically with respect to other writers: nothing else
    /// lands between its bytes. `body` must not write to this output itself (the lock is
    /// not recursive) and must not park the legion.
    public func write(_ body: (inout TextBuffer) throws -> Void) rethrows {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        try body(&pending)
        if flushesEveryWrite || pending.count >= Output.flushThreshold { flushLocked() }
    }

    /// Appends `text` as one write.
    public func write(_ text: String) {
        write { $0.append(text) }
    }

    /// Hands every pending byte to the destination.
    public func flush() {
        pthread_mutex_lock(mutex)
        flushLocked()
        pthread_mutex_unlock(mutex)
    }

    /// Everything written so far to a capturing output (flushed or not); empty for file
    /// descriptors.
    public var capturedText: String {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        flushLocked()
        return String(decoding: captured, as: UTF8.self)
    }

    private func flushLocked() {
        guard pending.count > 0 else { return }
        switch destination {
        case .memory:
            captured.append(contentsOf: pending.bytes)
        case .handler(let handler):
            pending.bytes.withUnsafeBytes { handler($0) }
        case .fileDescriptor(let fd):
            pending.bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        // A closed pipe or a full disk: the reader is gone, and there is
                        // no one left to tell. Drop the bytes rather than spin.
                        break
                    }
                }
            }
        }
        pending.removeAll()
    }
}

/// Buffered, thread-safe line reading from a file descriptor (stdin) or from a string
/// (tests). `read_line()` goes through here so that the VM can bracket the one call that
/// may block, the `read(2)` that refills the buffer, and hand the worker's queue to
/// another thread meanwhile.
public final class Input: @unchecked Sendable {
    /// Protects every field below.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var buffer: [UInt8] = []
    /// Where the next unread byte is in `buffer`.
    private var start = 0
    private var atEnd = false
    private let fileDescriptor: Int32?

    /// Called just before a read that may block (a `read(2)`, or waiting for the lock
    /// while another thread reads), and just after it returns, so the VM can hand the
    /// worker's queue to another thread meanwhile. Set them once, before legions start:
    /// they are read without synchronization.
    public var willBlock: (() -> Void)?
    /// See `willBlock`.
    public var didBlock: (() -> Void)?
    /// When set, a read that would block polls and gives up (end of input) once this
    /// answers true: a program ending on its time limit does not wait for a line that
    /// may never come. Set before legions start, like `willBlock`.
    public var isCancelled: (() -> Bool)?
    /// When set (with `isCancelled`), every read goes through it: it runs the read and
    /// answers true, or answers false without running it while the descriptor belongs to
    /// someone else (a REPL's prompt, which reads the same terminal). It must decide and
    /// read under the same lock the owner takes to hold the descriptor, so that a read
    /// can never start just after the prompt has appeared. Set before legions start,
    /// like `willBlock`.
    public var readUnlessHeld: ((() -> Void) -> Bool)?

    /// The process's standard input.
    public static let standardInput = Input(fileDescriptor: 0)

    /// Reads lines from `fileDescriptor`.
    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    /// Reads lines from `text`, then reports end of input.
    public init(text: String) {
        fileDescriptor = nil
        buffer = Array(text.utf8)
        atEnd = true
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The next line without its `\n` (or `\r\n`), or nil at end of input. A last line
    /// without a newline is still returned. Invalid UTF-8 becomes U+FFFD.
    public func readLine() -> String? {
        lockBracketed()
        defer { pthread_mutex_unlock(mutex) }
        guard case .line(let line) = nextLine(refill: { refill() ? .more : .end }) else { return nil }
        return line
    }

    /// What `readLineOrPark` found.
    public enum Attempt {
        /// The next line, or nil at end of input.
        case line(String?)
        /// No whole line yet and the descriptor has nothing to read: park on it (it is
        /// registered with the poller, read direction) and call again when woken.
        case wouldBlock(OpaquePointer)
    }

    /// Set once, before legions start: `read_line()` parks its legion through the
    /// runtime's poller (`readLineOrPark`) rather than blocking its thread. Only where
    /// nothing else reads the descriptor (`malphas run`, not a REPL's terminal).
    public var parksOnPoller = false

    /// The descriptor as registered with the poller (`lg_pollfd *`, never closed by it);
    /// nil before the first try. [mutex]
    private var watched: OpaquePointer?
    /// The poller refused the descriptor (a regular file, /dev/null: reads never wait
    /// there): `readLine` it is. [mutex]
    private var unwatchable = false

    /// Like `readLine`, but never waits for the descriptor: it reads only when poll(2)
    /// says the read cannot block, and otherwise answers `.wouldBlock`. The descriptor
    /// stays blocking (a terminal or a shared pipe is never left non-blocking). nil: this
    /// input cannot be polled (a string, a regular file): call `readLine`. Called on a
    /// legion, while the runtime runs.
    public func readLineOrPark() -> Attempt? {
        guard let fd = fileDescriptor else { return nil }
        lockBracketed()
        defer { pthread_mutex_unlock(mutex) }
        if watched == nil && !unwatchable {
            watched = lg_poll_watch(fd)
            unwatchable = watched == nil
        }
        guard let descriptor = watched else { return nil }
        return nextLine(refill: {
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            var ready: Int32
            repeat { ready = poll(&request, 1, 0) } while ready < 0 && errno == EINTR
            // Readable, hung up or in error: the read returns at once (bytes, 0, -1).
            guard ready != 0 else { return .wouldBlock(descriptor) }
            return readChunk(fd) ? .more : .end
        })
    }

    /// Forgets the poller's registration: the runtime that held it has stopped.
    public func forgetPoller() {
        pthread_mutex_lock(mutex)
        watched = nil
        unwatchable = false
        pthread_mutex_unlock(mutex)
    }

    /// Takes the lock; waiting for it (another legion may hold it while it reads) is
    /// bracketed like a read that may block.
    private func lockBracketed() {
        if pthread_mutex_trylock(mutex) != 0 {
            willBlock?()
            pthread_mutex_lock(mutex)
            didBlock?()
        }
    }

    private enum Fill { case more, end, wouldBlock(OpaquePointer) }

    /// The next line from the buffer, refilled through `refill` until one is whole or
    /// the input ends (under the lock).
    private func nextLine(refill: () -> Fill) -> Attempt {
        // Bytes after `start` already searched for a newline; relative to `start`
        // because a refill moves the unread bytes to the front.
        var scanned = 0
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return .line(line)
            }
            scanned = buffer.count - start
            var fill = Fill.end
            if !atEnd { fill = refill() }
            switch fill {
            case .more: continue
            case .wouldBlock(let descriptor): return .wouldBlock(descriptor)
            case .end:
                guard start < buffer.count else { return .line(nil) }
                let line = String(decoding: buffer[start...], as: UTF8.self)
                start = buffer.count
                return .line(line)
            }
        }
    }

    /// Reads more bytes, bracketed as a read that may block; false at end of input or on
    /// a read error.
    private func refill() -> Bool {
        guard let fd = fileDescriptor else { atEnd = true; return false }
        willBlock?()
        defer { didBlock?() }
        if let cancelled = isCancelled {
            var result = false
            guard readWhenReady(fd, { result = readChunk(fd) }, unless: cancelled) else { return false }
            return result
        }
        return readChunk(fd)
    }

    /// One `read(2)` of up to 64 KiB onto the buffer; false at end of input or on a read
    /// error (then `atEnd`).
    private func readChunk(_ fd: Int32) -> Bool {
        // Drop consumed bytes so the buffer does not grow with the whole input.
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let chunk = 64 * 1024
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var got = 0
        repeat {
            got = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress! + oldCount, chunk)
            }
        } while got < 0 && errno == EINTR
        buffer.removeSubrange((oldCount + max(got, 0))...)
        if got <= 0 { atEnd = true; return false }
        return true
    }

    /// Polls `fd` in short slices until it is readable, then runs `read` (through
    /// `readUnlessHeld`, which may refuse while someone else holds the descriptor) and
    /// answers true; false once `cancelled` answers true.
    private func readWhenReady(_ fd: Int32, _ read: () -> Void, unless cancelled: () -> Bool) -> Bool {
        var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !cancelled() {
            let ready = poll(&request, 1, 50)
            if ready == 0 || (ready < 0 && errno == EINTR) { continue }
            guard let gate = readUnlessHeld, ready > 0 else {
                read() // reports a poll error as the read's own
                return true
            }
            // Readable a moment ago; under the gate, look again without waiting: the
            // holder may have taken the bytes meanwhile, and the read must not block
            // while it holds the gate.
            var didRead = false
            _ = gate {
                if poll(&request, 1, 0) > 0 {
                    read()
                    didRead = true
                }
            }
            if didRead { return true }
            // Held, or the bytes went to the holder: wait a little and look again.
            usleep(50_000)
        }
        return false
    }
}
