import XCTest
@testable import MalphasVM
import MalphasCompiler

final class LibraryMethodTests: XCTestCase {
    let context = BuiltinContext(output: .capture(), errorOutput: .capture(), input: Input(text: ""))

    @discardableResult
    func call(_ method: BuiltinMethod, _ receiver: inout Value, _ args: Value...) throws -> Value {
        try Methods.call(method, receiver: &receiver, args: args, context: context)
    }

    func result(_ method: BuiltinMethod, _ receiver: Value, _ args: Value...) throws -> String {
        var r = receiver
        return shown(try Methods.call(method, receiver: &r, args: args, context: context))
    }

    // MARK: Copy on write

    func testPushOnUniqueListMutatesInPlace() throws {
        var v = ints(1, 2)
        let before = boxIdentity(v)
        try call(.push, &v, .int(3))
        XCTAssertEqual(boxIdentity(v), before)
        XCTAssertEqual(shown(v), "[1, 2, 3]")
    }

    func testPushOnSharedListCopiesAndLeavesTheOtherAlone() throws {
        var v = ints(1, 2)
        let other = v
        try call(.push, &v, .int(3))
        XCTAssertNotEqual(boxIdentity(v), boxIdentity(other))
        XCTAssertEqual(shown(v), "[1, 2, 3]")
        XCTAssertEqual(shown(other), "[1, 2]")
    }

    func testPutOnUniqueMapMutatesInPlace() throws {
        var m = map()
        let before = boxIdentity(m)
        try call(.put, &m, str("a"), .int(1))
        XCTAssertEqual(boxIdentity(m), before)
        let other = m
        try call(.put, &m, str("b"), .int(2))
        XCTAssertNotEqual(boxIdentity(m), boxIdentity(other))
        XCTAssertEqual(shown(other), "{\"a\": 1}")
        XCTAssertEqual(shown(m), "{\"a\": 1, \"b\": 2}")
    }

    func testMutatingThroughAReferenceChangesTheTarget() throws {
        let cell = ReferenceBox(ints(1))
        var r = Value.reference(cell)
        try call(.push, &r, .int(2))
        XCTAssertEqual(shown(cell.value), "[1, 2]")
        XCTAssertEqual(try result(.len, r), "2")
    }

    // MARK: Lists

    func testPushPopAndLen() throws {
        var v = list()
        try call(.push, &v, .int(1))
        try call(.push, &v, str("a"))
        XCTAssertEqual(try result(.len, v), "2")
        XCTAssertEqual(shown(try call(.pop, &v)), "\"a\"")
        XCTAssertEqual(shown(v), "[1]")
    }

    func testPopOnEmptyListGivesNil() throws {
        var v = list()
        XCTAssertEqual(shown(try call(.pop, &v)), "nil")
    }

    func testGetOutOfRangeGivesNil() throws {
        XCTAssertEqual(try result(.get, ints(1, 2), .int(1)), "2")
        XCTAssertEqual(try result(.get, ints(1, 2), .int(2)), "nil")
        XCTAssertEqual(try result(.get, ints(1, 2), .int(-1)), "nil")
        assertError("method `get` on a list expects an int index, got string") { try self.result(.get, ints(1), str("0")) }
    }

    func testInsertAndRemove() throws {
        var v = ints(1, 3)
        try call(.insert, &v, .int(1), .int(2))
        try call(.insert, &v, .int(3), .int(4))
        XCTAssertEqual(shown(v), "[1, 2, 3, 4]")
        XCTAssertEqual(shown(try call(.remove, &v, .int(0))), "1")
        XCTAssertEqual(shown(v), "[2, 3, 4]")
        assertError("insertion index 5 out of range for list of length 3") { try self.call(.insert, &v, .int(5), .int(0)) }
        assertError("index 3 out of range for list of length 3") { try self.call(.remove, &v, .int(3)) }
    }

    func testIsEmptyFirstLastClear() throws {
        XCTAssertEqual(try result(.isEmpty, list()), "true")
        XCTAssertEqual(try result(.first, ints(4, 5)), "4")
        XCTAssertEqual(try result(.last, ints(4, 5)), "5")
        XCTAssertEqual(try result(.first, list()), "nil")
        var v = ints(1, 2)
        try call(.clear, &v)
        XCTAssertEqual(shown(v), "[]")
    }

    func testContainsAndIndexOfCompareStructurally() throws {
        XCTAssertEqual(try result(.contains, list(ints(1), ints(2)), ints(2)), "true")
        XCTAssertEqual(try result(.contains, ints(1, 2), .int(3)), "false")
        XCTAssertEqual(try result(.indexOf, list(str("a"), str("b")), str("b")), "1")
        XCTAssertEqual(try result(.indexOf, ints(1), .int(5)), "nil")
    }

