import XCTest
@testable import MalphasVM

final class LibraryPrinterTests: XCTestCase {
    func testIntsPrintInDecimal() {
        XCTAssertEqual(Printer.display(.int(0)), "0")
        XCTAssertEqual(Printer.display(.int(-42)), "-42")
        XCTAssertEqual(Printer.display(.int(Int.min)), "-9223372036854775808")
        XCTAssertEqual(Printer.display(.int(Int.max)), "9223372036854775807")
        XCTAssertEqual(Printer.display(.int(1_000_000)), "1000000")
    }

    func testFloatOnePrintsAsOne() { XCTAssertEqual(Printer.display(.float(1.0)), "1") }
    func testFloatTwoPointFiftyPrintsAsTwoPointFive() { XCTAssertEqual(Printer.display(.float(2.50)), "2.5") }
    func testFloatShortestRoundTrip() {
        XCTAssertEqual(Printer.display(.float(0.1 + 0.2)), "0.30000000000000004")
        XCTAssertEqual(Printer.display(.float(3.14)), "3.14")
        XCTAssertEqual(Printer.display(.float(-0.5)), "-0.5")
    }
    func testLargeFloatsUseExponentFromTwoToThe53() {
        XCTAssertEqual(Printer.display(.float(1e15)), "1000000000000000")
        XCTAssertEqual(Printer.display(.float(9007199254740992.0)), "9007199254740992")
        XCTAssertEqual(Printer.display(.float(1e16)), "1e+16")
        XCTAssertEqual(Printer.display(.float(1e20)), "1e+20")
        XCTAssertEqual(Printer.display(.float(1.5e300)), "1.5e+300")
    }
    func testSmallFloatsUseExponentBelowOneTenThousandth() {
        XCTAssertEqual(Printer.display(.float(0.0001)), "0.0001")
        XCTAssertEqual(Printer.display(.float(0.00001)), "1e-5")
        XCTAssertEqual(Printer.display(.float(6.02e-23)), "6.02e-23")
    }
    func testSpecialFloats() {
        XCTAssertEqual(Printer.display(.float(.infinity)), "inf")
        XCTAssertEqual(Printer.display(.float(-.infinity)), "-inf")
        XCTAssertEqual(Printer.display(.float(.nan)), "NaN")
        XCTAssertEqual(Printer.display(.float(-0.0)), "-0")
        XCTAssertEqual(Printer.display(.float(0.0)), "0")
    }

    func testScalars() {
        XCTAssertEqual(Printer.display(.bool(true)), "true")
        XCTAssertEqual(Printer.display(.bool(false)), "false")
        XCTAssertEqual(Printer.display(.nil), "nil")
        XCTAssertEqual(Printer.display(.unit), "()")
    }

    func testStringDisplaysRawAndDebugsQuoted() {
        XCTAssertEqual(Printer.display(str("hi \"you\"")), "hi \"you\"")
        XCTAssertEqual(Printer.debug(str("hi \"you\"\n\t\\")), "\"hi \\\"you\\\"\\n\\t\\\\\"")
        XCTAssertEqual(Printer.debug(str("\u{1}\u{7f}\0é")), "\"\\u{1}\\u{7f}\\0é\"")
    }

    func testListsTuplesAndNestedStrings() {
        XCTAssertEqual(Printer.display(ints(1, 2, 3)), "[1, 2, 3]")
        XCTAssertEqual(Printer.display(list()), "[]")
        XCTAssertEqual(Printer.display(list(str("a"), str("b"))), "[\"a\", \"b\"]")
        XCTAssertEqual(Printer.display(tuple(.int(1), str("a"))), "(1, \"a\")")
        XCTAssertEqual(Printer.display(tuple(.int(1))), "(1,)")
        XCTAssertEqual(Printer.display(list(ints(1), list(), tuple(.float(1.5), .nil))), "[[1], [], (1.5, nil)]")
    }

    func testStructsAndVariants() {
        XCTAssertEqual(Printer.display(point(1, 2)), "Point { x: 1, y: 2 }")
        XCTAssertEqual(Printer.display(.record(RecordBox(type: emptyType, fields: []))), "Marker {}")
        XCTAssertEqual(Printer.display(circle(.int(5))), "Circle(5)")
        XCTAssertEqual(Printer.display(rect(3, 4)), "Rect(3, 4)")
        XCTAssertEqual(Printer.display(emptyShape), "Empty")
        XCTAssertEqual(Printer.display(circle(str("r"))), "Circle(\"r\")")
        XCTAssertEqual(Printer.display(list(point(0, 0), emptyShape)), "[Point { x: 0, y: 0 }, Empty]")
    }

    func testMapsPrintInInsertionOrder() {
        XCTAssertEqual(Printer.display(map((str("b"), .int(2)), (str("a"), .int(1)))), "{\"b\": 2, \"a\": 1}")
        XCTAssertEqual(Printer.display(map()), "{}")
        XCTAssertEqual(Printer.display(map((.int(1), ints(1, 2)))), "{1: [1, 2]}")
    }

    func testFunctionsChannelsRangesAndReferences() {
        XCTAssertEqual(Printer.display(.function(closure(named: "add"))), "<fn add>")
        XCTAssertEqual(Printer.display(.native(NativeFunctionBox(.println))), "<fn println>")
        XCTAssertEqual(Printer.display(.channel(ChannelBox(capacity: 1))), "<chan>")
        XCTAssertEqual(Printer.display(.range(RangeBox(lower: 0, upper: 10, inclusive: false))), "0..10")
        XCTAssertEqual(Printer.display(.range(RangeBox(lower: 1, upper: 3, inclusive: true))), "1..=3")
        XCTAssertEqual(Printer.display(.reference(ReferenceBox(str("hi")))), "hi")
        XCTAssertEqual(Printer.display(list(.reference(ReferenceBox(str("hi"))))), "[\"hi\"]")
    }

    func testReferenceCyclePrintsCycleMarker() {
        let cell = ReferenceBox(.nil)
        cell.value = list(.int(1), .reference(cell))
        XCTAssertEqual(Printer.display(.reference(cell)), "[1, <cycle>]")
        cell.value = .nil  // break the cycle so the test does not leak
    }

    func testDeeplyNestedListPrintsWithoutRecursion() {
        var v = ints(1)
        for _ in 0..<100_000 { v = list(v) }
        let text = Printer.display(v)
        XCTAssertEqual(text.utf8.count, 200_003)
        XCTAssertTrue(text.hasPrefix("[[[[") && text.contains("[[1]]") && text.hasSuffix("]]]]"))
    }
}
