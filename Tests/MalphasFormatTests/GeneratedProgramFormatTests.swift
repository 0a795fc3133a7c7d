import MalphasFormat
import MalphasFuzzSupport
import MalphasSyntax
import XCTest

/// Programs nobody wrote by hand (the fuzzers' generator, and the examples with literals
/// and operators mutated) format to the same tree with their comments, and format to
/// themselves the second time.
final class GeneratedProgramFormatTests: XCTestCase {
    func testGeneratedProgramsKeepTheirMeaning() {
        var checked = 0
        for seed in 1...120 {
            var generator = ProgramGenerator(random: FuzzRandom(seed: UInt64(seed), category: "format", index: seed))
            let source = generator.program()
            guard syntaxTree(source) != nil else { continue }
            assertFormattingKeepsMeaning(source, formatted(source), name: "generated program \(seed)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 60)
    }

    func testMutatedExamplesKeepTheirMeaning() {
        var checked = 0
        for (index, example) in FuzzCorpus.examples().enumerated() {
            var random = FuzzRandom(seed: 7, category: "format-mutation", index: index)
            for round in 0..<3 {
                let source = ProgramMutator(source: example.text).mutated(&random, count: 4)
                guard syntaxTree(source) != nil else { continue }
                assertFormattingKeepsMeaning(source, formatted(source), name: "\(example.name), mutation \(round)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }
}