    func testReverseAndExtend() throws {
        var v = ints(1, 2, 3)
        try call(.reverse, &v)
        XCTAssertEqual(shown(v), "[3, 2, 1]")
        try call(.extend, &v, ints(0, -1))
        XCTAssertEqual(shown(v), "[3, 2, 1, 0, -1]")
        assertError("method `extend` expects a list, got int") { try self.call(.extend, &v, .int(1)) }
    }

    func testSortOrdersIntsFloatsStringsAndTuples() throws {
        var a = ints(3, 1, 2)
        try call(.sort, &a)
        XCTAssertEqual(shown(a), "[1, 2, 3]")
        var b = list(.float(2.5), .float(.nan), .float(-1))
        try call(.sort, &b)
        XCTAssertEqual(shown(b), "[-1, 2.5, NaN]")
        var c = list(str("pear"), str("Apple"), str("apple"))
        try call(.sort, &c)
        XCTAssertEqual(shown(c), "[\"Apple\", \"apple\", \"pear\"]")
        var d = list(tuple(.int(2), str("b")), tuple(.int(1), str("z")), tuple(.int(2), str("a")))
        try call(.sort, &d)
        XCTAssertEqual(shown(d), "[(1, \"z\"), (2, \"a\"), (2, \"b\")]")
    }

    func testSortOfMixedTypesIsAnError() {
        var v = list(.int(1), str("a"))
        assertError("cannot compare string and int with `sort`; ordering works on ints, floats, strings, and lists and tuples of them") {
            try self.call(.sort, &v)
        }
    }

    func testJoinUsesDisplayForms() throws {
        XCTAssertEqual(try result(.join, list(str("a"), .int(1), .float(2.5)), str(", ")), "\"a, 1, 2.5\"")
        XCTAssertEqual(try result(.join, list(), str("-")), "\"\"")
        assertError("method `join` expects a string separator, got int") { try self.result(.join, ints(1), .int(0)) }
    }

    func testMapAndFilterCallBackIntoMalphas() throws {
        let double: Methods.Callback = { _, args in
            guard case .int(let n) = args[0] else { return .nil }
            return .int(n * 2)
        }
        var v = ints(1, 2, 3)
        XCTAssertEqual(shown(try Methods.call(.map, receiver: &v, args: [.nil], context: context, call: double)), "[2, 4, 6]")
        let odd: Methods.Callback = { _, args in
            guard case .int(let n) = args[0] else { return .nil }
            return .bool(n % 2 == 1)
        }
        XCTAssertEqual(shown(try Methods.call(.filter, receiver: &v, args: [.nil], context: context, call: odd)), "[1, 3]")
        assertError("method `filter` expects its function to return a bool, got int") {
            try Methods.call(.filter, receiver: &v, args: [.nil], context: self.context, call: double)
        }
    }

    func testIterCollectAndCloneReturnTheList() throws {
        XCTAssertEqual(try result(.iter, ints(1)), "[1]")
        XCTAssertEqual(try result(.collect, ints(1)), "[1]")
        XCTAssertEqual(try result(.clone, ints(1)), "[1]")
    }

    func testMethodArityErrorsNameTheMethod() {
        var v = list()
        assertError("method `push` takes 1 argument but 2 were supplied") { try self.call(.push, &v, .int(1), .int(2)) }
        assertError("method `len` takes 0 arguments but 1 was supplied") { try self.call(.len, &v, .int(1)) }
    }

    func testUnknownMethodsForAReceiverNameTheType() {
        assertError("no method `push` on string; strings are immutable: build a new one with `+`, `replace` or `format`") {
            try self.result(.push, str("a"), str("b"))
        }
        assertError("no method `contains` on map; use `contains_key`") { try self.result(.contains, map(), .int(1)) }
        assertError("no method `len` on int; `len` works on strings, lists, maps and channels") { try self.result(.len, .int(1)) }
        assertError("no method `keys` on Point") { try self.result(.keys, point(1, 2)) }
    }

    // MARK: Strings

    func testStringLenCountsBytes() throws {
        XCTAssertEqual(try result(.len, str("héllo")), "6")
        XCTAssertEqual(try result(.isEmpty, str("")), "true")
    }

    func testStringSearches() throws {
        XCTAssertEqual(try result(.contains, str("hello"), str("ell")), "true")
        XCTAssertEqual(try result(.contains, str("hello"), str("")), "true")
        XCTAssertEqual(try result(.startsWith, str("hello"), str("he")), "true")
        XCTAssertEqual(try result(.endsWith, str("hello"), str("lo")), "true")
        XCTAssertEqual(try result(.endsWith, str("hello"), str("he")), "false")
        XCTAssertEqual(try result(.find, str("héllo"), str("l")), "3")
        XCTAssertEqual(try result(.find, str("hello"), str("z")), "nil")
        XCTAssertEqual(try result(.find, str("aab"), str("ab")), "1")
        assertError("method `contains` on a string expects a string, got int") { try self.result(.contains, str("a"), .int(1)) }
    }

