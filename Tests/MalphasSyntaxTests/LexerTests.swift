import XCTest
import MalphasSyntax

final class LexerTests: XCTestCase {
    func testKeywordsIdentifiersAndSynonyms() {
        XCTAssertEqual(lex("let x = null; legion").tokens,
                       [.keyword(.let), .identifier("x"), .equal, .keyword(.nil), .semicolon, .keyword(.spawn)])
    }
}
