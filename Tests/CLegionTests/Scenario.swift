import CLegion
import CLegionTestSupport
import XCTest

/// Runs a C scenario (Tests/CLegionTestSupport) and fails with its explanation.
func assertScenario(_ rc: Int32, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(rc, 0, "\(what): \(String(cString: lg_test_failure()))", file: file, line: line)
}

let contextAsm = Int32(LG_CONTEXT_ASM.rawValue)
let contextUcontext = Int32(LG_CONTEXT_UCONTEXT.rawValue)
