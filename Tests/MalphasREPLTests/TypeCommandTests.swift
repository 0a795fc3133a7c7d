// `:type EXPR` and the type checker in a session: each input is checked before it runs,
// and an input with a type error changes nothing.
import MalphasREPL
import Testing

extension ReplInProcess {
    @Suite("REPL types")
    struct TypeCommandTests {
        @Test(":type EXPR prints the expression's static type without running it")
        func typeOfAnExpression() {
            let r = Repl()
            #expect(r.result(":type 1 + 2") == .done)
            #expect(r.newOutput() == "1 + 2: int\n")
            #expect(r.result(":type println(\"not printed\")") == .done)
            #expect(r.newOutput() == "println(\"not printed\"): ()\n")
        }

        @Test(":type sees the session's variables and functions")
        func typeOfSessionNames() {
            let r = Repl()
            #expect(r.result("let xs = [1, 2];") == .done)
            #expect(r.result("fn half(x: int) -> float { x as float / 2.0 }") == .done)
            #expect(r.result(":type xs.map(|x| half(x))") == .done)
            #expect(r.newOutput() == "xs.map(|x| half(x)): []float\n")
        }

        @Test(":type of an ill-typed expression prints the diagnostic")
        func typeOfAnIllTypedExpression() {
            let r = Repl()
            #expect(r.result(":type 1 + \"a\"") == .compileError)
            #expect(r.newErrors().hasPrefix("error: mismatched types\n"))
        }

        @Test("an input with a type error runs nothing and leaves the session as it was")
        func typeErrorLeavesTheSession() {
            let r = Repl()
            #expect(r.result("let a = 1;") == .done)
            #expect(r.result("let a = \"s\"; let b: int = a; println(\"ran\");") == .compileError)
            #expect(r.newErrors().hasPrefix("error: mismatched types\n"))
            #expect(r.result("a + 1") == .value("2"))
        }
    }
}
