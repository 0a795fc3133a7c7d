import XCTest

/// LANGUAGE 5, end to end: lists (arrays, slices and `Vec`) and their methods.
final class LibraryListProgramTests: XCTestCase {
    func testPushPopLen() {
        expectOutput("""
        fn main() {
            let mut v = Vec::new();
            v.push(1);
            v.push(2);
            v.push(3);
            println(v.len(), " ", v.pop(), " ", v);
        }
        """, "3 3 [1, 2]\n")
    }

    func testPopOnEmptyListGivesNil() {
        expectOutput("fn main() { let mut v: Vec[int] = Vec::new(); println(v.pop()); }", "nil\n")
    }

    func testGetOutOfRangeGivesNil() {
        expectOutput("fn main() { let v = [10, 20]; println(v.get(1), \" \", v.get(2), \" \", v.get(-1)); }", "20 nil nil\n")
    }

    func testIndexOutOfRangeIsAnErrorNamingIndexAndLength() {
        expectRuntimeError("fn main() { let v = [1, 2, 3]; let x = v[7]; }", "index 7 out of range for list of length 3")
    }

    func testAssigningOutOfRangeIsAnError() {
        expectRuntimeError("fn main() { let mut v = [1]; v[1] = 2; }", "index 1 out of range for list of length 1")
    }

    func testIsEmptyFirstLast() {
        expectOutput("fn main() { let v = [4, 5, 6]; let e: Vec[int] = Vec::new(); println(v.is_empty(), e.is_empty(), \" \", v.first(), v.last(), \" \", e.first()); }",
                     "falsetrue 46 nil\n")
    }

    func testInsertAndRemove() {
        expectOutput("""
        fn main() {
            let mut v = [1, 3];
            v.insert(1, 2);
            v.insert(3, 4);
            let r = v.remove(0);
            println(r, " ", v);
        }
        """, "1 [2, 3, 4]\n")
    }

    func testRemoveOutOfRangeIsAnError() {
        expectRuntimeError("fn main() { let mut v = [1]; v.remove(3); }", "index 3 out of range for list of length 1")
    }

    func testInsertOutOfRangeIsAnError() {
        expectRuntimeError("fn main() { let mut v = [1]; v.insert(3, 0); }", "insertion index 3 out of range for list of length 1")
    }

    func testContainsAndIndexOf() {
        expectOutput("fn main() { let v = [\"a\", \"b\"]; println(v.contains(\"b\"), \" \", v.contains(\"z\"), \" \", v.index_of(\"b\"), \" \", v.index_of(\"z\")); }",
                     "true false 1 nil\n")
    }

    func testReverseAndSort() {
        expectOutput("""
        fn main() {
            let mut v = [3, 1, 2];
            v.sort();
            println(v);
            v.reverse();
            println(v);
            let mut w = ["pear", "apple", "fig"];
            w.sort();
            println(w);
            let mut f = [2.5, -1.0, 0.5];
            f.sort();
            println(f);
            let mut t = [(2, "b"), (1, "z"), (2, "a")];
            t.sort();
            println(t);
        }
        """, "[1, 2, 3]\n[3, 2, 1]\n[\"apple\", \"fig\", \"pear\"]\n[-1, 0.5, 2.5]\n[(1, \"z\"), (2, \"a\"), (2, \"b\")]\n")
    }

    func testSortingMixedTypesIsAnError() {
        expectRuntimeError("fn sorted[A, B](a: A, b: B) { let mut v = [a]; v.push(b); v.sort(); } fn main() { sorted(1, \"a\"); }", "cannot compare string and int with `sort`")
    }

    func testJoinUsesDisplayForms() {
        expectOutput("fn main() { println([1, 2, 3].join(\", \")); println([\"a\", \"b\"].join(\"\")); }", "1, 2, 3\nab\n")
    }

    func testMapAndFilter() {
        expectOutput("""
        fn main() {
            let v = [1, 2, 3, 4];
            println(v.map(|x| x * 10));
            println(v.filter(|x| x % 2 == 0));
            println(v.iter().map(|x| x + 1).collect());
        }
        """, "[10, 20, 30, 40]\n[2, 4]\n[2, 3, 4, 5]\n")
    }

    func testClearAndExtend() {
        expectOutput("fn main() { let mut v = [1]; v.extend([2, 3]); println(v); v.clear(); println(v, \" \", v.len()); }",
                     "[1, 2, 3]\n[] 0\n")
    }

    func testEnumerateRevSum() {
        expectOutput("""
        fn main() {
            for (i, x) in ["a", "b"].iter().enumerate() { println(i, ": ", x); }
            println([1, 2, 3].rev(), " ", [1, 2, 3].sum(), " ", [0.5, 0.25].sum());
        }
        """, "0: a\n1: b\n[3, 2, 1] 6 0.75\n")
    }

    func testSlicing() {
        expectOutput("fn main() { let v = [0, 1, 2, 3, 4]; println(v[1..3], v[..2], v[3..], v[1..=2], v[..]); }",
                     "[1, 2][0, 1][3, 4][1, 2][0, 1, 2, 3, 4]\n")
    }

    func testSlicingOutOfRangeIsAnError() {
        expectRuntimeError("fn main() { let v = [1, 2, 3]; let s = v[2..5]; }", "slice 2..5 out of range for list of length 3")
    }

    func testListsHaveValueSemantics() {
        expectOutput("""
        fn grow(mut v: Vec[int]) -> Vec[int] { v.push(99); v }
        fn main() {
            let a = [1, 2];
            let mut b = a;
            b.push(3);
            let c = grow(a);
            println(a, " ", b, " ", c);
        }
        """, "[1, 2] [1, 2, 3] [1, 2, 99]\n")
    }

    func testListsCompareStructurally() {
        expectOutput("fn main() { println([[1], [2]] == [[1], [2]], \" \", [1, 2] != [1, 3], \" \", [1, 2] < [1, 3], \" \", [] == [1]); }",
                     "true true true false\n")
    }

    func testWithCapacityAndFrom() {
        expectOutput("fn main() { let mut v = Vec::with_capacity(10); v.push(1); println(v, \" \", Vec::from([1, 2])); }", "[1] [1, 2]\n")
    }

    func testMethodArityErrorNamesTheMethod() {
        expectRuntimeError("fn main() { let mut v = [1]; v.push(1, 2); }", "method `push` takes 1 argument but 2 were supplied")
    }

    func testPushInALoopIsLinear() {
        // Many pushes must not copy the list each time (copy on write with a unique box).
        expectOutput("""
        fn main() {
            let mut v = Vec::new();
            let mut i = 0;
            while i < 200000 { v.push(i); i += 1; }
            let mut total = 0;
            for x in v { total += x; }
            println(v.len(), " ", total);
        }
        """, "200000 19999900000\n")
    }
}
