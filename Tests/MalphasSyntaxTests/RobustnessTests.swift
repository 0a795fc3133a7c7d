import XCTest
import Foundation
import MalphasFuzzSupport
import MalphasSyntax

/// Thousands of generated and mutated inputs through the lexer and the parser: none may
/// crash or hang, and every diagnostic must point into the file. Seeded, so a failure
/// reproduces.
final class RobustnessTests: XCTestCase {
    /// SplitMix64, shared with the pipeline fuzzers.
    typealias Random = FuzzRandom

    static let program = """
    package demo;
    use std::collections::{Vec, HashMap as Map};
    const LIMIT: int = 1_000;
    struct Point { x: int, pub y: int }
    struct Box[T] { value: T }
    enum Shape { Circle(int), Rect(int, int), Empty }
    trait Area { fn area(&self) -> int; fn twice(&self) -> int { self.area() * 2 } }
    impl Area for Shape {
        fn area(&self) -> int {
            match self {
                Shape::Circle(r) => 3 * r * r,
                Rect(w, h) if w > 0 => { w * h }
                Shape::Empty | _ => 0,
            }
        }
    }
    impl[T] Box[T] { fn get(self) -> T { self.value } }
    fn main() -> int {
        let mut v = Vec[int]::new();
        for i in 0..=10 { v.push(i * 2 + -1); }
        let s = if v.len() > 5 { "high\\n" } else { "low\\u{1F600}" };
        let f = |x: int| x + 1;
        let ch = make[chan int](4);
        spawn |n: int| { ch <- n; }(42);
        legion { println!("{}", <-ch); };
        select { case let x = <-ch => { print(x) }, case ch <- 1 => {}, default => {} }
        let t = (1, (2.5, 0xff));
        let y = t.1.0 as int;
        let slice = v[1..3];
        let p = Point { x: 1, y };
        while y < LIMIT && !false { break; }
        loop { if y == 3 { break 5; } else { continue } }
        let m = -9223372036854775808;
        /* block /* nested */ comment */
        return f(y) % 7;
    }
    """

    /// Runs one input through everything that takes source text.
    func check(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let sources = SourceMap()
        let id = sources.add(SourceFile(name: "fuzz.mal", bytes: bytes))
        let result = Parser.parse(id, in: sources)
        for d in result.diagnostics where d.span.start < 0 || d.span.end > bytes.count || d.span.start > d.span.end {
            XCTFail("diagnostic outside the file: \(d.message) \(d.span)", file: file, line: line)
        }
        XCTAssertLessThanOrEqual(result.diagnostics.count, Parser.errorLimit, file: file, line: line)
        _ = DiagnosticRenderer(sources: sources).render(result.diagnostics)
        _ = ASTDump.dump(result.unit)
        ASTRelease.release(consume result)
        let repl = Parser.parseReplInput(id, in: sources)
        ASTRelease.release(items: repl.items, statements: repl.statements, tail: repl.tail)
        _ = Lexer.completeness(of: String(decoding: bytes, as: UTF8.self))
    }

    func testTheSampleProgramParsesCleanly() {
        XCTAssertEqual(messages(Self.program), [])
    }

    func testTruncationsOfAValidProgramAtEveryByte() {
        let bytes = Array(Self.program.utf8)
        for end in 0...bytes.count { check(Array(bytes[0..<end])) }
    }

    func testRandomByteFlips() {
        var random = Random(seed: 1)
        let bytes = Array(Self.program.utf8)
        for _ in 0..<600 {
            var mutated = bytes
            for _ in 0..<(1 + random.below(8)) {
                let i = random.below(mutated.count)
                switch random.below(4) {
                case 0: mutated[i] = UInt8(truncatingIfNeeded: random.next())
                case 1: mutated.remove(at: i)
                case 2: mutated.insert(random.pick(Array("{}()[];,<-|&\"/*".utf8)), at: i)
                default: mutated[i] ^= 1 << UInt8(random.below(8))
                }
            }
            check(mutated)
        }
    }

    func testRandomTokenSequences() {
        var random = Random(seed: 2)
        let vocabulary = Lexer.keywords + [
            "x", "Point", "Vec", "_", "0", "42", "9223372036854775808", "3.5", "\"s\"", "\"\\u{41}\"",
            "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "&", "|", "^", "<<", ">>",
            "=", "+=", "-=", "->", "=>", "<-", ".", "..", "..=", "::", ":", ",", ";", "?", "(", ")", "{", "}",
            "[", "]", "\n", "//c\n", "/*c*/",
        ]
        for _ in 0..<1500 {
            let count = random.below(60)
            let text = (0..<count).map { _ in random.pick(vocabulary) }.joined(separator: " ")
            check(Array(text.utf8))
        }
    }

    func testRandomTokenSequencesInsideAFunction() {
        var random = Random(seed: 3)
        let vocabulary = ["let", "mut", "x", "=", "1", ";", "if", "{", "}", "(", ")", "match", "=>", ",", "|",
                          "for", "in", "..", "[", "]", "spawn", "select", "case", "<-", "fn", "return", "."]
        for _ in 0..<800 {
            let body = (0..<random.below(40)).map { _ in random.pick(vocabulary) }.joined(separator: " ")
            check(Array("fn main() { \(body) }".utf8))
        }
    }

    func testRandomBytesAndInvalidUtf8() {
        var random = Random(seed: 4)
        for _ in 0..<400 {
            let bytes = (0..<random.below(200)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            check(bytes)
        }
        check([0xFF, 0xFE, 0x00, 0xC0, 0x80, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80])
    }

    func testHugeLiteralsAndNames() {
        check(Array(("fn main() { let x = " + String(repeating: "9", count: 10_000) + "; }").utf8))
        check(Array(("fn main() { let x = 0x" + String(repeating: "f", count: 10_000) + "; }").utf8))
        check(Array(("fn main() { let x = 1." + String(repeating: "5", count: 10_000) + "e99999; }").utf8))
        check(Array(("fn main() { let s = \"" + String(repeating: "é", count: 50_000) + "\"; }").utf8))
        check(Array(("fn main() { let " + String(repeating: "a", count: 50_000) + " = 1; }").utf8))
        check(Array(("fn main() { let s = \"" + String(repeating: "\\u{", count: 5_000)).utf8))
        check(Array(String(repeating: "/*", count: 10_000).utf8))
        check(Array(String(repeating: "\"", count: 10_001).utf8))
    }
}