    func testSplitVariants() throws {
        XCTAssertEqual(try result(.split, str("a,b,,c"), str(",")), "[\"a\", \"b\", \"\", \"c\"]")
        XCTAssertEqual(try result(.split, str("a--b"), str("--")), "[\"a\", \"b\"]")
        XCTAssertEqual(try result(.split, str(""), str(",")), "[\"\"]")
        XCTAssertEqual(try result(.split, str("hé"), str("")), "[\"h\", \"é\"]")
        XCTAssertEqual(try result(.splitWhitespace, str("  a \t b\n")), "[\"a\", \"b\"]")
        XCTAssertEqual(try result(.lines, str("a\r\nb\n\nc\n")), "[\"a\", \"b\", \"\", \"c\"]")
    }

    func testTrimAndCase() throws {
        XCTAssertEqual(try result(.trim, str(" \t hi \n")), "\"hi\"")
        XCTAssertEqual(try result(.trimStart, str("  hi ")), "\"hi \"")
        XCTAssertEqual(try result(.trimEnd, str("  hi ")), "\"  hi\"")
        XCTAssertEqual(try result(.toUpper, str("straße")), "\"STRASSE\"")
        XCTAssertEqual(try result(.toLower, str("ÀB")), "\"àb\"")
    }

    func testReplaceAndRepeat() throws {
        XCTAssertEqual(try result(.replace, str("a-b-c"), str("-"), str("+")), "\"a+b+c\"")
        XCTAssertEqual(try result(.replace, str("aaa"), str("aa"), str("b")), "\"ba\"")
        XCTAssertEqual(try result(.replace, str("ab"), str(""), str("-")), "\"-a-b-\"")
        XCTAssertEqual(try result(.repeatString, str("ab"), .int(3)), "\"ababab\"")
        assertError("method `repeat` expects a count of 0 or more, got -1") { try self.result(.repeatString, str("a"), .int(-1)) }
    }

    func testCharsAndBytes() throws {
        XCTAssertEqual(try result(.chars, str("hé")), "[\"h\", \"é\"]")
        XCTAssertEqual(try result(.bytes, str("hé")), "[104, 195, 169]")
    }

    func testParseIntGivesAnIntOrNil() throws {
        XCTAssertEqual(try result(.parseInt, str("42")), "42")
        XCTAssertEqual(try result(.parseInt, str("-7")), "-7")
        XCTAssertEqual(try result(.parseInt, str("+7")), "7")
        XCTAssertEqual(try result(.parseInt, str("-9223372036854775808")), "-9223372036854775808")
        XCTAssertEqual(try result(.parseInt, str("9223372036854775808")), "nil")
        XCTAssertEqual(try result(.parseInt, str(" 1")), "nil")
        XCTAssertEqual(try result(.parseInt, str("1.5")), "nil")
        XCTAssertEqual(try result(.parseInt, str("")), "nil")
        XCTAssertEqual(try result(.parseInt, str("-")), "nil")
    }

    func testParseFloatGivesAFloatOrNil() throws {
        XCTAssertEqual(try result(.parseFloat, str("2.5")), "2.5")
        XCTAssertEqual(try result(.parseFloat, str("1e3")), "1000")
        XCTAssertEqual(try result(.parseFloat, str("-.5")), "-0.5")
        XCTAssertEqual(try result(.parseFloat, str("7")), "7")
        XCTAssertEqual(try result(.parseFloat, str("-inf")), "-inf")
        XCTAssertEqual(try result(.parseFloat, str("NaN")), "NaN")
        XCTAssertEqual(try result(.parseFloat, str("0x1p3")), "nil")
        XCTAssertEqual(try result(.parseFloat, str("abc")), "nil")
        XCTAssertEqual(try result(.parseFloat, str("")), "nil")
        XCTAssertEqual(try result(.parseFloat, str("1e")), "nil")
    }

    // MARK: Maps

    func testMapPutGetRemove() throws {
        var m = map()
        XCTAssertEqual(shown(try call(.put, &m, str("a"), .int(1))), "nil")
        XCTAssertEqual(shown(try call(.insert, &m, str("a"), .int(2))), "1")
        XCTAssertEqual(try result(.get, m, str("a")), "2")
        XCTAssertEqual(try result(.get, m, str("zz")), "nil")
        XCTAssertEqual(try result(.containsKey, m, str("a")), "true")
        XCTAssertEqual(shown(try call(.remove, &m, str("a"))), "2")
        XCTAssertEqual(shown(try call(.remove, &m, str("a"))), "nil")
        XCTAssertEqual(try result(.isEmpty, m), "true")
    }

