import XCTest
@testable import MalphasVM

/// Value semantics rest on copy-on-write: an aggregate held once is mutated in place (its
/// box keeps its identity), one held twice is copied first.
final class CopyOnWriteTests: XCTestCase {
    private func box(_ v: Value) -> ObjectIdentifier? {
        switch v {
        case .list(let b): return ObjectIdentifier(b)
        case .tuple(let b): return ObjectIdentifier(b)
        case .record(let b): return ObjectIdentifier(b)
        default: return nil
        }
    }

    func testTakeIndexMutatesAUniqueListInPlace() throws {
        let slot = UnsafeMutablePointer<Value>.allocate(capacity: 1)
        defer { slot.deinitialize(count: 1); slot.deallocate() }
        let row = Value.list(ListBox([.int(1), .int(2)]))
        slot.initialize(to: .list(ListBox([row])))
        let rowID = box(row)
        let outerID = box(slot.pointee)
        _ = consume row
        let taken = try VM.takeIndex(slot, .int(0))
        XCTAssertEqual(box(taken), rowID, "the element moves out, it is not copied")
        XCTAssertEqual(box(slot.pointee), outerID, "a unique list is not copied")
    }

    func testTakeIndexCopiesASharedList() throws {
        let slot = UnsafeMutablePointer<Value>.allocate(capacity: 1)
        defer { slot.deinitialize(count: 1); slot.deallocate() }
        let shared = Value.list(ListBox([.int(1)]))
        slot.initialize(to: shared)
        _ = try VM.takeIndex(slot, .int(0))
        XCTAssertNotEqual(box(slot.pointee), box(shared), "a shared list is copied before it changes")
        if case .list(let b) = shared { XCTAssertEqual(b.items.count, 1); if case .int(1) = b.items[0] {} else { XCTFail("the other holder's list changed") } }
    }

    func testTupleFieldMutatesAUniqueTupleInPlace() throws {
        let slot = UnsafeMutablePointer<Value>.allocate(capacity: 1)
        defer { slot.deinitialize(count: 1); slot.deallocate() }
        slot.initialize(to: .tuple(TupleBox([.int(1), .int(2)])))
        let id = box(slot.pointee)
        try VM.setTupleField(slot, 1, value: .int(5))
        XCTAssertEqual(box(slot.pointee), id)
    }

    func testNestedMutationInALoopKeepsRowsInPlace() {
        // 200 x 200 writes: quadratic copying would make this visibly slow in a debug build.
        expectOutput("""
        fn main() {
            let mut grid = [];
            for i in 0..200 { grid.push([0; 200]); }
            for i in 0..200 { for j in 0..200 { grid[i][j] = i * j; } }
            println(grid[199][199], " ", grid[3][4]);
        }
        """, "39601 12\n")
    }
}

/// The return path finds reference-holding registers by their tag byte; the probe of the
/// enum layout must classify every case correctly.
final class ValueLayoutTests: XCTestCase {
    func testTheProbedLayoutClassifiesEveryCase() throws {
        XCTAssertTrue(ValueLayout.isKnown, "the Value layout changed; the VM falls back to slower returns")
        func isReference(_ v: Value) -> Bool { ValueLayout.tag(v) &- ValueLayout.referenceTagLow <= ValueLayout.referenceTagSpan }
        for v in [Value.unit, .nil, .bool(false), .bool(true), .int(0), .int(-1), .float(0), .float(-.nan)] {
            XCTAssertFalse(isReference(v), "\(v) is a scalar")
        }
        let (_, compiled) = Interpreter.compile(source: "fn main() {}")
        let program = LoadedProgram(try compiled.get())
        defer { program.tearDown() }
        let references: [Value] = [.string(StringBox("s")), .list(ListBox([])), .map(MapBox()), .tuple(TupleBox([])),
                                   program.codes[0].value, .native(NativeFunctionBox(.len)), .channel(ChannelBox(capacity: 1)),
                                   .reference(ReferenceBox(.int(1))), .range(RangeBox(lower: 1, upper: 2, inclusive: false))]
        for v in references { XCTAssertTrue(isReference(v), "\(v) holds a reference") }
    }
}

/// Reading a value to compute the argument of its own mutation must not leave a second
/// reference behind in a register: the next mutation would copy it, every iteration
/// (quadratic loops). Checked directly: at every safe point, no list or map box is held
/// by two registers.
final class NoHiddenCopiesTests: XCTestCase {
    func testNoBoxIsHeldByTwoRegistersAtSafePoints() throws {
        let (_, compiled) = Interpreter.compile(source: """
        fn main() {
            let mut v = [];
            let mut m = HashMap::new();
            m.insert("k", 0);
            for i in 0..50 {
                v.push(v.len() + len(v));
                m.insert("k", m.get("k") + 1);
                m.insert(to_string(i), v.len());
                let w = v.filter(|x| x > 10);
                v.push(w.len());
            }
            println(v.len(), " ", m.get("k"), " ", m.len());
        }
        """)
        let program = try compiled.get()
        let loaded = LoadedProgram(program)
        defer { loaded.tearDown() }
        let out = Output.capture()
        // One legion driven by hand, suspending at every safe point.
        let vm = VM(program: loaded, context: BuiltinContext(output: out), runtime: LegionRuntime(settings: LegionSettings()),
                    maxDepth: 1000, suspendEverySafePoint: true)
        let legion = LegionState()
        legion.safePointFlag = vm.alwaysSetFlag!
        legion.start(loaded.closure(forFunction: program.entry), args: [], globals: loaded.globals)
        var safePoints = 0
        while case .yielded = vm.run(legion) {
            // Only at main's own safe points (inside a call, a callee's parameters are
            // copies of the caller's values by design).
            guard legion.frames[legion.frameCount - 1].code.takeUnretainedValue().proto.name == "main" else { continue }
            safePoints += 1
            var holders: [ObjectIdentifier: Int] = [:]
            for i in 0..<legion.stackTop {
                switch legion.stack[i] {
                case .list(let box): holders[ObjectIdentifier(box), default: 0] += 1
                case .map(let box): holders[ObjectIdentifier(box), default: 0] += 1
                default: break
                }
            }
            for (_, count) in holders where count > 1 {
                XCTFail("a list or map is held by \(count) registers at safe point \(safePoints)")
                return
            }
        }
        out.flush()
        XCTAssertGreaterThanOrEqual(safePoints, 50)
        XCTAssertEqual(out.capturedText, "100 50 51\n")
    }
}
