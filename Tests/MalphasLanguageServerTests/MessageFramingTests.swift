import MalphasLanguageServer
import XCTest

/// LSP's framing: `Content-Length` headers, bodies split across reads, several messages in
/// one read.
final class MessageFramingTests: XCTestCase {
    func testSplitsMessagesByContentLength() {
        var framing = MessageFraming()
        framing.append(MessageFraming.frame(Array("{\"a\":1}".utf8)) + MessageFraming.frame(Array("{}".utf8)))
        XCTAssertEqual(framing.nextBody().map { String(decoding: $0, as: UTF8.self) }, "{\"a\":1}")
        XCTAssertEqual(framing.nextBody().map { String(decoding: $0, as: UTF8.self) }, "{}")
        XCTAssertNil(framing.nextBody())
    }

    func testWaitsForABodySplitAcrossReads() {
        var framing = MessageFraming()
        let message = Array("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 7\r\n\r\n{\"b\":2}".utf8)
        framing.append(Array(message[0..<30]))
        XCTAssertNil(framing.nextBody())
        framing.append(Array(message[30..<message.count - 2]))
        XCTAssertNil(framing.nextBody())
        framing.append(Array(message[(message.count - 2)...]))
        XCTAssertEqual(framing.nextBody().map { String(decoding: $0, as: UTF8.self) }, "{\"b\":2}")
    }

    func testSkipsAHeaderWithoutALength() {
        var framing = MessageFraming()
        framing.append(Array("X-Other: 1\r\n\r\n".utf8) + MessageFraming.frame(Array("{}".utf8)))
        XCTAssertEqual(framing.nextBody().map { String(decoding: $0, as: UTF8.self) }, "{}")
    }
}
