import XCTest
import Glibc
@testable import MalphasVM

final class LibraryOutputTests: XCTestCase {
    func testIntsAreWrittenDigitByDigit() {
        var buffer = TextBuffer()
        for n in [0, 7, -7, 10, 1234567890, Int.max, Int.min] {
            buffer.append(int: n)
            buffer.append(byte: UInt8(ascii: " "))
        }
        XCTAssertEqual(buffer.string, "0 7 -7 10 1234567890 9223372036854775807 -9223372036854775808 ")
    }

    func testConcurrentWritersNeverInterleaveWithinALine() {
        let output = Output.capture()
        let threads = 4
        let lines = 2000
        LibraryTestThreads.run(threads) { t in
            for i in 0..<lines {
                output.write { buffer in
                    buffer.append("legion ")
                    buffer.append(int: t)
                    buffer.append(" line ")
                    buffer.append(int: i)
                    buffer.append(byte: UInt8(ascii: "\n"))
                }
            }
        }
        let all = output.capturedText.split(separator: "\n")
        XCTAssertEqual(all.count, threads * lines)
        for line in all { XCTAssertTrue(line.hasPrefix("legion "), String(line)) }
        for t in 0..<threads {
            let mine = all.filter { $0.hasPrefix("legion \(t) ") }
            XCTAssertEqual(mine.last.map(String.init), "legion \(t) line \(lines - 1)")
        }
    }

    func testWritesToAFileDescriptorArriveAfterFlush() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let output = Output(fileDescriptor: fds[1], flushesEveryWrite: false)
        output.write("hello ")
        output.write("world\n")
        output.flush()
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = read(fds[0], &bytes, 64)
        XCTAssertEqual(String(decoding: bytes[0..<max(n, 0)], as: UTF8.self), "hello world\n")
        close(fds[0])
        close(fds[1])
    }

    func testInputReadsLinesFromAFileDescriptor() {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let text = "one\ntwo\r\n\nthree"
        _ = text.utf8CString.withUnsafeBufferPointer { write(fds[1], $0.baseAddress!, text.utf8.count) }
        close(fds[1])
        let input = Input(fileDescriptor: fds[0])
        var blocked = 0
        input.willBlock = { blocked += 1 }
        XCTAssertEqual(input.readLine(), "one")
        XCTAssertEqual(input.readLine(), "two")
        XCTAssertEqual(input.readLine(), "")
        XCTAssertEqual(input.readLine(), "three")
        XCTAssertNil(input.readLine())
        XCTAssertNil(input.readLine())
        XCTAssertGreaterThan(blocked, 0)
        close(fds[0])
    }

    func testInputLongLinesSpanSeveralReads() {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let long = String(repeating: "x", count: 50_000)
        let input = Input(fileDescriptor: fds[0])
        let writer = LibraryTestThread {
            for _ in 0..<3 {
                let line = long + "\n"
                _ = line.utf8CString.withUnsafeBufferPointer { write(fds[1], $0.baseAddress!, line.utf8.count) }
            }
            close(fds[1])
        }
        writer.start()
        for _ in 0..<3 { XCTAssertEqual(input.readLine()?.utf8.count, 50_000) }
        XCTAssertNil(input.readLine())
        writer.join()
        close(fds[0])
    }
}

/// Runs `body` on `count` OS threads at once and waits for them all.
enum LibraryTestThreads {
    static func run(_ count: Int, _ body: @escaping (Int) -> Void) {
        let threads = (0..<count).map { i in LibraryTestThread { body(i) } }
        threads.forEach { $0.start() }
        threads.forEach { $0.join() }
    }
}

/// A minimal pthread wrapper, so the tests need no Foundation.
final class LibraryTestThread {
    private var handle = pthread_t()
    private let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<LibraryTestThread>.fromOpaque(raw!).takeRetainedValue()
            thread.body()
            return nil
        }, context)
    }
    func join() { pthread_join(handle, nil) }
}
