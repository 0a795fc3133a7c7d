import XCTest
@testable import MalphasVM

/// A channel's buffer and waiter queues (`ChunkQueue`): first in, first out across the
/// chunks, and what leaves the queue is let go of.
final class ChannelQueueTests: XCTestCase {
    private final class Item {
        let n: Int
        init(_ n: Int) { self.n = n }
    }

    func testAQueueGivesBackWhatItTookInOrderAcrossChunks() {
        var queue = ChunkQueue<Int>()
        var expected = 0
        // Interleaved appends and removals cross many chunk boundaries.
        for i in 0..<5000 {
            queue.append(i)
            if i % 3 == 0 { XCTAssertEqual(queue.popFirst(), expected); expected += 1 }
        }
        XCTAssertEqual(queue.first, expected)
        while let n = queue.popFirst() { XCTAssertEqual(n, expected); expected += 1 }
        XCTAssertEqual(expected, 5000)
        XCTAssertTrue(queue.isEmpty)
        queue.append(7)
        XCTAssertEqual(queue.count, 1)
        XCTAssertEqual(queue.popFirst(), 7)
        XCTAssertNil(queue.popFirst())
    }

    func testRetainKeepsTheMatchingElementsInOrder() {
        var queue = ChunkQueue<Int>()
        for i in 0..<1000 { queue.append(i) }
        _ = queue.popFirst()
        queue.retain { $0 % 2 == 0 }
        XCTAssertEqual(queue.count, 499)
        var expected = 2
        while let n = queue.popFirst() { XCTAssertEqual(n, expected); expected += 2 }
        XCTAssertEqual(expected, 1000)
    }

    func testAQueueLetsGoOfWhatItHoldsWhenItGoes() {
        weak var popped: Item?
        weak var queued: Item?
        do {
            var queue = ChunkQueue<Item>()
            for i in 0..<700 { queue.append(Item(i)) }
            for _ in 0..<600 { _ = queue.popFirst() }
            popped = queue.popFirst()
            queued = queue.first
            XCTAssertNil(popped)
            XCTAssertEqual(queued?.n, 601)
        }
        XCTAssertNil(queued)
    }
}
