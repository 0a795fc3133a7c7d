import XCTest
@testable import MalphasVM

final class LibraryFormatTests: XCTestCase {
    func f(_ fmt: String, _ args: Value...) throws -> String { try Format.format(fmt, args) }

    func testPlaceholdersTakeDisplayForms() throws {
        XCTAssertEqual(try f("{} + {} = {}", .int(1), .int(2), .int(3)), "1 + 2 = 3")
        XCTAssertEqual(try f("name: {}", str("Ann")), "name: Ann")
        XCTAssertEqual(try f("{}", list(str("a"))), "[\"a\"]")
        XCTAssertEqual(try f("no placeholders"), "no placeholders")
        XCTAssertEqual(try f("{}{}", .float(1), .bool(true)), "1true")
    }

    func testDebugPlaceholderQuotesStrings() throws {
        XCTAssertEqual(try f("{:?}", str("a\"b")), "\"a\\\"b\"")
        XCTAssertEqual(try f("{:#?}", ints(1)), "[1]")
    }

    func testDoubledBracesAreLiteral() throws {
        XCTAssertEqual(try f("{{}} {{{}}}", .int(5)), "{} {5}")
    }

    func testCountMismatchIsAnError() {
        assertError("format: 2 placeholders but 3 arguments") { try self.f("{} {}", .int(1), .int(2), .int(3)) }
        assertError("format: 1 placeholder but 0 arguments") { try self.f("{}") }
        assertError("format: 0 placeholders but 1 argument") { try self.f("x", .int(1)) }
    }

    func testMalformedTemplatesAreErrors() {
        assertError("format: unmatched `{` in format string; write `{{` for a literal brace") { try self.f("a { b") }
        assertError("format: unmatched `}` in format string; write `}}` for a literal brace") { try self.f("a } b") }
        assertError("format: unsupported placeholder `{name}`; use `{}`, `{:?}` or a spec such as `{:>8}` or `{:.2}`") {
            try self.f("{name}", .int(1))
        }
    }

    func testWidthAndAlignment() throws {
        XCTAssertEqual(try f("[{:5}]", .int(42)), "[   42]")
        XCTAssertEqual(try f("[{:5}]", str("ab")), "[ab   ]")
        XCTAssertEqual(try f("[{:<5}]", .int(42)), "[42   ]")
        XCTAssertEqual(try f("[{:^6}]", str("ab")), "[  ab  ]")
        XCTAssertEqual(try f("[{:*>5}]", str("ab")), "[***ab]")
        XCTAssertEqual(try f("[{:2}]", str("abcd")), "[abcd]")
        XCTAssertEqual(try f("[{:>4}]", str("é")), "[   é]")
    }

    func testZeroPaddingAndSigns() throws {
        XCTAssertEqual(try f("{:05}", .int(-42)), "-0042")
        XCTAssertEqual(try f("{:+}", .int(42)), "+42")
        XCTAssertEqual(try f("{:+.1}", .float(2)), "+2.0")
    }

    func testFloatPrecision() throws {
        XCTAssertEqual(try f("{:.2}", .float(3.14159)), "3.14")
        XCTAssertEqual(try f("{:.0}", .float(2.5)), "2")
        XCTAssertEqual(try f("{:.3}", .float(-0.0005)), "-0.001")
        XCTAssertEqual(try f("{:8.2}", .float(3.14159)), "    3.14")
        XCTAssertEqual(try f("{:.2}", .int(7)), "7")
        XCTAssertEqual(try f("{:.2}", .float(.nan)), "NaN")
        XCTAssertEqual(try f("{:.2}", .float(-.infinity)), "-inf")
    }

    func testRadixes() throws {
        XCTAssertEqual(try f("{:x}", .int(255)), "ff")
        XCTAssertEqual(try f("{:X}", .int(255)), "FF")
        XCTAssertEqual(try f("{:#x}", .int(255)), "0xff")
        XCTAssertEqual(try f("{:b}", .int(5)), "101")
        XCTAssertEqual(try f("{:#010b}", .int(5)), "0b00000101")
        XCTAssertEqual(try f("{:o}", .int(8)), "10")
        XCTAssertEqual(try f("{:x}", .int(-1)), "ffffffffffffffff")
    }

    func testPlaceholderCount() {
        XCTAssertEqual(Format.placeholderCount("{} {:?} {{}}"), 2)
        XCTAssertNil(Format.placeholderCount("{"))
    }
}
