import XCTest
@testable import MalphasVM

/// glibc's malloc_usable_size (malloc.h is not part of the Glibc module).
@_silgen_name("malloc_usable_size")
private func mallocUsableSize(_ pointer: UnsafeMutableRawPointer) -> Int

/// A million parked legions must fit in 512 bytes each (bench/parked): the parts every
/// parked legion holds keep the sizes that budget was measured with.
final class LegionLayoutTests: XCTestCase {
    func testAFrameIs32Bytes() {
        XCTAssertEqual(MemoryLayout<Frame>.stride, 32)
    }

    func testAChannelWaiterIs40Bytes() {
        XCTAssertEqual(MemoryLayout<Waiter>.stride, 40)
    }

    func testALegionObjectFitsA192ByteHeapBlock() {
        let legion = LegionState(id: 2, stackCapacity: 4)
        let bytes = mallocUsableSize(Unmanaged.passUnretained(legion).toOpaque())
        print("LegionState heap block: \(bytes) usable bytes")
        XCTAssertLessThanOrEqual(bytes, 184)
    }
}
