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
}
