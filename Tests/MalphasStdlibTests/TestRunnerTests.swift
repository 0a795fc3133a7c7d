// `malphas test` as a user meets it: the built binary run as a child process on test
// suites, checked line by line, with the summary and the exit status.

import Foundation
import Testing

@Suite("malphas test")
struct TestRunnerTests {
    /// The example suite: three files, one of which fails on purpose in every way a test can.
    @Test("the example suite: each test's line, the summary and exit status 1")
    func exampleSuite() throws {
        let r = try malphasBinary(["test", "--timeout", "1", "examples/std/testing"], directory: repositoryRoot)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let failures = "examples/std/testing/failures_test.mal"
        #expect(lines == [
            "ok   examples/std/testing/collections_test.mal::test_set_keeps_one_of_each",
            "ok   examples/std/testing/collections_test.mal::test_deque_pops_from_both_ends",
            "ok   examples/std/testing/collections_test.mal::test_heap_pops_smallest_first",
            "ok   examples/std/testing/collections_test.mal::test_sort_by_is_stable",
            "ok   examples/std/testing/collections_test.mal::test_padding",
            "ok   \(failures)::test_passes",
            "FAILED \(failures)::test_fails_an_assertion: assert_eq failed: left: 4, right: 5 at \(failures):14",
            "    printed before the failure",
            "FAILED \(failures)::test_panics: nothing to do at \(failures):20",
            "FAILED \(failures)::test_times_out: timed out after 1 s at \(failures):25",
            "FAILED \(failures)::test_deadlocks: deadlock: the test is blocked receiving from a channel at \(failures):34",
            "ok   examples/std/testing/math_test.mal::test_gcd_and_lcm",
            "ok   examples/std/testing/math_test.mal::test_primes",
            "ok   examples/std/testing/math_test.mal::test_floats_are_near",
            "ok   examples/std/testing/math_test.mal::test_legions_share_a_mutex",
            "10 passed, 4 failed",
            "",
        ], "\(r.stdout)\n\(r.stderr)")
        #expect(r.status == 1)
        #expect(r.stderr == "")
    }

    @Test("a suite that passes exits 0; `--filter` picks tests by name")
    func passingSuite() throws {
        let r = try malphasBinary(["test", "examples/std/testing/math_test.mal"], directory: repositoryRoot)
        #expect(r.stdout.hasSuffix("\n4 passed, 0 failed\n"))
        #expect(r.status == 0)
        let filtered = try malphasBinary(["test", "--filter", "primes", "examples/std/testing/math_test.mal"], directory: repositoryRoot)
        #expect(filtered.stdout == "ok   examples/std/testing/math_test.mal::test_primes\n1 passed, 0 failed\n")
    }

    @Test("a panic, a runtime error and an exit in a test, or in a legion it spawned, fail only that test")
    func failuresAreIsolated() throws {
        let tree = try SourceTree(["sub/cases_test.mal": """
        fn test_runtime_error() {
            let v = [1, 2];
            println(v[5]);
        }
        fn test_legion_panics() {
            let done = Channel[int]::new(0);
            spawn { panic("from a legion"); };
            <-done;
        }
        fn test_exits() { exit(3); }
        fn test_after_them_all() { assert(true); }
        fn not_a_test() { panic("never run"); }
        fn test_needs_no_arguments(x: int) { panic("never run"); }
        """])
        let r = try malphasBinary(["test"], directory: tree.root)
        #expect(r.stdout == """
        FAILED sub/cases_test.mal::test_runtime_error: runtime error: index 5 out of range for list of length 2 at sub/cases_test.mal:3
        FAILED sub/cases_test.mal::test_legion_panics: a legion of the test panicked: from a legion at sub/cases_test.mal:7
        FAILED sub/cases_test.mal::test_exits: the test called exit(3) at sub/cases_test.mal:10
        ok   sub/cases_test.mal::test_after_them_all
        1 passed, 3 failed

        """, "\(r.stderr)")
        #expect(r.status == 1)
    }

    @Test("tests run in parallel: ten tests sleeping 300 ms take far less than 3 s")
    func parallel() throws {
        var source = "fn helper() { sleep(300); }\n"
        for i in 0..<10 { source += "fn test_sleep_\(i)() { helper(); }\n" }
        let tree = try SourceTree(["sleepy_test.mal": source])
        let start = Date()
        let r = try malphasBinary(["test", "--jobs", "10"], directory: tree.root)
        #expect(r.stdout.hasSuffix("10 passed, 0 failed\n"))
        #expect(Date().timeIntervalSince(start) < 2.5)
    }

    @Test("a file that does not compile fails with its diagnostics; other files still run")
    func compileErrors() throws {
        let tree = try SourceTree([
            "a_test.mal": "fn test_ok() {}\n",
            "b_test.mal": "fn test_broken() { undefined_name(); }\n",
        ])
        let r = try malphasBinary(["test", "."], directory: tree.root)
        #expect(r.stdout == "FAILED b_test.mal: does not compile\nok   a_test.mal::test_ok\n1 passed, 1 failed\n")
        #expect(r.stderr.contains("error: cannot find value `undefined_name` in this scope"))
        #expect(r.stderr.contains("--> b_test.mal:1:20"))
        #expect(r.status == 1)
    }

    @Test("a path that does not exist exits 2; a directory without tests passes with a note")
    func paths() throws {
        let tree = try SourceTree(["notes.txt": "no tests here\n"])
        let missing = try malphasBinary(["test", "nowhere"], directory: tree.root)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("error: cannot find `nowhere`"))
        let empty = try malphasBinary(["test"], directory: tree.root)
        #expect(empty.stdout == "0 passed, 0 failed\n")
        #expect(empty.stderr.contains("no test files"))
        #expect(empty.status == 0)
    }

    @Test("test files may declare modules and use the library")
    func modulesInTests() throws {
        let tree = try SourceTree([
            "calc_test.mal": "mod calc;\nuse std::testing::*;\nfn test_add() { assert_eq(calc::add(2, 2), 4); }\n",
            "calc.mal": "pub fn add(a: int, b: int) -> int { a + b }\n",
        ])
        let r = try malphasBinary(["test"], directory: tree.root)
        #expect(r.stdout == "ok   calc_test.mal::test_add\n1 passed, 0 failed\n", "\(r.stderr)")
    }

    @Test("tests inside the file's modules run too, named by their path")
    func testsInModules() throws {
        let tree = try SourceTree(["calc_test.mal": """
        fn double(n: int) -> int { n * 2 }
        fn test_top() { assert(double(2) == 4); }
        mod tests {
            use super::double;
            use std::testing::*;
            fn test_inside() { assert_eq(double(3), 6); }
            mod deeper {
                use std::testing::*;
                fn test_deep_fails() { assert_eq(super::super::double(1), 3); }
            }
        }
        """])
        let r = try malphasBinary(["test"], directory: tree.root)
        #expect(r.stdout == """
        ok   calc_test.mal::test_top
        ok   calc_test.mal::tests::test_inside
        FAILED calc_test.mal::tests::deeper::test_deep_fails: assert_eq failed: left: 2, right: 3 at calc_test.mal:9
        2 passed, 1 failed

        """, "\(r.stderr)")
    }
}

@Suite("Where malphas finds its library")
struct LibraryLocationTests {
    @Test("the binary finds the embedded library from any directory")
    func embeddedFromAnywhere() throws {
        let tree = try SourceTree(["p.mal": "use std::math;\nfn main() { println(math::gcd(10, 4)); }\n"])
        let r = try malphasBinary(["p.mal"], directory: tree.root)
        #expect(r == ProgramRun(stdout: "2\n", stderr: "", status: 0))
    }

    @Test("MALPHAS_PATH names a directory holding std/ that replaces the embedded library")
    func malphasPathOverrides() throws {
        let tree = try SourceTree([
            "lib/std/math.mal": "pub fn gcd(a: int, b: int) -> int { 99 }\n",
            "lib/std/extra/mod.mal": "pub fn hello() -> string { \"hello from extra\" }\n",
            "p.mal": "use std::math;\nuse std::extra;\nfn main() { println(math::gcd(10, 4), \" \", extra::hello()); }\n",
        ])
        let r = try malphasBinary(["p.mal"], directory: tree.root, environment: ["MALPHAS_PATH": tree.path("lib")])
        #expect(r == ProgramRun(stdout: "99 hello from extra\n", stderr: "", status: 0))
        let names = try malphasBinary(["check", "p.mal"], directory: tree.root, environment: ["MALPHAS_PATH": tree.path("lib")])
        #expect(names.status == 0)
        let unknown = try SourceTree(["q.mal": "use std::strings;\nfn main() {}\n"])
        let r2 = try malphasBinary(["q.mal"], directory: unknown.root, environment: ["MALPHAS_PATH": tree.path("lib")])
        #expect(r2.status == 2)
        #expect(r2.stderr.contains("its modules are: extra, math"))
    }
}
