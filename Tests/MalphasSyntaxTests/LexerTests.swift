import XCTest
@testable import MalphasSyntax

/// LANGUAGE.md section 1: the lexical structure.
final class LexerTests: XCTestCase {
    func testIdentifiersAreAsciiLettersDigitsAndUnderscores() {
        XCTAssertEqual(lex("x _tmp Point2 snake_case").tokens,
                       [.identifier("x"), .identifier("_tmp"), .identifier("Point2"), .identifier("snake_case")])
    }

    func testEveryKeywordLexesAsAKeyword() {
        for keyword in Keyword.allCases {
            XCTAssertEqual(lex(keyword.rawValue).tokens, [.keyword(keyword)], keyword.rawValue)
        }
    }

    func testNullIsNilAndLegionIsSpawn() {
        XCTAssertEqual(lex("null legion").tokens, [.keyword(.nil), .keyword(.spawn)])
    }

    func testKeywordListForCompletionIncludesTheSynonyms() {
        XCTAssertTrue(Lexer.keywords.contains("legion"))
        XCTAssertTrue(Lexer.keywords.contains("null"))
        XCTAssertTrue(Lexer.keywords.contains("Self"))
        XCTAssertEqual(Lexer.keywords.count, Keyword.allCases.count + 2)
    }

    func testLineAndNestedBlockCommentsAreSkipped() {
        XCTAssertEqual(lex("a // line\nb /* block /* nested */ still comment */ c").tokens,
                       [.identifier("a"), .identifier("b"), .identifier("c")])
    }

    func testDecimalIntegersWithUnderscores() {
        XCTAssertEqual(lex("0 42 1_000_000").tokens, [.int(0), .int(42), .int(1_000_000)])
    }

    func testHexOctalAndBinaryIntegers() {
        XCTAssertEqual(lex("0xff 0o17 0b1010 0xFF_FF").tokens, [.int(255), .int(15), .int(10), .int(0xFFFF)])
    }

    func testFloats() {
        XCTAssertEqual(lex("3.14 2.50 1e9 6.02e-23 1E+3").tokens,
                       [.float(3.14), .float(2.5), .float(1e9), .float(6.02e-23), .float(1000)])
    }

    func testRangeBetweenIntegersIsNotAFloat() {
        XCTAssertEqual(lex("0..10").tokens, [.int(0), .dotDot, .int(10)])
        XCTAssertEqual(lex("0..=10").tokens, [.int(0), .dotDotEqual, .int(10)])
    }

    func testNestedTupleFieldsAreNotFloats() {
        XCTAssertEqual(lex("t.0.1").tokens, [.identifier("t"), .dot, .int(0), .dot, .int(1)])
    }

    func testMethodCallOnIntegerIsNotAFloat() {
        XCTAssertEqual(lex("1.max(2)").tokens,
                       [.int(1), .dot, .identifier("max"), .leftParen, .int(2), .rightParen])
    }

    func testTypeSuffixesOnNumbersAreAcceptedAndIgnored() {
        XCTAssertEqual(lex("10u8 255i64 2.5f64").tokens, [.int(10), .int(255), .float(2.5)])
    }

