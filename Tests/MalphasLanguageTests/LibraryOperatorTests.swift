import XCTest
@testable import MalphasVM
import MalphasCompiler

final class LibraryOperatorTests: XCTestCase {
    // MARK: Arithmetic

    func testIntArithmetic() throws {
        XCTAssertEqual(shown(try Operators.add(.int(2), .int(3))), "5")
        XCTAssertEqual(shown(try Operators.subtract(.int(2), .int(3))), "-1")
        XCTAssertEqual(shown(try Operators.multiply(.int(4), .int(-3))), "-12")
        XCTAssertEqual(shown(try Operators.divide(.int(7), .int(2))), "3")
        XCTAssertEqual(shown(try Operators.divide(.int(-7), .int(2))), "-3")
        XCTAssertEqual(shown(try Operators.remainder(.int(-7), .int(2))), "-1")
        XCTAssertEqual(shown(try Operators.negate(.int(5))), "-5")
    }

    func testFloatArithmeticIsIEEE() throws {
        XCTAssertEqual(shown(try Operators.add(.float(0.5), .float(0.25))), "0.75")
        XCTAssertEqual(shown(try Operators.divide(.float(1), .float(0))), "inf")
        XCTAssertEqual(shown(try Operators.divide(.float(0), .float(0))), "NaN")
        XCTAssertEqual(shown(try Operators.remainder(.float(-7.5), .float(2))), "-1.5")
        XCTAssertEqual(shown(try Operators.negate(.float(0))), "-0")
    }

    func testIntOverflowIsAnError() {
        assertError("integer overflow in `+`") { try Operators.add(.int(Int.max), .int(1)) }
        assertError("integer overflow in `-`") { try Operators.subtract(.int(Int.min), .int(1)) }
        assertError("integer overflow in `*`") { try Operators.multiply(.int(Int.max), .int(2)) }
        assertError("integer overflow in `/`") { try Operators.divide(.int(Int.min), .int(-1)) }
        assertError("integer overflow in `%`") { try Operators.remainder(.int(Int.min), .int(-1)) }
        assertError("integer overflow in `-`") { try Operators.negate(.int(Int.min)) }
    }

    func testDivisionByZeroIsAnError() {
        assertError("division by zero") { try Operators.divide(.int(1), .int(0)) }
        assertError("division by zero in `%`") { try Operators.remainder(.int(1), .int(0)) }
    }

    func testMixingIntAndFloatIsAnErrorThatSuggestsAs() {
        assertError("cannot add int and float; convert with `as`") { try Operators.add(.int(1), .float(1)) }
        assertError("cannot subtract int from float; convert with `as`") { try Operators.subtract(.float(1), .int(1)) }
        assertError("cannot multiply int by float; convert with `as`") { try Operators.multiply(.int(1), .float(1)) }
        assertError("cannot divide float by int; convert with `as`") { try Operators.divide(.float(1), .int(1)) }
        assertError("cannot take the remainder of int divided by float; convert with `as`") {
            try Operators.remainder(.int(1), .float(1))
        }
    }

    func testStringConcatenation() throws {
        XCTAssertEqual(Printer.display(try Operators.add(str("ab"), str("cd"))), "abcd")
        XCTAssertEqual(Printer.display(try Operators.add(str(""), str("x"))), "x")
        assertError("cannot add string and int; convert with `to_string` or use `format`") {
            try Operators.add(str("a"), .int(1))
        }
        assertError("cannot add list and list; use `extend` to append a list to another") {
            try Operators.add(ints(1), ints(2))
        }
        assertError("cannot add bool and bool") { try Operators.add(.bool(true), .bool(true)) }
        assertError("cannot add Point and Point") { try Operators.add(point(1, 2), point(1, 2)) }
    }

    func testOperandsAreReadThroughReferences() throws {
        XCTAssertEqual(shown(try Operators.add(.reference(ReferenceBox(.int(2))), .int(3))), "5")
    }

    // MARK: Bits and logic

    func testBitwiseOperators() throws {
        XCTAssertEqual(shown(try Operators.bitAnd(.int(12), .int(10))), "8")
        XCTAssertEqual(shown(try Operators.bitOr(.int(12), .int(10))), "14")
        XCTAssertEqual(shown(try Operators.bitXor(.int(12), .int(10))), "6")
        XCTAssertEqual(shown(try Operators.bitAnd(.bool(true), .bool(false))), "false")
        XCTAssertEqual(shown(try Operators.bitOr(.bool(true), .bool(false))), "true")
        XCTAssertEqual(shown(try Operators.bitXor(.bool(true), .bool(true))), "false")
        XCTAssertEqual(shown(try Operators.not(.bool(true))), "false")
        XCTAssertEqual(shown(try Operators.not(.int(0))), "-1")
        assertError("cannot apply `&` to float and float; bitwise operators work on ints (convert with `as`)") {
            try Operators.bitAnd(.float(1), .float(1))
        }
        assertError("cannot apply `!` to string") { try Operators.not(str("a")) }
        assertError("cannot negate string") { try Operators.negate(str("a")) }
    }

