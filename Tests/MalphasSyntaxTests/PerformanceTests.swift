import XCTest
import MalphasSyntax

/// The front end must keep up with large files even in a debug build.
final class PerformanceTests: XCTestCase {
    /// 10,000 lines of ordinary code.
    static let tenThousandLines: String = {
        var lines: [String] = []
        var n = 0
        while lines.count < 10_000 {
            lines += """
            fn compute_\(n)(v: Vec[int], limit: int) -> int {
                let mut total = 0;
                for i in 0..v.len() {
                    if v[i] > limit && i % 2 == 0 {
                        total += v[i] * 2 + 1;
                    } else if v[i] < 0 {
                        total -= 1;
                    }
                }
                let p = Point { x: total, y: limit };
                match p.x {
                    0 => println!("zero"),
                    1..=9 => { println("small {}", p.x) }
                    _ => spawn report(p.x, "large"),
                }
                total
            }
            """.split(separator: "\n").map(String.init)
            n += 1
        }
        return lines.joined(separator: "\n")
    }()

    func testTenThousandLinesParseWellUnderASecond() {
        let source = Self.tenThousandLines
        let clock = ContinuousClock()
        var diagnostics: [Diagnostic] = []
        let elapsed = clock.measure {
            diagnostics = parseFile(source).1.diagnostics
        }
        XCTAssertEqual(diagnostics.map(\.message), [])
        XCTAssertLessThan(elapsed, .milliseconds(1000), "parsing 10,000 lines took \(elapsed)")
    }
}