    func testStringEscapes() {
        XCTAssertEqual(lex(#""a\nb\tc\rd\\e\"f\0g""#).tokens, [.string("a\nb\tc\rd\\e\"f\0g")])
    }

    func testUnicodeEscape() {
        XCTAssertEqual(lex(#""\u{1F600} \u{41}""#).tokens, [.string("\u{1F600} A")])
    }

    func testStringsMayHoldUtf8AndNewlines() {
        XCTAssertEqual(lex("\"héllo\nwörld\"").tokens, [.string("héllo\nwörld")])
    }

    func testEveryOperatorAndPunctuationMark() {
        let source = "+ - * / % == != < <= > >= && || ! & | ^ << >> = += -= *= /= %= -> => <- . .. ..= :: : , ; ? ( ) { } [ ]"
        XCTAssertEqual(lex(source).tokens, [
            .plus, .minus, .star, .slash, .percent, .equalEqual, .bangEqual, .less, .lessEqual, .greater,
            .greaterEqual, .ampAmp, .pipePipe, .bang, .amp, .pipe, .caret, .shiftLeft, .shiftRight, .equal,
            .plusEqual, .minusEqual, .starEqual, .slashEqual, .percentEqual, .arrow, .fatArrow, .leftArrow,
            .dot, .dotDot, .dotDotEqual, .colonColon, .colon, .comma, .semicolon, .question, .leftParen,
            .rightParen, .leftBrace, .rightBrace, .leftBracket, .rightBracket,
        ])
        XCTAssertEqual(lex(source).messages, [])
    }

    func testOperatorsNeedNoSpaces() {
        XCTAssertEqual(lex("a+=b->c").tokens, [.identifier("a"), .plusEqual, .identifier("b"), .arrow, .identifier("c")])
    }

    func testLessThanMinusIsASend() {
        // As in Go, `<-` is one token: write `a < -1` for the comparison.
        XCTAssertEqual(lex("a<-1").tokens, [.identifier("a"), .leftArrow, .int(1)])
        XCTAssertEqual(lex("a < -1").tokens, [.identifier("a"), .less, .minus, .int(1)])
    }

    func testTokenSpansAreByteRanges() {
        let (tokens, _) = Lexer.tokenize(file: SourceFileID(raw: 0), bytes: Array("let xs = \"é\";".utf8))
        XCTAssertEqual(tokens.map { [$0.span.start, $0.span.end] },
                       [[0, 3], [4, 6], [7, 8], [9, 13], [13, 14], [14, 14]])
    }

    func testNextReturnsEndOfFileForever() {
        var lexer = Lexer(file: SourceFileID(raw: 0), bytes: Array("x".utf8))
        XCTAssertEqual(lexer.next().kind, .identifier("x"))
        XCTAssertEqual(lexer.next().kind, .eof)
        XCTAssertEqual(lexer.next().kind, .eof)
    }

    // MARK: - Lexical errors

    func testInvalidUtf8IsAnErrorWithLineAndColumn() {
        let bytes = Array("let a = 1;\nlet ".utf8) + [0xC3, 0x28] + Array(" = 2;".utf8)
        let (tokens, diagnostics) = lexBytes(bytes)
        XCTAssertEqual(diagnostics.map(\.message), ["invalid UTF-8 in source"])
        XCTAssertEqual(diagnostics.first?.span.start, 15)
        XCTAssertTrue(tokens.contains(.int(2)), "lexing continues after the error")
    }

    func testInvalidUtf8InsideStringsAndComments() {
        XCTAssertEqual(lexBytes(Array("\"a".utf8) + [0xFF] + Array("b\"".utf8)).diagnostics.map(\.message),
                       ["invalid UTF-8 in source"])
        XCTAssertEqual(lexBytes(Array("// a".utf8) + [0xED, 0xA0, 0x80] + Array("\nx".utf8)).diagnostics.map(\.message),
                       ["invalid UTF-8 in source"])
    }

    func testOverlongAndTruncatedUtf8AreRejected() {
        XCTAssertEqual(lexBytes([0x22, 0xC0, 0xAF, 0x22]).diagnostics.count, 1)  // overlong "/"
        XCTAssertEqual(lexBytes([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]).diagnostics.count, 1)  // above U+10FFFF
        XCTAssertEqual(lexBytes([0x22, 0xE2, 0x82]).diagnostics.map(\.message),
                       ["invalid UTF-8 in source", "unterminated string literal"])
    }

    func testNulByteIsAnError() {
        let (tokens, diagnostics) = lexBytes(Array("a".utf8) + [0] + Array("b".utf8))
        XCTAssertEqual(diagnostics.map(\.message), ["NUL byte in source"])
        XCTAssertEqual(diagnostics.first?.span, Span(file: SourceFileID(raw: 0), start: 1, end: 2))
        XCTAssertEqual(tokens, [.identifier("a"), .identifier("b")])
    }

    func testStrayCharactersAreErrors() {
        XCTAssertEqual(lex("a @ b # c $ ~").messages, [
            "unexpected character `@`", "unexpected character `#`", "unexpected character `$`",
            "unexpected character `~`",
        ])
        XCTAssertEqual(lex("a @ b").tokens, [.identifier("a"), .identifier("b")])
    }

    func testNonAsciiCharacterOutsideStringsIsAnError() {
        XCTAssertEqual(lex("let é = 1;").messages, ["unexpected character `é` (U+00E9)"])
    }

    func testControlCharacterIsNamedByCodePoint() {
        XCTAssertEqual(lex("a \u{7} b").messages, ["unexpected character `U+0007`"])
    }

    func testUnknownEscapeIsAnErrorPointingAtIt() {
        let (_, diagnostics) = lexBytes(Array(#"let s = "a\qb";"#.utf8))
        XCTAssertEqual(diagnostics.map(\.message), [#"unknown character escape `\q`"#])
        XCTAssertEqual(diagnostics.first?.span, Span(file: SourceFileID(raw: 0), start: 10, end: 12))
    }

    func testInvalidUnicodeEscapes() {
        XCTAssertEqual(lex(#""\u{D800}""#).messages,
                       ["invalid unicode escape: U+D800 is not a Unicode scalar value"])
        XCTAssertEqual(lex(#""\u{110000}""#).messages,
                       ["invalid unicode escape: U+110000 is not a Unicode scalar value"])
        XCTAssertEqual(lex(#""\u{1234567}""#).messages, ["unicode escape must have 1 to 6 hex digits"])
        XCTAssertEqual(lex(#""\u41""#).messages, ["incorrect unicode escape"])
        XCTAssertEqual(lex(#""\u{41""#).messages, ["unterminated unicode escape"])
    }

    func testUnterminatedStringIsAnError() {
        let (tokens, diagnostics) = lexBytes(Array("let s = \"abc".utf8))
        XCTAssertEqual(diagnostics.map(\.message), ["unterminated string literal"])
        XCTAssertEqual(diagnostics.first?.span.start, 8)
        XCTAssertEqual(tokens.last, .string("abc"))
    }

    func testUnterminatedBlockCommentIsAnError() {
        let (_, diagnostics) = lexBytes(Array("a /* one /* two */ b".utf8))
        XCTAssertEqual(diagnostics.map(\.message), ["unterminated block comment"])
        XCTAssertEqual(diagnostics.first?.span, Span(file: SourceFileID(raw: 0), start: 2, end: 4))
    }

    func testIntegerLiteralTooBigForSixtyFourBitsIsAnError() {
        let (tokens, diagnostics) = lexBytes(Array("x = 18446744073709551616;".utf8))
        XCTAssertEqual(diagnostics.map(\.message), ["integer literal is too large"])
        XCTAssertEqual(diagnostics.first?.span, Span(file: SourceFileID(raw: 0), start: 4, end: 24))
        XCTAssertTrue(tokens.contains(.int(0)))
        XCTAssertEqual(lex("0x1_0000_0000_0000_0000").messages, ["integer literal is too large"])
    }

    func testBadDigitsInRadixLiterals() {
        XCTAssertEqual(lex("0b102").messages, ["invalid digit `2` in binary literal"])
        XCTAssertEqual(lex("0o8").messages, ["invalid digit `8` in octal literal"])
        XCTAssertEqual(lex("0xfg").messages, ["invalid digit `g` in hexadecimal literal"])
        XCTAssertEqual(lex("0x").messages, ["missing digits after the integer base prefix"])
    }

    func testInvalidNumberSuffix() {
        XCTAssertEqual(lex("3px").messages, ["invalid suffix `px` for integer literal"])
        XCTAssertEqual(lex("1.5e").messages, ["invalid suffix `e` for float literal"])
    }

    func testFloatOutOfRange() {
        XCTAssertEqual(lex("1e999").messages, ["float literal is out of range"])
    }

    func testErrorsDoNotStopLexing() {
        let (tokens, messages) = lex("@ \"a\\q\" # 99999999999999999999 ok")
        XCTAssertEqual(messages.count, 4)
        XCTAssertEqual(tokens.last, .identifier("ok"))
    }

    // MARK: - REPL completeness

    func testCompletenessOfReplInput() {
        XCTAssertEqual(Lexer.completeness(of: "let x = 1;"), .complete)
        XCTAssertEqual(Lexer.completeness(of: "fn f() {"), .incomplete)
        XCTAssertEqual(Lexer.completeness(of: "foo(1,"), .incomplete)
        XCTAssertEqual(Lexer.completeness(of: "[1, 2"), .incomplete)
        XCTAssertEqual(Lexer.completeness(of: "let s = \"abc"), .incomplete)
        XCTAssertEqual(Lexer.completeness(of: "/* note"), .incomplete)
        XCTAssertEqual(Lexer.completeness(of: "let s = \"{\";"), .complete)
        XCTAssertEqual(Lexer.completeness(of: "// {"), .complete)
        XCTAssertEqual(Lexer.completeness(of: "f())"), .complete, "an extra `)` cannot be fixed by more input")
        XCTAssertEqual(Lexer.completeness(of: ""), .complete)
    }
}