    func testShiftsDiscardBitsAndCheckTheAmount() throws {
        XCTAssertEqual(shown(try Operators.shiftLeft(.int(1), .int(62))), "4611686018427387904")
        XCTAssertEqual(shown(try Operators.shiftLeft(.int(3), .int(63))), "-9223372036854775808")
        XCTAssertEqual(shown(try Operators.shiftRight(.int(-16), .int(2))), "-4")
        assertError("shift amount 64 out of range in `<<`; it must be 0 to 63") { try Operators.shiftLeft(.int(1), .int(64)) }
        assertError("shift amount -1 out of range in `>>`; it must be 0 to 63") { try Operators.shiftRight(.int(1), .int(-1)) }
    }

    // MARK: Equality

    func testEqualityIsStructural() throws {
        XCTAssertTrue(try Operators.equals(ints(1, 2), ints(1, 2)))
        XCTAssertFalse(try Operators.equals(ints(1, 2), ints(1, 3)))
        XCTAssertFalse(try Operators.equals(ints(1, 2), ints(1, 2, 3)))
        XCTAssertTrue(try Operators.equals(tuple(.int(1), str("a")), tuple(.int(1), str("a"))))
        XCTAssertTrue(try Operators.equals(point(1, 2), point(1, 2)))
        XCTAssertFalse(try Operators.equals(point(1, 2), point(2, 1)))
        XCTAssertTrue(try Operators.equals(rect(1, 2), rect(1, 2)))
        XCTAssertFalse(try Operators.equals(rect(1, 2), emptyShape))
        XCTAssertTrue(try Operators.equals(str("é"), str("é")))
        XCTAssertTrue(try Operators.notEquals(str("a"), str("b")))
    }

    func testStringEqualityComparesBytesNotCanonicalEquivalence() throws {
        // Precomposed é and e + combining acute are equal to Swift, not to Malphas.
        XCTAssertFalse(try Operators.equals(str("\u{E9}"), str("e\u{301}")))
    }

    func testMapsAreEqualRegardlessOfInsertionOrder() throws {
        let a = map((str("a"), .int(1)), (str("b"), .int(2)))
        let b = map((str("b"), .int(2)), (str("a"), .int(1)))
        XCTAssertTrue(try Operators.equals(a, b))
        XCTAssertFalse(try Operators.equals(a, map((str("a"), .int(1)))))
        XCTAssertFalse(try Operators.equals(a, map((str("a"), .int(1)), (str("b"), .int(3)))))
    }

    func testValuesOfDifferentTypesAreUnequal() throws {
        XCTAssertFalse(try Operators.equals(.int(1), str("1")))
        XCTAssertFalse(try Operators.equals(.nil, .int(0)))
        XCTAssertTrue(try Operators.equals(.nil, .nil))
        XCTAssertTrue(try Operators.equals(.unit, .unit))
        XCTAssertFalse(try Operators.equals(ints(1), tuple(.int(1))))
    }

    func testComparingIntWithFloatIsAnError() {
        assertError("cannot compare int and float with `==`; convert with `as`") { try Operators.equals(.int(1), .float(1)) }
        assertError("cannot compare float and int with `==`; convert with `as`") { try Operators.equals(list(.float(1)), ints(1)) }
    }

    func testNaNIsNotEqualToItself() throws {
        XCTAssertFalse(try Operators.equals(.float(.nan), .float(.nan)))
        XCTAssertTrue(try Operators.equals(.float(0.0), .float(-0.0)))
    }

    func testFunctionsAndChannelsCompareByIdentity() throws {
        let f = closure(named: "f")
        XCTAssertTrue(try Operators.equals(.function(f), .function(f)))
        XCTAssertFalse(try Operators.equals(.function(f), .function(closure(named: "f"))))
        let c = ChannelBox(capacity: 0)
        XCTAssertTrue(try Operators.equals(.channel(c), .channel(c)))
    }

    func testDeeplyNestedListsCompareWithoutRecursion() throws {
        var a = ints(1)
        var b = ints(1)
        for _ in 0..<100_000 { a = list(a); b = list(b) }
        XCTAssertTrue(try Operators.equals(a, b))
        XCTAssertFalse(try Operators.lessThan(a, b))
    }

    func testDeeplyNestedListIsReleasedWithoutRecursion() {
        var v = ints(1)
        for _ in 0..<200_000 { v = list(v) }
        v = .nil  // would overflow the native stack if released recursively
        XCTAssertEqual(shown(v), "nil")
    }

    // MARK: Ordering

