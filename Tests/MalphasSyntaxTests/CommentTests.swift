import MalphasSyntax
import XCTest

/// The lexer keeps comments only when asked: the formatter and the language server need
/// them, compiling does not.
final class CommentTests: XCTestCase {
    let source = "/// doc\nfn f() { // line\n    /* block /* nested */ */ 1\n}\n"

    func testKeepsLineBlockAndDocCommentsInOrderWhenAsked() {
        let lexed = Lexer.tokenizeKeepingComments(file: SourceFileID(raw: 0), bytes: Array(source.utf8))
        XCTAssertEqual(lexed.comments.map(\.text), ["/// doc", "// line", "/* block /* nested */ */"])
        XCTAssertEqual(lexed.comments.map(\.isBlock), [false, false, true])
        XCTAssertEqual(lexed.comments.map(\.isDocComment), [true, false, false])
        XCTAssertEqual(lexed.comments[1].span.start, 17)
        XCTAssertEqual(lexed.tokens.count, Lexer.tokenize(file: SourceFileID(raw: 0), bytes: Array(source.utf8)).0.count)
    }

    func testKeepsNoCommentsByDefault() {
        var lexer = Lexer(file: SourceFileID(raw: 0), bytes: Array(source.utf8))
        while lexer.next().kind != .eof {}
        XCTAssertTrue(lexer.comments.isEmpty)
    }
}
