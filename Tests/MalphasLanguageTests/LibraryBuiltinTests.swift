import XCTest
@testable import MalphasVM
import MalphasCompiler

final class LibraryBuiltinTests: XCTestCase {
    var output = Output.capture()
    var context = BuiltinContext(output: .capture(), errorOutput: .capture(), input: Input(text: ""))

    override func setUp() {
        output = Output.capture()
        context = BuiltinContext(output: output, errorOutput: .capture(), input: Input(text: "first\r\nsecond\nlast"),
                                 args: ["a", "b"])
    }

    @discardableResult
    func call(_ f: BuiltinFunction, _ args: Value...) throws -> Value { try Builtins.call(f, args, context) }

    func printed(_ f: BuiltinFunction, _ args: Value...) throws -> String {
        _ = try Builtins.call(f, args, context)
        return output.capturedText
    }

    // MARK: println and print

    func testPrintlnOfOneValuePrintsItsDisplayForm() throws {
        XCTAssertEqual(try printed(.println, str("hi")), "hi\n")
        XCTAssertEqual(try printed(.println, list(str("a"))), "hi\n[\"a\"]\n")
    }

    func testPrintlnOfOneStringWithPlaceholdersPrintsItRaw() throws {
        XCTAssertEqual(try printed(.println, str("{} {{")), "{} {{\n")
    }

    func testPrintlnWithMatchingPlaceholdersFormats() throws {
        XCTAssertEqual(try printed(.println, str("{} + {} = {}"), .int(1), .int(2), .int(3)), "1 + 2 = 3\n")
    }

    func testPrintlnWithoutMatchingPlaceholdersConcatenatesDisplayForms() throws {
        XCTAssertEqual(try printed(.println, str("Rect: "), .int(3), str("x"), .int(4)), "Rect: 3x4\n")
        XCTAssertEqual(try printed(.print, str("{} {}"), .int(1)), "Rect: 3x4\n{} {}1")
    }

    func testPrintlnWithNoArgumentsPrintsANewline() throws {
        XCTAssertEqual(try printed(.println), "\n")
        XCTAssertEqual(try printed(.print), "\n")
    }

    func testPrintDoesNotAddANewline() throws {
        XCTAssertEqual(try printed(.print, .int(1)), "1")
        XCTAssertEqual(try printed(.print, .float(2.5)), "12.5")
    }

    // MARK: format, to_string, len

    func testFormatReturnsAString() throws {
        XCTAssertEqual(Printer.display(try call(.format, str("{}-{}"), .int(1), str("a"))), "1-a")
        assertError("builtin `format` expects a format string first, got int") { try self.call(.format, .int(1)) }
        assertError("format: 1 placeholder but 2 arguments") { try self.call(.format, str("{}"), .int(1), .int(2)) }
    }

    func testToStringIsTheDisplayForm() throws {
        XCTAssertEqual(shown(try call(.toString, .float(1))), "\"1\"")
        XCTAssertEqual(shown(try call(.toString, str("a"))), "\"a\"")
    }

    func testLenCountsBytesElementsEntriesAndBufferedItems() throws {
        XCTAssertEqual(shown(try call(.len, str("héllo"))), "6")
        XCTAssertEqual(shown(try call(.len, ints(1, 2))), "2")
        XCTAssertEqual(shown(try call(.len, map((.int(1), .int(2))))), "1")
        let channel = ChannelBox(capacity: 4)
        XCTAssertEqual(shown(try call(.len, .channel(channel))), "0")
        assertError("builtin `len` expects a string, list, map or channel, got int") { try self.call(.len, .int(1)) }
    }

    func testArityErrorsNameTheBuiltin() {
        assertError("builtin `sqrt` takes 1 argument but 2 were supplied") { try self.call(.sqrt, .int(1), .int(2)) }
        assertError("builtin `pow` takes 2 arguments but 1 was supplied") { try self.call(.pow, .int(1)) }
        assertError("builtin `assert_eq` takes at least 2 arguments but 1 was supplied") { try self.call(.assertEq, .int(1)) }
        assertError("builtin `format` takes at least 1 argument but 0 were supplied") { try self.call(.format) }
    }

    // MARK: panic and assertions

    func testPanicIsDistinguishable() {
        assertError("boom", kind: .panic) { try self.call(.panic, str("boom")) }
        assertError("explicit panic", kind: .panic) { try self.call(.panic) }
        assertError("[1]", kind: .panic) { try self.call(.panic, ints(1)) }
    }

    func testAssert() throws {
        try call(.assert, .bool(true))
        assertError("assertion failed", kind: .panic) { try self.call(.assert, .bool(false)) }
        assertError("assertion failed: x must be positive", kind: .panic) { try self.call(.assert, .bool(false), str("x must be positive")) }
        assertError("builtin `assert` expects a bool, got int") { try self.call(.assert, .int(1)) }
    }

    func testAssertEqShowsBothValues() throws {
        try call(.assertEq, ints(1, 2), ints(1, 2))
        assertError("assertion failed: left == right\n  left: 1\n right: 2", kind: .panic) { try self.call(.assertEq, .int(1), .int(2)) }
        assertError("assertion failed: left == right\n  left: \"a\"\n right: \"b\"", kind: .panic) { try self.call(.assertEq, str("a"), str("b")) }
        assertError("assertion failed: sums differ\n  left: 1\n right: 2", kind: .panic) { try self.call(.assertEq, .int(1), .int(2), str("sums differ")) }
    }