    func testOrderingOfIntsFloatsAndStrings() throws {
        XCTAssertTrue(try Operators.lessThan(.int(1), .int(2)))
        XCTAssertTrue(try Operators.lessOrEqual(.int(2), .int(2)))
        XCTAssertTrue(try Operators.greaterThan(.float(2.5), .float(2)))
        XCTAssertTrue(try Operators.greaterOrEqual(str("b"), str("abc")))
        XCTAssertTrue(try Operators.lessThan(str("Z"), str("a")))
        XCTAssertTrue(try Operators.lessThan(str("ab"), str("abc")))
    }

    func testComparisonsWithNaNAreFalse() throws {
        XCTAssertFalse(try Operators.lessThan(.float(.nan), .float(1)))
        XCTAssertFalse(try Operators.greaterOrEqual(.float(.nan), .float(1)))
    }

    func testListsAndTuplesOrderLexicographically() throws {
        XCTAssertTrue(try Operators.lessThan(ints(1, 2), ints(1, 3)))
        XCTAssertTrue(try Operators.lessThan(ints(1, 2), ints(1, 2, 0)))
        XCTAssertTrue(try Operators.greaterThan(tuple(.int(2), str("a")), tuple(.int(1), str("z"))))
        XCTAssertTrue(try Operators.lessOrEqual(list(ints(1), ints(2)), list(ints(1), ints(2))))
    }

    func testOrderingOtherTypesIsAnErrorNamingThem() {
        assertError("cannot compare bool and bool with `<`; ordering works on ints, floats, strings, and lists and tuples of them") {
            try Operators.lessThan(.bool(true), .bool(false))
        }
        assertError("cannot compare int and float with `>`; convert with `as`") { try Operators.greaterThan(.int(1), .float(1)) }
        assertError("cannot compare Point and Point with `<=`; ordering works on ints, floats, strings, and lists and tuples of them") {
            try Operators.lessOrEqual(point(1, 2), point(1, 2))
        }
    }

    // MARK: Indexing

    func testListIndex() throws {
        XCTAssertEqual(shown(try Operators.index(ints(10, 20, 30), .int(1))), "20")
        assertError("index 7 out of range for list of length 3") { try Operators.index(ints(1, 2, 3), .int(7)) }
        assertError("index -1 out of range for list of length 3") { try Operators.index(ints(1, 2, 3), .int(-1)) }
        assertError("list index must be an int, got string") { try Operators.index(ints(1), str("0")) }
        assertError("cannot index into int") { try Operators.index(.int(1), .int(0)) }
    }

    func testStringIndexGivesTheCharacterAtAByteOffset() throws {
        XCTAssertEqual(shown(try Operators.index(str("héllo"), .int(1))), "\"é\"")
        XCTAssertEqual(shown(try Operators.index(str("héllo"), .int(3))), "\"l\"")
        assertError("byte index 2 is not a character boundary; it is inside 'é' (bytes 1..3)") {
            try Operators.index(str("héllo"), .int(2))
        }
        assertError("index 6 out of range for string of length 6") { try Operators.index(str("héllo"), .int(6)) }
    }

    func testMapIndex() throws {
        let m = map((str("a"), .int(1)))
        XCTAssertEqual(shown(try Operators.index(m, str("a"))), "1")
        assertError("key \"b\" not found in map; use `get` to get nil instead") { try Operators.index(m, str("b")) }
    }

    func testTupleIndexAndRangeIndex() throws {
        XCTAssertEqual(shown(try Operators.index(tuple(.int(1), str("a")), .int(1))), "\"a\"")
        XCTAssertEqual(shown(try Operators.index(ints(1, 2, 3, 4), .range(RangeBox(lower: 1, upper: 3, inclusive: false)))), "[2, 3]")
    }

    func testSetIndexCopiesOnlyWhenShared() throws {
        var v = ints(1, 2, 3)
        let before = boxIdentity(v)
        try Operators.setIndex(&v, .int(0), .int(9))
        XCTAssertEqual(boxIdentity(v), before)
        let shared = v
        try Operators.setIndex(&v, .int(1), .int(8))
        XCTAssertEqual(shown(v), "[9, 8, 3]")
        XCTAssertEqual(shown(shared), "[9, 2, 3]")
    }

    func testSetIndexErrors() {
        var v = ints(1)
        assertError("index 1 out of range for list of length 1") { try Operators.setIndex(&v, .int(1), .int(0)) }
        var s = str("abc")
        assertError("cannot assign to part of a string: strings are immutable; build a new one with `+`, `replace` or slicing") {
            try Operators.setIndex(&s, .int(0), str("x"))
        }
    }

    func testSetIndexOnMapInsertsOrOverwrites() throws {
        var m = map((str("a"), .int(1)))
        try Operators.setIndex(&m, str("a"), .int(2))
        try Operators.setIndex(&m, str("b"), .int(3))
        XCTAssertEqual(shown(m), "{\"a\": 2, \"b\": 3}")
    }

