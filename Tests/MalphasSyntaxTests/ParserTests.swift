import XCTest
import MalphasSyntax

final class ParserTests: XCTestCase {
    func testFunctionWithTailExpression() {
        XCTAssertEqual(dumpFile("fn id[T](x: T) -> T { x }"), "(fn id[T] (x: T) -> T (block (tail x)))")
    }
}
