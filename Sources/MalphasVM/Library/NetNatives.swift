// The native builtins of std::net (stdlib/std/net.mal): TCP over descriptors registered
// with the runtime's poller (CLegion poller.c), so a legion that waits for the network
// parks like one waiting on a channel and its OS thread runs other legions.
//
// Each call tries its operation at once on the non-blocking descriptor. When it would
// block (EAGAIN), the builtin returns `.block(.io(wait))`: the VM saves the pc of the
// call, the runtime bridge parks the legion on the descriptor (`lg_poll_park_commit`),
// and when the descriptor is ready, closed or the deadline passes, the call runs again
// with `.ioWoken(wait)` as its completion: it first asks the poller which of these
// happened (`lg_poll_unpark`), then tries again. A write that had written part of its
// text keeps the count in the wait.
//
// Results are tuples for the library to turn into values, panics or `Result`s:
// `(true, value)` or `(false, message)`, where the message names the operation, the
// address and the system's reason: "cannot connect to 127.0.0.1:9: connection refused".

import CLegion
import Glibc
import MalphasCompiler

/// What a legion parked on a descriptor waits for.
public struct IOWait {
    enum Operation: UInt8 { case accept, connect, read, write, readStandardInput }
    /// The `lg_pollfd *`.
    let descriptor: OpaquePointer
    let operation: Operation
    /// The end of the wait on the `lg_now_ns` clock; 0: none.
    let deadline: UInt64
    /// Bytes a write had written before it parked.
    let written: Int

    var direction: Int32 { operation == .read || operation == .accept || operation == .readStandardInput ? Int32(LG_POLL_READ) : Int32(LG_POLL_WRITE) }

    /// For deadlock reports and `:legions`: "waiting to read from a connection".
    var description: String {
        switch operation {
        case .accept: return "waiting for a connection"
        case .connect: return "connecting"
        case .read: return "reading from a connection"
        case .write: return "writing to a connection"
        case .readStandardInput: return "reading standard input"
        }
    }
}

extension VM {
    /// `__net_*`: see BuiltinCatalog.swift for each one's arguments and result.
    func netBuiltin(_ f: BuiltinFunction, args: UnsafeMutablePointer<Value>, legion: LegionState) throws -> BuiltinStep {
        // A call that runs again after parking: what ended the park decides what follows.
        var resumed: IOWait?
        var outcome = LG_POLL_AGAIN
        if case .ioWoken(let wait)? = legion.completion {
            legion.completion = nil
            resumed = wait
            outcome = lg_poll_unpark(wait.descriptor, wait.direction, wait.deadline)
        }
        switch f {
        case .netListen:
            return .value(Net.listen(try Net.string(args[0], f)))
        case .netConnect:
            return try Net.connect(try Net.string(args[0], f), resumed: resumed, outcome: outcome)
        case .netClose:
            if let h = NetHandles.remove(try Net.number(args[0], f)) { lg_poll_close(h.descriptor) }
            return .value(.unit)
        case .netAddr:
            guard let h = NetHandles.get(try Net.number(args[0], f)) else {
                return .value(Net.failure("cannot get the address of a closed connection"))
            }
            guard case .bool(let peer) = args[1].dereferenced else {
                throw RuntimeError("builtin `\(f.name)` expects a bool, got \(args[1].typeName)")
            }
            return .value(Net.success(.string(StringBox(peer ? h.peer : h.local))))
        case .netSetTimeout:
            let ms = try Net.number(args[1], f)
            guard ms >= 0 else { throw RuntimeError("a timeout must be 0 or more milliseconds, got \(ms)") }
            if let h = NetHandles.get(try Net.number(args[0], f)) { h.locked { h.timeoutMs = ms } }
            return .value(.unit)
        case .netAccept, .netReadLine, .netRead, .netWrite:
            let operation: IOWait.Operation = f == .netAccept ? .accept : f == .netWrite ? .write : .read
            let verb = f == .netAccept ? "accept on" : f == .netWrite ? "write to" : "read from"
            // Closed before the call, or while it waited: the same error either way.
            let closed = "cannot \(verb) a closed \(f == .netAccept ? "listener" : "connection")"
            guard let h = NetHandles.get(try Net.number(args[0], f)), outcome != LG_POLL_CLOSED else {
                return .value(Net.failure(closed))
            }
            if outcome == LG_POLL_TIMEOUT { return .value(Net.failure("cannot \(verb) \(h.address): timed out")) }
            let deadline = resumed?.deadline ?? h.locked { h.timeoutMs > 0 ? lg_now_ns() &+ UInt64(h.timeoutMs) &* 1_000_000 : 0 }
            guard lg_poll_acquire(h.descriptor) else { return .value(Net.failure(closed)) }
            defer { lg_poll_release(h.descriptor) }
            let attempt: Net.Attempt
            switch f {
            case .netAccept: attempt = Net.accept(h)
            case .netReadLine: attempt = h.locked { Net.readLine(h) }
            case .netRead:
                let n = try Net.number(args[1], f)
                guard n > 0 else { throw RuntimeError("`read(n)` needs n > 0, got \(n)") }
                attempt = h.locked { Net.read(h, upTo: n) }
            default:
                let text = try Net.string(args[1], f)
                attempt = Net.write(h, text, from: resumed?.written ?? 0)
            }
            switch attempt {
            case .done(let v): return .value(Net.success(v))
            case .failed(let reason): return .value(Net.failure("cannot \(verb) \(h.address): \(reason)"))
            case .wouldBlock(let written):
                return .block(.io(IOWait(descriptor: h.descriptor, operation: operation, deadline: deadline, written: written)))
            }
        default:
            throw VM.internalError("netBuiltin")
        }
    }
}

