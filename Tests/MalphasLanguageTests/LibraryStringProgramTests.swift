import XCTest

/// LANGUAGE 5, end to end: string operations and methods.
final class LibraryStringProgramTests: XCTestCase {
    func testConcatenationWithPlus() {
        expectOutput("fn main() { let s = \"ab\" + \"cd\"; let mut t = s; t += \"!\"; println(t); }", "abcd!\n")
    }

    func testAddingAStringAndAnIntIsAnError() {
        expectRuntimeError("fn join[A, B](a: A, b: B) { let s = a + b; } fn main() { join(\"n = \", 1); }", "cannot add string and int; convert with `to_string` or use `format`")
    }

    func testLenCountsBytes() {
        expectOutput("fn main() { println(\"héllo\".len(), \" \", \"\".is_empty(), \" \", \"a\".is_empty()); }", "6 true false\n")
    }

    func testContainsStartsWithEndsWith() {
        expectOutput("""
        fn main() {
            let s = "hello world";
            println(s.contains("lo w"), " ", s.contains("xyz"), " ", s.starts_with("hell"), " ", s.ends_with("world"));
        }
        """, "true false true true\n")
    }

    func testFindGivesAByteOffsetOrNil() {
        expectOutput("fn main() { println(\"héllo\".find(\"l\"), \" \", \"abc\".find(\"z\")); }", "3 nil\n")
    }

    func testSplit() {
        expectOutput("""
        fn main() {
            println("a,b,,c".split(","));
            println("one  two\\tthree".split_whitespace());
            println("l1\\nl2\\n".lines());
        }
        """, "[\"a\", \"b\", \"\", \"c\"]\n[\"one\", \"two\", \"three\"]\n[\"l1\", \"l2\"]\n")
    }

    func testTrim() {
        expectOutput("fn main() { println(\"[\" + \"  x y \\n\".trim() + \"]\"); println(\"[\" + \"  x\".trim_start() + \"|\" + \"x  \".trim_end() + \"]\"); }",
                     "[x y]\n[x|x]\n")
    }

    func testCaseMapping() {
        expectOutput("fn main() { println(\"Hello\".to_upper(), \" \", \"Hello\".to_lower(), \" \", \"straße\".to_upper()); }",
                     "HELLO hello STRASSE\n")
    }

    func testReplace() {
        expectOutput("fn main() { println(\"a-b-c\".replace(\"-\", \", \")); println(\"aaa\".replace(\"aa\", \"b\")); }", "a, b, c\nba\n")
    }

    func testRepeat() {
        expectOutput("fn main() { println(\"ab\".repeat(3), \"|\", \"x\".repeat(0), \"|\"); }", "ababab||\n")
    }

    func testCharsAndBytes() {
        expectOutput("fn main() { println(\"hé\".chars()); println(\"hé\".bytes()); println(\"abc\".chars().len()); }",
                     "[\"h\", \"é\"]\n[104, 195, 169]\n3\n")
    }

    func testParseIntGivesAnIntOrNil() {
        expectOutput("""
        fn main() {
            println("42".parse_int(), " ", "-7".parse_int(), " ", "4x".parse_int(), " ", " 1".parse_int(), " ", "99999999999999999999".parse_int());
            let n = "12".parse_int().unwrap() + 1;
            println(n);
        }
        """, "42 -7 nil nil nil\n13\n")
    }

    func testParseFloatGivesAFloatOrNil() {
        expectOutput("fn main() { println(\"2.5\".parse_float(), \" \", \"1e3\".parse_float(), \" \", \"x\".parse_float(), \" \", \"3\".parse_float()); }",
                     "2.5 1000 nil 3\n")
    }

    func testSlicingIsByBytes() {
        expectOutput("fn main() { let s = \"hello\"; println(s[1..3], \" \", s[..2], \" \", s[3..], \" \", s[1..=3]); }", "el he lo ell\n")
    }

    func testSlicingInsideACharacterIsAnError() {
        expectRuntimeError("fn main() { let s = \"héllo\"; let t = s[0..2]; }",
                           "byte index 2 is not a character boundary; it is inside 'é' (bytes 1..3)")
    }

    func testSlicingOutOfRangeIsAnError() {
        expectRuntimeError("fn main() { let s = \"abc\"; let t = s[1..9]; }", "slice 1..9 out of range for string of length 3")
    }

    func testIndexingGivesTheCharacterAtAByteOffset() {
        expectOutput("fn main() { let s = \"héllo\"; println(s[0], s[1], s[3]); }", "hél\n")
    }

    func testStringsCompareByBytes() {
        expectOutput("fn main() { println(\"apple\" < \"banana\", \" \", \"Z\" < \"a\", \" \", \"ab\" == \"a\" + \"b\", \" \", \"b\" >= \"abc\"); }",
                     "true true true true\n")
    }

    func testStringsAreValuesEvenWhenRebuilt() {
        expectOutput("""
        fn main() {
            let mut s = "";
            let mut i = 0;
            while i < 5 { s = s + i.to_string(); i += 1; }
            let t = s;
            s = s + "!";
            println(t, " ", s);
        }
        """, "01234 01234!\n")
    }

    func testNoSuchMethodOnAString() {
        expectRuntimeError("fn main() { let mut s = \"a\"; s.push(\"b\"); }", "no method `push` on string; strings are immutable")
    }
}
