// Mutated programs through the built `malphas` binary, each in a child process: where the
// in-process fuzzer (MalphasLanguageTests/PipelineRobustnessTests) would die with the
// interpreter, this one sees a crash as what a user would see, a signal or an odd exit
// status, and reports it with the program. Seeded like the other fuzzers (MALPHAS_FUZZ_SEED,
// MALPHAS_FUZZ_SCALE, MALPHAS_FUZZ_CASE).

import Foundation
import MalphasFuzzSupport
import MalphasProcessTesting
import Testing

@Suite("Mutated programs through the malphas binary")
struct ChildProcessRobustnessTests {
    @Test("no mutated or generated program crashes or hangs the malphas binary")
    func mutatedProgramsNeverCrashTheBinary() throws {
        let settings = FuzzSettings()
        let mutators = FuzzCorpus.examples().map { ProgramMutator(source: $0.text) }
        #expect(mutators.count > 20)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-child-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var failures = 0
        let started = Date()
        let cases = settings.cases(300)
        for i in cases {
            var random = FuzzRandom(seed: settings.seed, category: "child", index: i)
            let text: String
            if i % 3 == 2 {
                var generator = ProgramGenerator(random: FuzzRandom(seed: settings.seed, category: "child-generated", index: i))
                text = ProgramMutator(source: generator.program()).mutated(&random, count: random.below(2))
            } else {
                text = mutators[i % mutators.count].mutated(&random, count: 1 + random.below(3))
            }
            let path = dir.appendingPathComponent("case-\(i).mal").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try runMalphas(["run", "--budget", "40000", "--time-limit", "1000", "--workers", "2", path],
                                     stdin: "", deadline: 30)
            // Status 2 is a compile error unless it is a deadlock report.
            let compiled = !(run.status == 2 && !run.stderr.contains("deadlock"))
            var problems = PipelineCheck.problems(text: text, compiled: compiled || run.signal != nil,
                                                  status: run.status, stderr: run.stderr)
            if let signal = run.signal { problems.insert(run.timedOut ? "hung (killed after 30 s)" : "killed by signal \(signal)", at: 0) }
            guard !problems.isEmpty else { continue }
            failures += 1
            if failures <= 5 {
                Issue.record("""
                    child-process fuzz: case \(i) (MALPHAS_FUZZ_SEED=\(settings.seed) MALPHAS_FUZZ_CASE=\(i)): \
                    \(problems.joined(separator: "; "))
                    --- stderr ---
                    \(run.stderr.prefix(2_000))
                    --- program ---
                    \(text.prefix(6_000))
                    """)
            }
        }
        print("child-process fuzz: \(cases.count) programs in \(String(format: "%.1f", Date().timeIntervalSince(started))) s, \(failures) failed")
    }
}

@Suite("Inputs without an end")
struct EndlessInputTests {
    @Test("a program or a file read from /dev/zero is an error, not an out-of-memory kill")
    func devZero() throws {
        let run = try runMalphas(["run", "/dev/zero"], stdin: "", deadline: 60)
        #expect(run.status == 2)
        #expect(run.stderr == "error: cannot read `/dev/zero`: it is larger than 1 GiB\n")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("malphas-endless-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("zero.mal").path
        try "use std::io;\nfn main() { println(io::read_file(\"/dev/zero\").len()); }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let read = try runMalphas(["run", path], stdin: "", deadline: 60)
        #expect(read.status == 1)
        #expect(read.stderr.hasPrefix("panicked: cannot read `/dev/zero`: it is larger than 1 GiB"))
    }
}
