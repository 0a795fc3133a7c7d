import Foundation
import MalphasFormat
import MalphasSyntax

/// `malphas lsp`: a Language Server Protocol server for Malphas. It keeps every open
/// document's text (full synchronisation), analyses it on open and on every change,
/// publishes the front end's diagnostics, and answers hover, definition, completion,
/// document symbols and formatting from the latest analysis.
///
/// Every request gets an answer, on a broken document too: the parser recovers, the
/// analyses work on whatever tree it made, and an answer that cannot be found is `null`.
public final class LanguageServer {
    /// Sends one message (a response or a notification) to the client.
    private let send: ([String: Any]) -> Void
    private var documents: [String: DocumentAnalysis] = [:]
    private var shutdownRequested = false
    /// Set by `exit`: the status the server process ends with (0 after `shutdown`).
    public private(set) var exitStatus: Int32?

    public init(send: @escaping ([String: Any]) -> Void) {
        self.send = send
    }

    /// Serves a client on standard input and output until `exit` or the end of input;
    /// returns the process's exit status. Runs on a thread with a large stack, as
    /// compiling does, so no nesting of source can overflow it.
    public static func serveStandardStreams() -> Int32 {
        let transport = StdioTransport()
        let server = LanguageServer(send: transport.send)
        log("malphas lsp: serving the Language Server Protocol on standard input and output")
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            while server.exitStatus == nil, let message = transport.receive() {
                server.handle(message)
            }
            done.signal()
        }
        thread.stackSize = 256 << 20
        thread.start()
        done.wait()
        // The serving thread has ended: nothing else touches the server now.
        return server.exitStatus ?? 1
    }

    /// Handles one decoded message: a request (with an `id`) is answered, a notification
    /// acted upon.
    public func handle(_ message: [String: Any]) {
        let method = message["method"] as? String ?? ""
        let params = message["params"] as? [String: Any] ?? [:]
        guard let id = message["id"] else {
            notification(method, params)
            return
        }
        if method.isEmpty { return }  // a response to a request of ours: none are sent
        if shutdownRequested && method != "exit" {
            send(["jsonrpc": "2.0", "id": id, "error": ["code": -32600, "message": "the server is shutting down"]])
            return
        }
        switch request(method, params) {
        case .success(let result):
            send(["jsonrpc": "2.0", "id": id, "result": result ?? NSNull()])
        case .failure(let error):
            send(["jsonrpc": "2.0", "id": id, "error": ["code": error.code, "message": error.message]])
        }
    }

    struct ResponseError: Error {
        var code: Int
        var message: String
    }

    private func request(_ method: String, _ params: [String: Any]) -> Result<Any?, ResponseError> {
        switch method {
        case "initialize":
            return .success(["capabilities": LanguageServer.capabilities,
                             "serverInfo": ["name": "malphas", "version": "0.1.0"]])
        case "shutdown":
            shutdownRequested = true
            return .success(nil)
        case "textDocument/hover":
            guard let (document, offset) = position(params) else { return .success(nil) }
            guard let text = document.hover(at: offset) else { return .success(nil) }
            return .success(["contents": ["kind": "markdown", "value": text]])
        case "textDocument/definition":
            guard let (document, offset) = position(params) else { return .success(nil) }
            return .success(document.definition(at: offset))
        case "textDocument/completion":
            guard let (document, offset) = position(params) else { return .success([]) }
            return .success(["isIncomplete": false, "items": document.completions(at: offset)])
        case "textDocument/documentSymbol":
            guard let document = document(params) else { return .success([]) }
            return .success(document.documentSymbols())
        case "textDocument/formatting":
            guard let document = document(params) else { return .success(nil) }
            return .success(formattingEdits(document))
        default:
            return .failure(ResponseError(code: -32601, message: "unsupported method `\(method)`"))
        }
    }

    static let capabilities: [String: Any] = [
        "textDocumentSync": ["openClose": true, "change": 1],
        "hoverProvider": true,
        "definitionProvider": true,
        "completionProvider": ["triggerCharacters": [".", ":"]],
        "documentSymbolProvider": true,
        "documentFormattingProvider": true,
    ]

    private func notification(_ method: String, _ params: [String: Any]) {
        switch method {
        case "exit":
            exitStatus = shutdownRequested ? 0 : 1
        case "textDocument/didOpen":
            guard let item = params["textDocument"] as? [String: Any], let uri = item["uri"] as? String,
                  let text = item["text"] as? String else { return }
            analyse(uri: uri, text: text)
        case "textDocument/didChange":
            // Full synchronisation: the last change holds the whole text.
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String,
                  let text = (params["contentChanges"] as? [[String: Any]])?.last?["text"] as? String else { return }
            analyse(uri: uri, text: text)
        case "textDocument/didClose":
            guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else { return }
            documents[uri] = nil
            send(["jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": ["uri": uri, "diagnostics": []]])
        default:
            break
        }
    }

    private func analyse(uri: String, text: String) {
        let document = DocumentAnalysis(uri: uri, text: text)
        documents[uri] = document
        send(["jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
              "params": ["uri": uri, "diagnostics": document.diagnostics.map { lspDiagnostic($0, in: document) }]])
    }

    /// A diagnostic in LSP form. One located in another file (a module's) is shown at the
    /// top of the document, its place given as related information.
    private func lspDiagnostic(_ d: Diagnostic, in document: DocumentAnalysis) -> [String: Any] {
        // The primary label (`expected int, found string`) is what an editor shows first.
        var message = d.label.map { d.message + ": " + $0 } ?? d.message
        if let help = d.help { message += "\nhelp: " + help }
        let inDocument = d.span.file == document.file
        let range = inDocument ? document.source.range(of: d.span) : document.source.range(of: Span(file: document.file, start: 0, end: 0))
        var related: [[String: Any]] = []
        if !inDocument, let location = document.location(of: d.span) {
            related.append(["location": location, "message": d.message])
        }
        for note in d.notes {
            if let span = note.span, let location = document.location(of: span) {
                related.append(["location": location, "message": note.message])
            } else {
                message += "\nnote: " + note.message
            }
        }
        var diagnostic: [String: Any] = ["range": range, "severity": d.severity == .error ? 1 : 2, "source": "malphas",
                                         "message": message]
        if !related.isEmpty { diagnostic["relatedInformation"] = related }
        return diagnostic
    }

    private func formattingEdits(_ document: DocumentAnalysis) -> [[String: Any]]? {
        guard case .formatted(let text) = Formatter.format(document.file, in: document.sources) else { return nil }
        if Array(text.utf8) == document.source.bytes { return [] }
        return [["range": document.source.wholeRange, "newText": text]]
    }

    private func document(_ params: [String: Any]) -> DocumentAnalysis? {
        guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else { return nil }
        return documents[uri]
    }

    private func position(_ params: [String: Any]) -> (DocumentAnalysis, Int)? {
        guard let document = document(params), let position = params["position"] as? [String: Any],
              let line = position["line"] as? Int, let character = position["character"] as? Int else { return nil }
        return (document, document.source.offset(line: line, character: character))
    }
}
