// The whole pipeline under fire: thousands of mutated, generated and malformed programs
// through the lexer, parser, resolver, compiler and VM, each run in-process with an
// instruction budget and a time limit, empty standard input and its output captured.
// The interpreter must never crash (a crash kills the test runner, which fails the
// suite), every run must end with status 0, 1 or 2 (or the program's own), and a failed
// run must say why on its error output. `MalphasSyntaxTests/RobustnessTests` fuzzes the
// parser alone; this goes on to compile and run what parses.
//
// Deterministic: every case draws from its own seeded stream. A failure prints its
// category, case, seed and program. The case about to run is always in
// `$TMPDIR/malphas-pipeline-fuzz/last.mal` (its label in `last.txt`), so even a crash
// leaves its reproducer behind. Environment: MALPHAS_FUZZ_SEED, MALPHAS_FUZZ_SCALE,
// MALPHAS_FUZZ_CASE, MALPHAS_FUZZ_VERBOSE (FuzzCorpus.swift).

import Foundation
import MalphasFuzzSupport
import MalphasSyntax
import XCTest
@testable import MalphasVM

final class PipelineRobustnessTests: XCTestCase {
    static let settings = FuzzSettings()
    /// Safe points a fuzzed run may pass: enough for most golden examples to run to their
    /// end (fibonacci, nqueens and parallel_sum need more), few enough to keep endless
    /// mutants cheap.
    static let budget = 40_000
    /// A safety net for what the budget does not count (sleeps, blocked legions).
    static let timeLimit: Duration = .milliseconds(500)

    /// Counts of one category, printed at its end.
    struct Tally: CustomStringConvertible {
        var programs = 0, compileErrors = 0, statuses: [Int32: Int] = [:], budget = 0, timeLimit = 0
        var seconds = 0.0, slowest = 0.0
        var description: String {
            let s = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            return "\(programs) programs, \(compileErrors) compile errors, ran with statuses [\(s)], "
                + "\(budget) out of budget, \(timeLimit) out of time; \(String(format: "%.1f", seconds)) s "
                + "(slowest \(String(format: "%.2f", slowest)) s)"
        }
    }

    private var tally = Tally()
    private var failures = 0
    private static let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-pipeline-fuzz")

    override func setUp() {
        tally = Tally()
        failures = 0
        try? FileManager.default.createDirectory(at: Self.scratch, withIntermediateDirectories: true)
    }