    func testMapKeysValuesAndLenInInsertionOrder() throws {
        var m = map()
        for (k, v) in [("z", 1), ("a", 2), ("m", 3)] { try call(.put, &m, str(k), .int(v)) }
        try call(.remove, &m, str("a"))
        try call(.put, &m, str("a"), .int(4))
        XCTAssertEqual(try result(.keys, m), "[\"z\", \"m\", \"a\"]")
        XCTAssertEqual(try result(.values, m), "[1, 3, 4]")
        XCTAssertEqual(try result(.len, m), "3")
        try call(.clear, &m)
        XCTAssertEqual(shown(m), "{}")
    }

    func testMapGetReadsThroughAReferenceKey() throws {
        let m = map((str("k"), .int(1)))
        XCTAssertEqual(try result(.get, m, .reference(ReferenceBox(str("k")))), "1")
    }

    func testFloatsCannotBeMapKeys() {
        var m = map()
        assertError("cannot use a float as a map key; keys are ints, strings, bools, and tuples, lists, structs and enums of those") {
            try self.call(.put, &m, .float(1), .int(1))
        }
        assertError("cannot use this tuple as a map key: it contains a float") {
            try self.call(.put, &m, tuple(.int(1), .float(1)), .int(1))
        }
    }

    // MARK: Channels and numbers

    func testChannelLenAndCap() throws {
        let channel = ChannelBox(capacity: 3)
        XCTAssertEqual(try result(.len, .channel(channel)), "0")
        XCTAssertEqual(try result(.cap, .channel(channel)), "3")
    }

    func testNumberMethods() throws {
        XCTAssertEqual(try result(.abs, .int(-2)), "2")
        XCTAssertEqual(try result(.pow, .int(3), .int(2)), "9")
        XCTAssertEqual(try result(.sqrt, .float(9)), "3")
        XCTAssertEqual(try result(.min, .int(3), .int(2)), "2")
        XCTAssertEqual(try result(.max, .float(3), .float(2)), "3")
        XCTAssertEqual(try result(.toString, .float(0.5)), "\"0.5\"")
    }

    func testToStringOnAnything() throws {
        XCTAssertEqual(try result(.toString, point(1, 2)), "\"Point { x: 1, y: 2 }\"")
        XCTAssertEqual(try result(.toString, str("s")), "\"s\"")
        XCTAssertEqual(try result(.toString, .bool(true)), "\"true\"")
    }

    // MARK: Constructors

    func testConstructors() throws {
        XCTAssertEqual(shown(try Constructors.call(.vecNew, [])), "[]")
        XCTAssertEqual(shown(try Constructors.call(.vecWithCapacity, [.int(10)])), "[]")
        XCTAssertEqual(shown(try Constructors.call(.vecFrom, [ints(1, 2)])), "[1, 2]")
        XCTAssertEqual(shown(try Constructors.call(.hashMapNew, [])), "{}")
        XCTAssertEqual(shown(try Constructors.call(.stringNew, [])), "\"\"")
        XCTAssertEqual(shown(try Constructors.call(.stringFrom, [str("x")])), "\"x\"")
        assertError("`Vec::with_capacity` expects a capacity of 0 or more, got -1") { try Constructors.call(.vecWithCapacity, [.int(-1)]) }
        assertError("`Vec::new` takes 0 arguments but 1 was supplied") { try Constructors.call(.vecNew, [.int(1)]) }
    }

    // MARK: Rust conveniences

    func testEnumerateRevAndSum() throws {
        XCTAssertEqual(try result(.enumerate, list(str("a"), str("b"))), "[(0, \"a\"), (1, \"b\")]")
        XCTAssertEqual(try result(.rev, ints(1, 2, 3)), "[3, 2, 1]")
        XCTAssertEqual(try result(.sum, ints(1, 2, 3)), "6")
        XCTAssertEqual(try result(.sum, list(.float(0.5), .float(0.25))), "0.75")
        XCTAssertEqual(try result(.sum, list()), "0")
        assertError("integer overflow in `sum`") { try self.result(.sum, ints(Int.max, 1)) }
        assertError("method `sum` adds ints or floats, got int and string") { try self.result(.sum, list(.int(1), str("a"))) }
        assertError("method `sum` adds ints or floats, got string") { try self.result(.sum, list(str("a"))) }
    }

    func testUnwrapAndUnwrapOr() throws {
        XCTAssertEqual(try result(.unwrap, .int(3)), "3")
        assertError("called `unwrap()` on nil", kind: .panic) { try self.result(.unwrap, .nil) }
        XCTAssertEqual(try result(.unwrapOr, .nil, .int(0)), "0")
        XCTAssertEqual(try result(.unwrapOr, str("x"), str("y")), "\"x\"")
    }
}