    // MARK: input, arguments, exit

    func testReadLineStripsTheNewlineAndGivesNilAtTheEnd() throws {
        XCTAssertEqual(shown(try call(.readLine)), "\"first\"")
        XCTAssertEqual(shown(try call(.readLine)), "\"second\"")
        XCTAssertEqual(shown(try call(.readLine)), "\"last\"")
        XCTAssertEqual(shown(try call(.readLine)), "nil")
    }

    func testReadLineFlushesOutputFirst() throws {
        let target = context.output
        try call(.print, str("prompt> "))
        try call(.readLine)
        XCTAssertEqual(target.capturedText, "prompt> ")
    }

    func testArgsListsTheProgramArguments() throws {
        XCTAssertEqual(shown(try call(.args)), "[\"a\", \"b\"]")
    }

    func testExitReportsItsStatus() {
        assertError("exit(3)", kind: .exit(3)) { try self.call(.exit, .int(3)) }
        assertError("exit(0)", kind: .exit(0)) { try self.call(.exit) }
        assertError("builtin `exit` expects an int status, got string") { try self.call(.exit, str("1")) }
    }

    func testBuiltinsRunByTheVMAreRefused() {
        assertError("internal error: builtin `sleep` is run by the VM, not the value library") { try self.call(.sleep, .int(1)) }
    }

    // MARK: math

    func testAbs() throws {
        XCTAssertEqual(shown(try call(.abs, .int(-3))), "3")
        XCTAssertEqual(shown(try call(.abs, .float(-2.5))), "2.5")
        assertError("integer overflow in `abs`") { try self.call(.abs, .int(Int.min)) }
        assertError("builtin `abs` expects an int or a float, got string") { try self.call(.abs, str("1")) }
    }

    func testMinAndMax() throws {
        XCTAssertEqual(shown(try call(.min, .int(3), .int(1), .int(2))), "1")
        XCTAssertEqual(shown(try call(.max, .int(3), .int(1), .int(2))), "3")
        XCTAssertEqual(shown(try call(.max, str("a"), str("b"))), "\"b\"")
        XCTAssertEqual(shown(try call(.min, ints(5, 4, 6))), "4")
        XCTAssertEqual(shown(try call(.min, list())), "nil")
        XCTAssertEqual(shown(try call(.max, .float(1), .float(.nan), .float(3))), "3")
        assertError("cannot compare float and int with `max`; convert with `as`") { try self.call(.max, .int(1), .float(2)) }
        assertError("builtin `min` expects two or more values or one list, got int") { try self.call(.min, .int(1)) }
    }

    func testSqrtFloorCeil() throws {
        XCTAssertEqual(shown(try call(.sqrt, .float(2.25))), "1.5")
        XCTAssertEqual(shown(try call(.sqrt, .int(16))), "4")
        XCTAssertEqual(shown(try call(.sqrt, .float(-1))), "NaN")
        XCTAssertEqual(shown(try call(.floor, .float(-2.5))), "-3")
        XCTAssertEqual(shown(try call(.ceil, .float(2.1))), "3")
        XCTAssertEqual(shown(try call(.floor, .int(7))), "7")
    }

    func testPow() throws {
        XCTAssertEqual(shown(try call(.pow, .int(2), .int(10))), "1024")
        XCTAssertEqual(shown(try call(.pow, .int(2), .int(62))), "4611686018427387904")
        XCTAssertEqual(shown(try call(.pow, .int(-3), .int(3))), "-27")
        XCTAssertEqual(shown(try call(.pow, .int(5), .int(0))), "1")
        XCTAssertEqual(shown(try call(.pow, .float(2), .float(0.5))), "1.4142135623730951")
        XCTAssertEqual(shown(try call(.pow, .float(2), .int(-1))), "0.5")
        assertError("integer overflow in `pow`") { try self.call(.pow, .int(2), .int(63)) }
        assertError("builtin `pow` on ints needs an exponent of 0 or more, got -1; use floats for negative powers") {
            try self.call(.pow, .int(2), .int(-1))
        }
        assertError("builtin `pow` cannot raise an int to a float power; convert with `as float`") { try self.call(.pow, .int(2), .float(1)) }
    }

    // MARK: the catalog

    func testCatalogArities() {
        XCTAssertEqual(BuiltinFunction(name: "assert_eq"), .assertEq)
        XCTAssertTrue(BuiltinFunction.println.isVariadic)
        XCTAssertTrue(BuiltinFunction.sleep.isHandledByVM)
        XCTAssertFalse(BuiltinFunction.len.isHandledByVM)
        XCTAssertEqual(BuiltinMethod(name: "starts_with")?.arity, 1...1)
        XCTAssertTrue(BuiltinMethod.push.mutatesReceiver)
        XCTAssertFalse(BuiltinMethod.close.mutatesReceiver)
        XCTAssertEqual(BuiltinConstructor(typeName: "Vec", member: "with_capacity"), .vecWithCapacity)
        XCTAssertEqual(BuiltinConstructor.hashMapNew.typeName, "HashMap")
        XCTAssertEqual(BuiltinConstructor.channelNew.member, "new")
        XCTAssertNil(BuiltinConstructor(typeName: "Vec", member: "old"))
    }
}
