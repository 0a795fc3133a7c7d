import XCTest

/// LANGUAGE 5, end to end: `HashMap` and its methods.
final class LibraryMapProgramTests: XCTestCase {
    func testPutGetAndMissingKeyGivesNil() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            m.put("a", 1);
            m.insert("b", 2);
            println(m.get("a"), " ", m.get("b"), " ", m.get("zz"));
        }
        """, "1 2 nil\n")
    }

    func testPutOverwritesAndReturnsTheOldValue() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            println(m.insert("k", 1));
            println(m.insert("k", 2));
            println(m);
        }
        """, "nil\n1\n{\"k\": 2}\n")
    }

    func testRemoveAndContainsKey() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            m.put(1, "one");
            println(m.contains_key(1), " ", m.remove(1), " ", m.contains_key(1), " ", m.remove(1), " ", m.len(), " ", m.is_empty());
        }
        """, "true one false nil 0 true\n")
    }

    func testIterationKeysAndValuesFollowInsertionOrder() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            m.put("z", 1);
            m.put("a", 2);
            m.put("m", 3);
            m.remove("a");
            m.put("a", 4);
            m.put("z", 5);
            for (k, v) in m { print(k, "=", v, " "); }
            println();
            println(m.keys(), " ", m.values());
        }
        """, "z=5 m=3 a=4 \n[\"z\", \"m\", \"a\"] [5, 3, 4]\n")
    }

    func testStructuralKeys() {
        expectOutput("""
        struct Point { x: int, y: int }
        fn main() {
            let mut tuples = HashMap::new();
            tuples.put((1, 2), "tuple");
            let mut points = HashMap::new();
            points.put(Point { x: 1, y: 2 }, "point");
            let mut lists = HashMap::new();
            lists.put([1, 2], "list");
            println(tuples.get((1, 2)), " ", points.get(Point { x: 1, y: 2 }), " ", lists.get([1, 2]), " ", tuples.get((2, 1)));
        }
        """, "tuple point list nil\n")
    }

    func testFloatKeysAreAnError() {
        expectRuntimeError("fn main() { let mut m = HashMap::new(); m.put(1.5, 1); }",
                           "cannot use a float as a map key; keys are ints, strings, bools, and tuples, lists, structs and enums of those")
    }

    func testIndexingAMap() {
        expectOutput("""
        fn main() {
            let mut m = HashMap::new();
            m["a"] = 1;
            m["a"] = m["a"] + 10;
            println(m["a"]);
        }
        """, "11\n")
    }

    func testIndexingAMissingKeyIsAnError() {
        expectRuntimeError("fn main() { let m: HashMap[string, int] = HashMap::new(); let x = m[\"nope\"]; }",
                           "key \"nope\" not found in map; use `get` to get nil instead")
    }

    func testMapsHaveValueSemantics() {
        expectOutput("""
        fn main() {
            let mut a = HashMap::new();
            a.put(1, 1);
            let mut b = a;
            b.put(2, 2);
            println(a.len(), " ", b.len());
        }
        """, "1 2\n")
    }

    func testMapsCompareRegardlessOfOrder() {
        expectOutput("""
        fn main() {
            let mut a = HashMap::new();
            a.put(1, "x"); a.put(2, "y");
            let mut b = HashMap::new();
            b.put(2, "y"); b.put(1, "x");
            println(a == b);
        }
        """, "true\n")
    }

    func testWordCount() {
        expectOutput("""
        fn main() {
            let text = "the cat and the hat and the bat";
            let mut counts = HashMap::new();
            for w in text.split_whitespace() {
                let c = counts.get(w).unwrap_or(0);
                counts.put(w, c + 1);
            }
            println(counts);
        }
        """, "{\"the\": 3, \"cat\": 1, \"and\": 2, \"hat\": 1, \"bat\": 1}\n")
    }

    func testContainsOnAMapSuggestsContainsKey() {
        expectRuntimeError("fn main() { let mut m = HashMap::new(); m.put(\"x\", 1); let b = m.contains(\"x\"); }",
                           "no method `contains` on map; use `contains_key`")
    }

    func testClearEmptiesTheMap() {
        expectOutput("fn main() { let mut m = HashMap::new(); m.put(1, 1); m.clear(); println(m, \" \", m.len()); }", "{} 0\n")
    }
}
