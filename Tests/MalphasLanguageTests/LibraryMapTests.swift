import XCTest
@testable import MalphasVM

final class LibraryMapTests: XCTestCase {
    func key(_ v: Value) -> MapKey { try! MapKey(v) }

    func testStructuralKeysFindEachOther() {
        let box = MapBox()
        box.put(key(tuple(.int(1), str("a"))), .int(1))
        box.put(key(point(1, 2)), .int(2))
        box.put(key(rect(3, 4)), .int(3))
        box.put(key(ints(1, 2)), .int(4))
        box.put(key(.nil), .int(5))
        box.put(key(.bool(true)), .int(6))
        XCTAssertEqual(box.value(for: key(tuple(.int(1), str("a")))).map(shown), "1")
        XCTAssertEqual(box.value(for: key(point(1, 2))).map(shown), "2")
        XCTAssertEqual(box.value(for: key(rect(3, 4))).map(shown), "3")
        XCTAssertEqual(box.value(for: key(ints(1, 2))).map(shown), "4")
        XCTAssertEqual(box.value(for: key(.nil)).map(shown), "5")
        XCTAssertEqual(box.value(for: key(.bool(true))).map(shown), "6")
        XCTAssertNil(box.value(for: key(point(2, 1))))
        XCTAssertNil(box.value(for: key(.int(1))))
    }

    func testIntAndStringKeysAreDistinct() {
        let box = MapBox()
        box.put(key(.int(1)), str("int"))
        box.put(key(str("1")), str("string"))
        XCTAssertEqual(box.count, 2)
    }

    func testRemovalKeepsOrderAndCompacts() {
        let box = MapBox()
        for i in 0..<100 { box.put(key(.int(i)), .int(i * i)) }
        for i in stride(from: 0, to: 100, by: 2) { box.remove(key(.int(i))) }
        XCTAssertEqual(box.count, 50)
        for i in 0..<90 where i % 2 == 1 { box.remove(key(.int(i))) }
        XCTAssertEqual(box.count, 5)
        XCTAssertLessThan(box.slotCount, 20)  // compacted
        XCTAssertEqual(shown(.map(box)), "{91: 8281, 93: 8649, 95: 9025, 97: 9409, 99: 9801}")
        XCTAssertEqual(box.value(for: key(.int(95))).map(shown), "9025")
    }

    func testIterationBySlotsSkipsHoles() {
        let box = MapBox()
        for i in 0..<5 { box.put(key(.int(i)), .int(i)) }
        box.remove(key(.int(1)))
        box.remove(key(.int(3)))
        var seen: [String] = []
        var slot = box.nextSlot(from: 0)
        while let s = slot {
            seen.append(shown(box.key(atSlot: s)))
            slot = box.nextSlot(from: s + 1)
        }
        XCTAssertEqual(seen, ["0", "2", "4"])
    }

    func testCopyingSqueezesOutHoles() {
        let box = MapBox()
        for i in 0..<5 { box.put(key(.int(i)), .int(i)) }
        box.remove(key(.int(0)))
        let copy = MapBox(copying: box)
        XCTAssertEqual(copy.slotCount, 4)
        XCTAssertEqual(copy.value(for: key(.int(4))).map(shown), "4")
        copy.put(key(.int(9)), .int(9))
        XCTAssertEqual(box.count, 4)
        XCTAssertEqual(copy.count, 5)
    }

    func testDeeplyNestedKeyHashesWithoutRecursion() {
        var v = ints(1)
        for _ in 0..<100_000 { v = list(v) }
        let box = MapBox()
        box.put(key(v), .int(1))
        XCTAssertEqual(box.value(for: key(v)).map(shown), "1")
    }

    func testKeysThatCannotBeUsed() {
        assertError("cannot use a map as a map key; keys are ints, strings, bools, and tuples, lists, structs and enums of those") {
            try MapKey(map())
        }
        assertError("cannot use this list as a map key: it contains a float") { try MapKey(list(.int(1), .float(2))) }
        assertError("cannot use this Point as a map key: it contains a reference") {
            try MapKey(.record(RecordBox(type: pointType, fields: [.int(1), .reference(ReferenceBox(.int(1)))])))
        }
    }
}