/// The system calls behind std::net.
enum Net {
    enum Attempt {
        case done(Value)
        case failed(String)
        /// EAGAIN; a write says how many bytes it has written so far.
        case wouldBlock(written: Int)
    }

    static func failure(_ message: String) -> Value {
        .tuple(TupleBox([.bool(false), .string(StringBox(message))]))
    }

    static func success(_ v: Value) -> Value { .tuple(TupleBox([.bool(true), v])) }

    /// The system's reason for errno `e`, as the messages spell it: "connection refused".
    static func reason(_ e: Int32) -> String {
        if e == EMFILE || e == ENFILE {
            var limit = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            return "too many open files (the limit is \(limit.rlim_cur) descriptors per process)"
        }
        let text = String(cString: strerror(e))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    static func string(_ v: Value, _ f: BuiltinFunction) throws -> String {
        guard case .string(let s) = v.dereferenced else {
            throw RuntimeError("builtin `\(f.name)` expects a string, got \(v.typeName)")
        }
        return s.value
    }

    static func number(_ v: Value, _ f: BuiltinFunction) throws -> Int {
        guard case .int(let n) = v.dereferenced else {
            throw RuntimeError("builtin `\(f.name)` expects an int, got \(v.typeName)")
        }
        return n
    }

    // MARK: Addresses

    /// "host:port" as an IPv4 socket address; "" or "localhost" as the host mean
    /// 0.0.0.0 and 127.0.0.1. Names are not looked up (that would block a thread).
    static func parse(_ text: String) -> Result<sockaddr_in, NetError> {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return .failure(NetError("the address must be \"host:port\" with a port from 0 to 65535"))
        }
        var host = String(text[..<colon])
        if host.isEmpty { host = "0.0.0.0" }
        if host == "localhost" { host = "127.0.0.1" }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            return .failure(NetError("`\(host)` is not an IPv4 address (host names are not looked up)"))
        }
        return .success(address)
    }

    struct NetError: Error { let reason: String; init(_ r: String) { reason = r } }

    static func format(_ a: sockaddr_in) -> String {
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        var addr = a.sin_addr
        inet_ntop(AF_INET, &addr, &text, socklen_t(INET_ADDRSTRLEN))
        return "\(String(cString: text)):\(UInt16(bigEndian: a.sin_port))"
    }

    static func name(_ fd: Int32, peer: Bool) -> String {
        var a = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer ? getpeername(fd, $0, &len) : getsockname(fd, $0, &len) }
        }
        return rc == 0 ? format(a) : "?"
    }

    /// Registers a connected socket as a handle.
    static func register(_ fd: Int32) -> Result<Int, NetError> {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard let pd = lg_poll_open(fd) else {
            let e = errno
            close(fd)
            return .failure(NetError(reason(e)))
        }
        return .success(connection(pd))
    }

    /// Records a connected, registered socket as a handle; returns its number.
    static func connection(_ pd: OpaquePointer) -> Int {
        let fd = lg_poll_fd(pd)
        return NetHandles.add(NetHandle(descriptor: pd, isListener: false, local: name(fd, peer: false), peer: name(fd, peer: true)))
    }

    // MARK: Operations

    static func listen(_ text: String) -> Value {
        let address: sockaddr_in
        switch parse(text) {
        case .success(let a): address = a
        case .failure(let e): return failure("cannot listen on \(text): \(e.reason)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return failure("cannot listen on \(text): \(reason(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = address
        let bound = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4096) == 0 else {
            let e = errno
            close(fd)
            return failure("cannot listen on \(text): \(reason(e))")
        }
        guard let pd = lg_poll_open(fd) else {
            let e = errno
            close(fd)
            return failure("cannot listen on \(text): \(reason(e))")
        }
        let number = NetHandles.add(NetHandle(descriptor: pd, isListener: true, local: name(fd, peer: false), peer: ""))
        return success(.int(number))
    }

    static func connect(_ text: String, resumed: IOWait?, outcome: lg_poll_outcome) throws -> VM.BuiltinStep {
        if let wait = resumed {
            // The socket was connecting: its result is in SO_ERROR.
            let fd = lg_poll_fd(wait.descriptor)
            var e: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            if outcome == LG_POLL_TIMEOUT { e = ETIMEDOUT }
            else if getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 { e = errno }
            if e == EINPROGRESS || e == EALREADY {
                return .block(.io(IOWait(descriptor: wait.descriptor, operation: .connect, deadline: 0, written: 0)))
            }
            if e != 0 {
                lg_poll_close(wait.descriptor)
                return .value(failure("cannot connect to \(text): \(reason(e))"))
            }
            return .value(success(.int(connection(wait.descriptor))))
        }
        let address: sockaddr_in
        switch parse(text) {
        case .success(let a): address = a
        case .failure(let e): return .value(failure("cannot connect to \(text): \(e.reason)"))
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .value(failure("cannot connect to \(text): \(reason(errno))")) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = address
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let e = errno
        if rc != 0 && e != EINPROGRESS {
            close(fd)
            return .value(failure("cannot connect to \(text): \(reason(e))"))
        }
        guard let pd = lg_poll_open(fd) else {
            let e = errno
            close(fd)
            return .value(failure("cannot connect to \(text): \(reason(e))"))
        }
        if rc != 0 { return .block(.io(IOWait(descriptor: pd, operation: .connect, deadline: 0, written: 0))) }
        return .value(success(.int(connection(pd))))
    }

    static func accept(_ h: NetHandle) -> Attempt {
        while true {
            let fd = Glibc.accept(lg_poll_fd(h.descriptor), nil, nil)
            if fd >= 0 {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC) // lg_poll_open makes it non-blocking
                switch register(fd) {
                case .success(let n): return .done(.int(n))
                case .failure(let e): return .failed(e.reason)
                }
            }
            switch errno {
            case EAGAIN: return .wouldBlock(written: 0)
            case EINTR, ECONNABORTED: continue
            case let e: return .failed(reason(e))
            }
        }
    }

    /// Reads more bytes into the handle's buffer (under its lock): the count, 0 at end of
    /// stream, or -errno.
    private static func fill(_ h: NetHandle, atMost: Int) -> Int {
        h.reserve(atMost)
        while true {
            let n = Glibc.read(lg_poll_fd(h.descriptor), h.bytes! + h.end, atMost)
            if n > 0 { h.end += n }
            if n < 0 && errno == EINTR { continue }
            return n >= 0 ? n : -Int(errno)
        }
    }

    private static func text(_ h: NetHandle, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: h.bytes! + from, count: to - from), as: UTF8.self)
    }

    static func readLine(_ h: NetHandle) -> Attempt {
        var scanned = h.start
        while true {
            if scanned < h.end, let found = memchr(h.bytes! + scanned, Int32(UInt8(ascii: "\n")), h.end - scanned) {
                let newline = h.bytes!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var end = newline
                if end > h.start && h.bytes![end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = text(h, h.start, end)
                h.start = newline + 1
                return .done(.string(StringBox(line)))
            }
            scanned = h.end - h.start // relative: fill may move the bytes to the front
            let n = fill(h, atMost: 16 * 1024)
            scanned += h.start
            if n > 0 { continue }
            if n == -Int(EAGAIN) { return .wouldBlock(written: 0) }
            if n < 0 { return .failed(reason(Int32(-n))) }
            // End of stream: a last line without its newline, then nil.
            guard h.start < h.end else { return .done(.nil) }
            let line = text(h, h.start, h.end)
            h.start = h.end
            return .done(.string(StringBox(line)))
        }
    }

    static func read(_ h: NetHandle, upTo n: Int) -> Attempt {
        if h.start == h.end {
            let got = fill(h, atMost: min(n, 1 << 20))
            if got == 0 { return .done(.string(StringBox(""))) }
            if got == -Int(EAGAIN) { return .wouldBlock(written: 0) }
            if got < 0 { return .failed(reason(Int32(-got))) }
        }
        let end = min(h.end, h.start + n)
        let result = text(h, h.start, end)
        h.start = end
        return .done(.string(StringBox(result)))
    }

    static func write(_ h: NetHandle, _ text: String, from written: Int) -> Attempt {
        var text = text
        return text.withUTF8 { bytes in
            var offset = written
            while offset < bytes.count {
                let n = Glibc.send(lg_poll_fd(h.descriptor), bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 { offset += n; continue }
                switch errno {
                case EINTR: continue
                case EAGAIN: return .wouldBlock(written: offset)
                case let e: return .failed(reason(e))
                }
            }
            return .done(.int(bytes.count))
        }
    }
}