    func testSetIndexThroughAReference() throws {
        let cell = ReferenceBox(ints(1, 2))
        var r = Value.reference(cell)
        try Operators.setIndex(&r, .int(1), .int(5))
        XCTAssertEqual(shown(cell.value), "[1, 5]")
    }

    // MARK: Slicing

    func testListSlices() throws {
        let v = ints(0, 1, 2, 3, 4)
        XCTAssertEqual(shown(try Operators.slice(v, lower: 1, upper: 3, inclusive: false)), "[1, 2]")
        XCTAssertEqual(shown(try Operators.slice(v, lower: 1, upper: 3, inclusive: true)), "[1, 2, 3]")
        XCTAssertEqual(shown(try Operators.slice(v, lower: nil, upper: 2, inclusive: false)), "[0, 1]")
        XCTAssertEqual(shown(try Operators.slice(v, lower: 3, upper: nil, inclusive: false)), "[3, 4]")
        XCTAssertEqual(shown(try Operators.slice(v, lower: nil, upper: nil, inclusive: false)), "[0, 1, 2, 3, 4]")
        XCTAssertEqual(shown(try Operators.slice(v, lower: 5, upper: 5, inclusive: false)), "[]")
        assertError("slice 2..7 out of range for list of length 5") { try Operators.slice(v, lower: 2, upper: 7, inclusive: false) }
        assertError("slice 0..=5 out of range for list of length 5") { try Operators.slice(v, lower: 0, upper: 5, inclusive: true) }
        assertError("slice 3..1 starts at 3 but ends at 1") { try Operators.slice(v, lower: 3, upper: 1, inclusive: false) }
        assertError("cannot slice int; slicing works on lists and strings") { try Operators.slice(.int(1), lower: 0, upper: 1, inclusive: false) }
    }

    func testStringSlicesAreByBytesOnCharacterBoundaries() throws {
        XCTAssertEqual(Printer.display(try Operators.slice(str("hello"), lower: 1, upper: 4, inclusive: false)), "ell")
        XCTAssertEqual(Printer.display(try Operators.slice(str("héllo"), lower: 0, upper: 3, inclusive: false)), "hé")
        assertError("byte index 2 is not a character boundary; it is inside 'é' (bytes 1..3)") {
            try Operators.slice(str("héllo"), lower: 0, upper: 2, inclusive: false)
        }
        assertError("slice 0..9 out of range for string of length 5") {
            try Operators.slice(str("hello"), lower: 0, upper: 9, inclusive: false)
        }
    }

    // MARK: Casts

    func testCasts() throws {
        XCTAssertEqual(shown(try Conversions.cast(.int(3), to: .float)), "3")
        XCTAssertEqual(shown(try Conversions.cast(.float(3.99), to: .int)), "3")
        XCTAssertEqual(shown(try Conversions.cast(.float(-3.99), to: .int)), "-3")
        XCTAssertEqual(shown(try Conversions.cast(.bool(true), to: .int)), "1")
        XCTAssertEqual(shown(try Conversions.cast(.float(2.5), to: .string)), "\"2.5\"")
        XCTAssertEqual(shown(try Conversions.cast(ints(1, 2), to: .string)), "\"[1, 2]\"")
        XCTAssertEqual(shown(try Conversions.cast(str("x"), to: .string)), "\"x\"")
        XCTAssertEqual(shown(try Conversions.cast(.float(-9.223372036854775808e18), to: .int)), "-9223372036854775808")
    }

    func testCastErrors() {
        assertError("cannot convert NaN to int") { try Conversions.cast(.float(.nan), to: .int) }
        assertError("float 1e+20 is out of range for int") { try Conversions.cast(.float(1e20), to: .int) }
        assertError("float inf is out of range for int") { try Conversions.cast(.float(.infinity), to: .int) }
        assertError("float 9.223372036854776e+18 is out of range for int") { try Conversions.cast(.float(9223372036854775808.0), to: .int) }
        assertError("cannot convert string to int with `as`; use `parse_int()`") { try Conversions.cast(str("1"), to: .int) }
        assertError("cannot convert string to float with `as`; use `parse_float()`") { try Conversions.cast(str("1"), to: .float) }
        assertError("cannot convert int to bool with `as`; compare with `!= 0`") { try Conversions.cast(.int(1), to: .bool) }
        assertError("cannot convert list to int with `as`") { try Conversions.cast(ints(1), to: .int) }
    }

    func testCastTargetNames() {
        XCTAssertEqual(CastTarget(typeName: "u8"), .int)
        XCTAssertEqual(CastTarget(typeName: "f32"), .float)
        XCTAssertEqual(CastTarget(typeName: "String"), .string)
        XCTAssertNil(CastTarget(typeName: "Point"))
    }
}
