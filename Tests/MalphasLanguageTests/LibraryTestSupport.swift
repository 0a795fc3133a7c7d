// Building values by hand for the value library's unit tests.

import XCTest
@testable import MalphasVM

func str(_ s: String) -> Value { .string(StringBox(s)) }
func list(_ items: Value...) -> Value { .list(ListBox(items)) }
func listOf(_ items: [Value]) -> Value { .list(ListBox(items)) }
func tuple(_ items: Value...) -> Value { .tuple(TupleBox(items)) }
func ints(_ items: Int...) -> Value { .list(ListBox(items.map { .int($0) })) }

let pointType = StructType(name: "Point", fieldNames: ["x", "y"])
let emptyType = StructType(name: "Marker", fieldNames: [])
let shapeType = EnumType(name: "Shape", variantNames: ["Circle", "Rect", "Empty"], variantArity: [1, 2, 0])

func point(_ x: Int, _ y: Int) -> Value { .record(RecordBox(type: pointType, fields: [.int(x), .int(y)])) }
func circle(_ r: Value) -> Value { .variant(VariantBox(type: shapeType, tag: 0, payload: [r])) }
func rect(_ w: Int, _ h: Int) -> Value { .variant(VariantBox(type: shapeType, tag: 1, payload: [.int(w), .int(h)])) }
let emptyShape = Value.variant(VariantBox(type: shapeType, tag: 2, payload: []))

func map(_ pairs: (Value, Value)...) -> Value {
    let box = MapBox()
    for (k, v) in pairs { box.put(try! MapKey(k), v) }
    return .map(box)
}

/// Asserts that `body` throws a `RuntimeError` with exactly `message`.
func assertError(_ message: String, kind: RuntimeError.Kind = .error, file: StaticString = #filePath, line: UInt = #line,
                 _ body: () throws -> Any) {
    do {
        let result = try body()
        XCTFail("expected error \"\(message)\", got \(result)", file: file, line: line)
    } catch let error as RuntimeError {
        XCTAssertEqual(error.message, message, file: file, line: line)
        XCTAssertEqual(error.kind, kind, file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

/// The display form, for asserting on results.
func shown(_ v: Value) -> String { Printer.debug(v) }

/// The identity of an aggregate's box, to tell an in-place mutation from a copy. (A helper,
/// so that no binding of the box outlives the call and counts as another holder.)
func boxIdentity(_ v: Value) -> ObjectIdentifier? {
    switch v {
    case .list(let b): return ObjectIdentifier(b)
    case .map(let b): return ObjectIdentifier(b)
    case .tuple(let b): return ObjectIdentifier(b)
    default: return nil
    }
}
