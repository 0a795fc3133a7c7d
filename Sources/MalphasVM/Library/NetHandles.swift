// The open listeners and connections of std::net. A Malphas `net::Listener` or
// `net::Conn` is a struct holding a handle number (stdlib/std/net.mal), so copies of it,
// in this legion or sent to another, share the one connection. The number leads here,
// to the descriptor registered with the runtime's poller and what goes with it.
//
// A closed handle is forgotten at once, so the table holds only open ones; an operation
// on a number that is not in it reports a closed connection. Handle numbers are never
// reused within a process, so a stale copy of a closed connection cannot reach a new one.

import CLegion
import CMalphasSync
import Glibc

/// One open listener or connection.
final class NetHandle {
    /// The descriptor, registered with the poller (`lg_pollfd *`).
    let descriptor: OpaquePointer
    let isListener: Bool
    /// "host:port" of this end and of the other one (a listener has no peer).
    let local: String
    let peer: String
    /// Guards `buffer`, `start` and `timeoutMs`: several legions may share the connection.
    let lock: UnsafeMutablePointer<UInt32>
    /// Bytes read but not yet returned (a line reader reads ahead): `bytes[start..<end]`
    /// of a malloc'd block of `capacity` bytes (no per-byte work in a debug build).
    var bytes: UnsafeMutablePointer<UInt8>?
    var capacity = 0
    var start = 0
    var end = 0
    /// `set_timeout_ms`: the longest a read or write waits; 0: no limit.
    var timeoutMs = 0

    init(descriptor: OpaquePointer, isListener: Bool, local: String, peer: String) {
        self.descriptor = descriptor
        self.isListener = isListener
        self.local = local
        self.peer = peer
        lock = .allocate(capacity: 1)
        lock.initialize(to: 0)
    }

    deinit {
        lock.deallocate()
        free(bytes)
    }

    /// Makes room for `count` more bytes after `end` (under the lock).
    func reserve(_ count: Int) {
        if start == end { start = 0; end = 0 }
        if end + count <= capacity { return }
        if start > 0 {
            memmove(bytes!, bytes! + start, end - start)
            end -= start
            start = 0
        }
        if end + count > capacity {
            capacity = max(end + count, capacity * 2)
            bytes = realloc(bytes, capacity).assumingMemoryBound(to: UInt8.self)
        }
    }

    /// The address errors name: the peer of a connection, the address of a listener.
    var address: String { isListener ? local : peer }

    /// Runs `body` holding the lock.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return try body()
    }
}

/// The table of open handles, process-wide (one program runs at a time).
enum NetHandles {
    private static let lock: UnsafeMutablePointer<UInt32> = {
        let p = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    private static var open: [Int: NetHandle] = [:]
    private static var lastNumber = 0

    /// Records a new handle; returns its number.
    static func add(_ handle: NetHandle) -> Int {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        lastNumber += 1
        open[lastNumber] = handle
        return lastNumber
    }

    /// The open handle numbered `number`, or nil once it was closed.
    static func get(_ number: Int) -> NetHandle? {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return open[number]
    }

    /// Forgets handle `number` and returns it (nil if already closed).
    static func remove(_ number: Int) -> NetHandle? {
        mal_lock(lock)
        defer { mal_unlock(lock) }
        return open.removeValue(forKey: number)
    }

    /// After the runtime shut down, which closed every descriptor still registered.
    static func forgetAll() {
        mal_lock(lock)
        open = [:]
        mal_unlock(lock)
    }
}
