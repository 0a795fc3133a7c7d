import Foundation
import Glibc

/// JSON-RPC messages over a byte stream with LSP's framing: a `Content-Length: N` header
/// (other headers ignored), an empty line, then N bytes of JSON. Parsing and printing
/// the JSON is Foundation's (`JSONSerialization`).
public struct MessageFraming {
    /// Bytes received and not yet split into messages.
    private var buffer: [UInt8] = []

    public init() {}

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) { buffer += bytes }

    /// The next complete message body, if the buffer holds one. A header block without a
    /// valid `Content-Length` is dropped (nothing else could find where its body ends).
    public mutating func nextBody() -> [UInt8]? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headerEnd = find(separator, in: buffer) else { return nil }
        let header = String(decoding: buffer[0..<headerEnd], as: UTF8.self)
        var length: Int?
        for line in header.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 && parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                length = Int(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        let bodyStart = headerEnd + separator.count
        guard let length, length >= 0 else {
            buffer.removeSubrange(0..<bodyStart)
            return nextBody()
        }
        guard buffer.count - bodyStart >= length else { return nil }
        let body = Array(buffer[bodyStart..<bodyStart + length])
        buffer.removeSubrange(0..<bodyStart + length)
        return body
    }

    /// A message body framed for sending.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && Array(haystack[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// Reads framed messages from a file descriptor and writes framed messages to another.
public final class StdioTransport {
    let input: Int32
    let output: Int32
    private var framing = MessageFraming()

    /// A transport on two file descriptors (standard input and output by default).
    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
    }

    /// The next message, decoded; nil at the end of the input. A body that is not a JSON
    /// object is reported on standard error and skipped.
    public func receive() -> [String: Any]? {
        while true {
            if let body = framing.nextBody() {
                if let message = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] { return message }
                log("malphas lsp: ignoring a message that is not a JSON object")
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            framing.append(Array(chunk[0..<n]))
        }
    }

    /// Writes one message, framed; a closed output is ignored (the client has gone).
    public func send(_ message: [String: Any]) {
        guard let body = try? JSONSerialization.data(withJSONObject: message) else {
            log("malphas lsp: cannot encode a reply")
            return
        }
        var bytes = MessageFraming.frame(Array(body))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(output, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// The server's log: standard error only (standard output carries the protocol).
func log(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, stderr) }
}