    /// Compiles and runs one program and checks the outcome.
    func exercise(_ bytes: [UInt8], _ category: String, _ index: Int, file: StaticString = #filePath, line: UInt = #line) {
        let label = "\(category) case \(index) (MALPHAS_FUZZ_SEED=\(Self.settings.seed) MALPHAS_FUZZ_CASE=\(index))"
        if Self.settings.verbose { print("pipeline fuzz: \(label)") }
        try? Data(bytes).write(to: Self.scratch.appendingPathComponent("last.mal"))
        try? Data(label.utf8).write(to: Self.scratch.appendingPathComponent("last.txt"))
        var random = FuzzRandom(seed: Self.settings.seed, category: category + "/options", index: index)
        let started = Date()
        let sources = SourceMap()
        let id = sources.add(SourceFile(name: "fuzz.mal", bytes: bytes))
        var compiled = false
        var status: Int32 = 2
        var stderr = ""
        switch Interpreter.compile(id, in: sources, safePoints: true) {
        case .failure(let failure):
            stderr = Interpreter.render(failure, sources: sources)
            tally.compileErrors += 1
        case .success(let program):
            compiled = true
            if random.chance(10) { _ = Interpreter.disassemble(program) }
            var legions = LegionSettings()
            try! legions.set("workers", random.chance(25) ? "1" : "2")
            let out = Output.capture(), err = Output.capture()
            let depth = random.chance(20) ? random.pick([50, 200, 5_000]) : RunOptions.defaultMaxDepth
            let options = RunOptions(maxDepth: depth, suspendEverySafePoint: random.chance(10), output: out,
                                     errorOutput: err, input: Input(text: ""), args: ["fuzz.mal"], legions: legions,
                                     instructionBudget: Self.budget, timeLimit: Self.timeLimit)
            status = Interpreter.run(program, options: options)
            stderr = err.capturedText
            tally.statuses[status, default: 0] += 1
            if stderr.contains("instruction budget of") { tally.budget += 1 }
            if stderr.contains("time limit of") { tally.timeLimit += 1 }
        }
        let seconds = Date().timeIntervalSince(started)
        if Self.settings.verbose { print("pipeline fuzz:   status \(status) in \(String(format: "%.2f", seconds)) s") }
        tally.programs += 1
        tally.seconds += seconds
        tally.slowest = max(tally.slowest, seconds)
        let text = String(decoding: bytes, as: UTF8.self)
        if let dir = Self.settings.dumpDirectory {
            let name = "\(category.prefix { $0.isLetter || $0 == "-" })-\(index)"
            try? Data(bytes).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name + ".mal"))
            try? Data("status \(status)\n\(stderr)".utf8).write(to: URL(fileURLWithPath: dir).appendingPathComponent(name + ".err"))
        }
        var problems = PipelineCheck.problems(text: text, compiled: compiled, status: status, stderr: stderr)
        // The time limit is half a second; a run much longer than that was stuck where nothing checks it.
        if seconds > 10 { problems.append("took \(Int(seconds)) s despite the budget and the time limit") }
        guard !problems.isEmpty else { return }
        failures += 1
        // Past a few failures, only count them: one reproducer is enough to start from.
        guard failures <= 5 else { return }
        let shown = text.count > 6_000 ? String(text.prefix(6_000)) + "\n... (\(text.count) characters)" : text
        XCTFail("""
            pipeline robustness: \(label): \(problems.joined(separator: "; "))
            --- stderr ---
            \(stderr.prefix(2_000))
            --- program ---
            \(shown)
            """, file: file, line: line)
    }

    private func report(_ category: String) {
        print("pipeline fuzz: \(category): \(tally)\(failures > 0 ? "; \(failures) FAILED" : "")")
    }

    // MARK: - (a) The golden examples, truncated and mutated

    func testTruncatedExamples() {
        let examples = FuzzCorpus.examples()
        XCTAssertGreaterThan(examples.count, 20, "the examples should be found beside the tests")
        for i in Self.settings.cases(examples.count * 8) {
            let (_, source) = examples[i % examples.count]
            var random = FuzzRandom(seed: Self.settings.seed, category: "truncated", index: i)
            let mutator = ProgramMutator(source: source)
            let cut = random.chance(80)
                ? mutator.truncated(atToken: random.below(mutator.tokenCount + 1), closing: random.chance(50))
                : String(decoding: Array(source.utf8).prefix(random.below(source.utf8.count + 1)), as: UTF8.self)
            exercise(Array(cut.utf8), "truncated", i)
        }
        report("truncated examples")
    }

    func testMutatedExamples() {
        let examples = FuzzCorpus.examples()
        let mutators = examples.map { ProgramMutator(source: $0.text) }
        for i in Self.settings.cases(1_000) {
            var random = FuzzRandom(seed: Self.settings.seed, category: "mutated", index: i)
            let count = random.chance(60) ? 1 : random.chance(60) ? 2 : 3 + random.below(2)
            let text = mutators[i % mutators.count].mutated(&random, count: count)
            exercise(Array(text.utf8), "mutated", i)
        }
        report("mutated examples")
    }

    // MARK: - (b) Generated programs

    func testGeneratedPrograms() {
        for i in Self.settings.cases(500) {
            var generator = ProgramGenerator(random: FuzzRandom(seed: Self.settings.seed, category: "generated", index: i))
            exercise(Array(generator.program().utf8), "generated", i)
        }
        report("generated programs")
        // The generator builds well-typed programs: none may stop at a compile error (the
        // type checker's included); what is risky about them happens at run time.
        XCTAssertEqual(tally.compileErrors, 0, "generated programs that did not compile")
    }

    func testMutatedGeneratedPrograms() {
        for i in Self.settings.cases(200) {
            var random = FuzzRandom(seed: Self.settings.seed, category: "generated-mutated", index: i)
            var generator = ProgramGenerator(random: random)
            let text = ProgramMutator(source: generator.program()).mutated(&random, count: 1 + random.below(3))
            exercise(Array(text.utf8), "generated-mutated", i)
        }
        report("mutated generated programs")
    }

    // MARK: - (c) Deep nesting, huge literals, invalid UTF-8, NUL bytes

    /// Sources that stress one dimension each; `n` is the size.
    static let extremes: [(String, (Int) -> String)] = [
        ("parentheses", { "fn main() { println(\(String(repeating: "(", count: $0))1\(String(repeating: ")", count: $0))); }" }),
        ("blocks", { "fn main() { let x = \(String(repeating: "{ ", count: $0))1\(String(repeating: " }", count: $0)); }" }),
        ("list literals", { "fn main() { let x = \(String(repeating: "[", count: $0))\(String(repeating: "]", count: $0)); println(x); }" }),
        ("unary minus", { "fn main() { println(\(String(repeating: "-", count: $0))1); }" }),
        ("not", { "fn main() { println(\(String(repeating: "!", count: $0))true); }" }),
        ("sums", { "fn main() { println(0\(String(repeating: " + 1", count: $0))); }" }),
        ("else-if chains", { n in "fn main() { let x = 3; " + (0..<n).map { "if x == \($0) { println(\($0)); } else " }.joined() + "{ println(-1); } }" }),
        ("method chains", { "fn main() { let s = \"a\"\(String(repeating: ".trim()", count: $0)); println(s); }" }),
        ("closures", { n in "fn main() { let f = " + String(repeating: "|x: int| ", count: n) + "1; println(1); }" }),
        ("types", { "fn main() { let v: \(String(repeating: "Vec[", count: $0))int\(String(repeating: "]", count: $0)) = []; println(v); }" }),
        ("patterns", { "enum E { A(E), B } fn main() { match B { \(String(repeating: "A(", count: $0))B\(String(repeating: ")", count: $0)) => {}, _ => {} } }" }),
        ("ifs", { "fn main() { \(String(repeating: "if true { ", count: $0))println(1);\(String(repeating: " }", count: $0)) }" }),
        ("loops", { "fn main() { \(String(repeating: "loop { ", count: $0))break;\(String(repeating: " break; }", count: $0)) }" }),
        ("tuples", { "fn main() { let t = \(String(repeating: "(1, ", count: $0))2\(String(repeating: ")", count: $0)); println(t); }" }),
        ("field chains", { "struct P { p: int } fn main() { let p = P { p: 1 }; println(p\(String(repeating: ".p", count: $0))); }" }),
        ("index chains", { "fn main() { let v = [1]; println(v\(String(repeating: "[0]", count: $0))); }" }),
        ("assignments", { "fn main() { let mut a = 1; \(String(repeating: "a = ", count: $0))2; }" }),
        ("comments", { "\(String(repeating: "/*", count: $0))\(String(repeating: "*/", count: $0)) fn main() {}" }),
        ("statements", { "fn main() { let mut a = 0; \(String(repeating: "a += 1; ", count: $0))println(a); }" }),
        ("functions", { n in (0..<n).map { "fn f\($0)() -> int { \($0) }" }.joined(separator: "\n") + " fn main() { println(f0()); }" }),
        ("a long string", { "fn main() { println(\"\(String(repeating: "é", count: $0 * 10))\".len()); }" }),
        ("a long name", { "fn main() { let \(String(repeating: "a", count: $0 * 10)) = 1; println(1); }" }),
        ("a huge int", { "fn main() { println(\(String(repeating: "9", count: $0))); }" }),
        ("a huge float", { "fn main() { println(1.\(String(repeating: "5", count: $0))e99999); }" }),
        ("a huge hex int", { "fn main() { println(0x\(String(repeating: "f", count: $0))); }" }),
        ("many arguments", { n in "fn main() { println(\((0..<n).map(String.init).joined(separator: ", "))); }" }),
        ("a long list literal", { n in "fn main() { let v = [\((0..<n).map(String.init).joined(separator: ", "))]; println(v.len()); }" }),
        ("many match arms", { n in "fn main() { let x = 5; match x { \((0..<n).map { "\($0) => println(\($0))," }.joined(separator: " ")) _ => {} } }" }),
    ]

    func testExtremeNestingAndSizes() {
        var index = 0
        for (name, make) in Self.extremes {
            // 70,000 is past every 16-bit limit of the bytecode (functions, registers, names).
            for n in [1_000, 70_000] {
                defer { index += 1 }
                if let only = Self.settings.onlyCase, only != index { continue }
                if Self.settings.verbose { print("pipeline fuzz: extremes: \(name) x \(n)") }
                exercise(Array(make(n).utf8), "extremes (\(name) x \(n))", index)
            }
        }
        report("extremes")
    }

    func testInvalidUtf8AndNulBytes() {
        let examples = FuzzCorpus.examples()
        let nasty: [[UInt8]] = [[0], [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
                                [0xEF, 0xBB, 0xBF], [0x1B], [0x7F], [0xF0, 0x9F, 0x98]]
        for i in Self.settings.cases(200) {
            var random = FuzzRandom(seed: Self.settings.seed, category: "bytes", index: i)
            var bytes = Array(examples[i % examples.count].text.utf8)
            for _ in 0..<(1 + random.below(3)) {
                let at = random.below(bytes.count + 1)
                if random.chance(30) {
                    bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                } else {
                    bytes.insert(contentsOf: random.pick(nasty), at: at)
                }
            }
            exercise(bytes, "bytes", i)
        }
        report("invalid UTF-8 and NUL bytes")
    }
}
