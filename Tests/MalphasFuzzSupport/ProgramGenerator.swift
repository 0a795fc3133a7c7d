// Random Malphas programs from a small grammar: well-typed programs (the type checker
// accepts every one) that then do something risky at run time. They use functions and recursion,
// loops, lists, maps, structs, enums and match, closures, legions, channels and select,
// and the edges of the language: the largest ints, division by zero, shifts past 63,
// deep recursion, huge and negative counts, strings and lists that double in a loop.
// The generator tracks a type for every variable, so every expression has the type its
// place needs; the run-time type errors it reaches go through nil, which is of every type.

public struct ProgramGenerator {
    enum Kind: CaseIterable {
        case int, float, bool, string, list, map, point, shape, closure, channel
    }

    struct Variable {
        var name: String
        var kind: Kind
        var mutable: Bool
    }

    private var random: FuzzRandom
    private var lines: [String] = []
    private var indent = 0
    /// Visible variables, innermost scope last.
    private var scopes: [[Variable]] = [[]]
    /// How many scopes from the bottom a spawned block may not assign (legions share nothing).
    private var readOnlyScopes = 0
    private var fresh = 0
    /// Helper functions defined so far: name and parameter count (all ints, returning int).
    private var functions: [(name: String, arity: Int)] = []
    private var inFunction = false
    private var loopDepth = 0

    public init(random: FuzzRandom) {
        self.random = random
    }

    /// A whole program: types, helpers, main.
    public mutating func program() -> String {
        lines = []
        emit("struct Point { x: int, y: int }")
        emit("enum Shape { Circle(int), Rect(int, int), Empty }")
        emit("impl Point {")
        emit("    fn sum(&self) -> int { self.x + self.y }")
        emit("    fn bump(&mut self, d: int) { self.x = self.x + d; }")
        emit("}")
        emit("fn rec(n: int) -> int { if n <= 0 { 0 } else { 1 + rec(n - 1) } }")
        emit("fn fib(n: int) -> int { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }")
        emit("trait Area { fn area(&self) -> int; fn twice(&self) -> int { self.area() * 2 } }")
        emit("impl Area for Shape { fn area(&self) -> int { match self { Shape::Circle(r) => 3 * r * r, Rect(w, h) => w * h, Empty => 0 } } }")
        emit("impl Area for Point { fn area(&self) -> int { self.x * self.y } }")
        emit("fn id[T](x: T) -> T { x }")
        emit("fn add_one(r: &mut int) { *r += 1; }")
        emit("fn make_adder(n: int) -> fn(int) -> int { |x: int| x + n }")
        emit("fn produce(c: chan int, n: int) { for i in 0..n { c <- i; } close(c); }")
        emit("const LIMIT: int = \(random.pick(["3", "0", "-1", "9223372036854775807"]));")
        functions = [("rec", 1), ("fib", 1)]
        for i in 0..<random.below(4) { helper(index: i) }
        emit("fn main() {")
        indent += 1
        inFunction = false
        scopes = [[]]
        for _ in 0..<random.int(in: 3...12) { statement(depth: 0) }
        indent -= 1
        emit("}")
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Items

    private mutating func helper(index: Int) {
        let arity = random.int(in: 0...3)
        // Not `p0`: points are named `p` and a number, and one must not shadow a parameter.
        let params = (0..<arity).map { "a\($0)" }
        let name = "f\(index)"
        emit("fn \(name)(\(params.map { "\($0): int" }.joined(separator: ", "))) -> int {")
        indent += 1
        inFunction = true
        scopes = [params.map { Variable(name: $0, kind: .int, mutable: false) }]
        // A helper may call itself: sometimes with a base case, sometimes without.
        functions.append((name, arity))
        for _ in 0..<random.int(in: 0...4) { statement(depth: 1) }
        emit(expression(.int, depth: 0))
        indent -= 1
        emit("}")
    }

    // MARK: - Statements

    private mutating func statement(depth: Int) {
        let nested = depth < 3
        switch random.below(nested ? 34 : 20) {
        case 0, 1, 2, 3: declare()
        case 4, 5: assign()
        case 6, 7: mutateCollection()
        case 8, 9: emit("println(\(expression(random.pick(Kind.allCases), depth: 0)));")
        case 10: emit("println(\"{} {}\", \(expression(.int, depth: 1)), \(expression(random.pick(Kind.allCases), depth: 1)));")
        case 11: edgeCase()
        case 12: emit(random.chance(80) ? "assert(\(expression(.bool, depth: 1)) || true);" : "assert(\(expression(.bool, depth: 1)));")
        case 13: legions(depth: depth)
        case 14: emit("let _ = \(expression(random.pick(Kind.allCases), depth: 0));")
        case 15:
            if inFunction && random.chance(30) { emit("return \(expression(.int, depth: 1));") } else { declare() }
        case 16: if loopDepth > 0 { emit(random.chance(50) ? "break;" : "continue;") } else { declare() }
        case 17: emit("sleep(\(random.chance(90) ? random.pick(["0", "1", "-5"]) : "3"));")
        case 18: matchStatement()
        case 19: if random.chance(10) { emit("panic(\"boom \(fresh)\");") } else { emit("yield_now();") }
        case 20, 21: ifStatement(depth: depth)
        case 22, 23: whileLoop(depth: depth)
        case 24: forLoop(depth: depth)
        case 25: loopWithBreak(depth: depth)
        case 26: block(depth: depth)
        case 27: legions(depth: depth)
        case 28: growth()
        case 29: if random.chance(50) { selectStatement(depth: depth) } else { feature() }
        default: feature()
        }
    }

    private mutating func declare() {
        let kind = random.pick(Kind.allCases)
        let name = newName(kind)
        let value = expression(kind, depth: 0)
        let mutable = random.chance(70)
        emit("let \(mutable ? "mut " : "")\(name) = \(value);")
        scopes[scopes.count - 1].append(Variable(name: name, kind: kind, mutable: mutable))
    }

    private mutating func assign() {
        guard let v = variable(mutableOnly: true) else { declare(); return }
        switch (v.kind, random.below(3)) {
        case (.int, 0): emit("\(v.name) \(random.pick(["+=", "-=", "*=", "/=", "%="])) \(expression(.int, depth: 1));")
        case (.point, 0): emit("\(v.name).\(random.pick(["x", "y"])) = \(expression(.int, depth: 1));")
        case (.point, 1): emit("\(v.name).bump(\(expression(.int, depth: 1)));")
        default: emit("\(v.name) = \(expression(v.kind, depth: 0));")
        }
    }

    private mutating func mutateCollection() {
        if let v = variable(of: .list, mutableOnly: true) {
            switch random.below(9) {
            case 0, 1: emit("\(v.name).push(\(expression(.int, depth: 1)));")
            case 2: emit("\(v.name).pop();")
            case 3: emit("\(v.name).sort();")
            case 4: emit("\(v.name).reverse();")
            case 5: emit("\(v.name)[\(expression(.int, depth: 1))] = \(expression(.int, depth: 1));")
            case 6: emit("\(v.name).insert(\(expression(.int, depth: 1)), \(expression(.int, depth: 1)));")
            case 7: emit("\(v.name).remove(\(expression(.int, depth: 1)));")
            default: emit("\(v.name).extend(\(expression(.list, depth: 1)));")
            }
        } else if let m = variable(of: .map, mutableOnly: true) {
            if random.chance(70) {
                emit("\(m.name).insert(\(expression(.int, depth: 1)), \(expression(.int, depth: 1)));")
            } else {
                emit("\(m.name).remove(\(expression(.int, depth: 1)));")
            }
        } else {
            declare()
        }
    }

    private mutating func ifStatement(depth: Int) {
        emit("if (\(expression(.bool, depth: 0))) {")
        body(depth: depth)
        if random.chance(50) {
            emit("} else {")
            body(depth: depth)
        }
        emit("}")
    }

    private mutating func whileLoop(depth: Int) {
        let counter = newName(.int)
        emit("let mut \(counter) = 0;")
        emit("while \(counter) < \(bound()) {")
        loopDepth += 1
        body(depth: depth)
        // Now and then the increment is forgotten: an endless loop for the budget to end.
        if random.chance(95) { emit("    \(counter) += 1;") }
        loopDepth -= 1
        emit("}")
    }

    private mutating func forLoop(depth: Int) {
        let name = newName(.int)
        switch random.below(4) {
        case 0:
            if let list = variable(of: .list) {
                emit("for \(name) in \(list.name) {")
            } else {
                emit("for \(name) in [1, 2, 3] {")
            }
            forBody(name, .int, depth: depth)
        case 1:
            if let map = variable(of: .map) {
                let value = newName(.int)
                emit("for (\(name), \(value)) in \(map.name) {")
                scopes.append([Variable(name: value, kind: .int, mutable: false)])
                forBody(name, .int, depth: depth)
                scopes.removeLast()
            } else {
                emit("for \(name) in 0..=\(bound()) {")
                forBody(name, .int, depth: depth)
            }
        default:
            emit("for \(name) in (\(expression(.int, depth: 2)))..\(bound()) {")
            forBody(name, .int, depth: depth)
        }
    }

    private mutating func forBody(_ name: String, _ kind: Kind, depth: Int) {
        loopDepth += 1
        scopes.append([Variable(name: name, kind: kind, mutable: false)])
        body(depth: depth, scoped: false)
        scopes.removeLast()
        loopDepth -= 1
        emit("}")
    }

    private mutating func loopWithBreak(depth: Int) {
        emit("loop {")
        loopDepth += 1
        body(depth: depth)
        emit("    if (\(expression(.bool, depth: 1))) { break; }")
        loopDepth -= 1
        emit("}")
    }

    private mutating func block(depth: Int) {
        emit("{")
        body(depth: depth)
        emit("}")
    }

    private mutating func body(depth: Int, scoped: Bool = true) {
        indent += 1
        if scoped { scopes.append([]) }
        for _ in 0..<random.int(in: 1...4) { statement(depth: depth + 1) }
        if scoped { scopes.removeLast() }
        indent -= 1
    }

    private mutating func matchStatement() {
        let subject = expression(.shape, depth: 1)
        let r = newName(.int), w = newName(.int), h = newName(.int)
        emit("match (\(subject)) {")
        emit("    Shape::Circle(\(r)) => println(\(r)),")
        if random.chance(90) { emit("    Rect(\(w), \(h)) if \(w) > \(h) => { println(\(w) * \(h)); }") }
        // Every variant is covered: the type checker rejects a match that misses one.
        emit("    Rect(\(w), _) => println(\(w)),")
        emit("    Empty => {}")
        emit("}")
    }

    /// Legions: a spawned block or function sending on a channel, then a receive or a select.
    private mutating func legions(depth: Int) {
        let ch = newName(.channel)
        emit("let \(ch) = make[chan int](\(random.chance(3) ? "-1" : random.pick(["0", "1", "4"])));")
        let senders = random.int(in: 1...3)
        for _ in 0..<senders {
            if random.chance(30), let f = functions.first(where: { $0.arity == 1 }) {
                emit("spawn |c: chan int| { c <- \(f.name)(\(random.below(12))); }(\(ch));")
                continue
            }
            emit("spawn {")
            indent += 1
            let saved = readOnlyScopes
            readOnlyScopes = scopes.count
            scopes.append([])
            let savedLoop = loopDepth
            loopDepth = 0
            let savedFunction = inFunction
            inFunction = false
            for _ in 0..<random.int(in: 0...2) { statement(depth: depth + 2) }
            emit("\(ch) <- \(expression(.int, depth: 1));")
            if random.chance(20) { emit("close(\(ch));") }
            inFunction = savedFunction
            loopDepth = savedLoop
            scopes.removeLast()
            readOnlyScopes = saved
            indent -= 1
            emit("};")
        }
        scopes[scopes.count - 1].append(Variable(name: ch, kind: .channel, mutable: false))
        // Receive fewer, as many or more than were sent: more deadlocks, which is an answer too.
        let receives = random.chance(85) ? senders : senders + 1
        for _ in 0..<receives {
            if random.chance(30) {
                selectOn(ch)
            } else {
                emit("println(<-\(ch));")
            }
        }
    }

    private mutating func selectStatement(depth: Int) {
        if let ch = variable(of: .channel) { selectOn(ch.name) } else { legions(depth: depth) }
    }

    private mutating func selectOn(_ ch: String) {
        let v = newName(.int)
        var cases = ["case let \(v) = <-\(ch) => { println(\(v)); }"]
        if random.chance(30) { cases.append("case \(ch) <- \(random.below(9)) => {}") }
        if random.chance(40) { cases.append("default => { println(\"none\"); }") }
        emit("select { \(cases.joined(separator: ", ")) }")
    }

    /// The rest of the language, each in a small self-contained statement or two.
    private mutating func feature() {
        let i = expression(.int, depth: 1)
        let n = newName(.int)
        switch random.below(16) {
        case 0: emit("println(\(expression(random.pick([Kind.shape, .point]), depth: 1)).twice());")
        case 1: emit("let mut \(n) = \(i); add_one(&mut \(n)); add_one(&mut \(n)); println(\(n));")
        case 2: emit("let \(n) = make_adder(\(i)); println(\(n)(\(expression(.int, depth: 2))), \" \", id(\(n)(1)));")
        case 3:
            emit("let \(n) = make[chan int](\(random.pick(["0", "2"])));")
            emit("spawn produce(\(n), \(random.pick(["3", "0", "50"])));")
            emit("for x in \(n) { print(x, \" \"); }")
            emit("println(<-\(n));")
        case 4:
            emit("let t\(n) = (\(i), \(expression(.string, depth: 2)), [\(expression(.int, depth: 2))]);")
            emit("let (a\(n), b\(n), c\(n)) = t\(n);")
            emit("println(t\(n).0 + a\(n), b\(n), c\(n), t\(n));")
        case 5:
            emit("let w\(n) = \(expression(.string, depth: 1));")
            emit("println(w\(n).split(\"\\u{e9}\"), w\(n).chars().len(), w\(n).find(\"l\"), w\(n).parse_int(), w\(n).starts_with(\"\"), w\(n).bytes().len());")
        case 6:
            emit("let mut m\(n) = HashMap[string, int]::new();")
            emit("for (k, x) in [(\"a\", 1), (\"b\", \(i)), (\"a\", 3)] { m\(n).insert(k, x); }")
            emit("for (k, x) in m\(n) { println(k, \"=\", x); }")
            emit("println(m\(n).keys(), m\(n).values(), m\(n).get(\"zz\"), m\(n)[\(random.chance(70) ? "\"a\"" : "\"zz\"")]);")
        case 7: emit("let \(n) = loop { if \(expression(.bool, depth: 2)) { break \(i); } break -1; }; println(\(n));")
        case 8:
            emit("match (\(i)) { 0 => println(\"zero\"), 1..=9 => println(\"digit\"), x if x < 0 => println(\"neg\", x), _ => println(\"big\") }")
        case 9:
            emit("let mut k\(n) = 0;")
            emit("let inc\(n) = || { k\(n) += \(random.pick(["1", "9223372036854775807"])); k\(n) };")
            emit("inc\(n)(); println(inc\(n)(), \" \", k\(n));")
        case 10:
            emit("let p\(n) = Point { x: \(i), y: 2 };")
            emit("let r\(n) = &p\(n);")
            emit("println(r\(n).sum(), r\(n).x, *r\(n));")
        case 11:
            emit("let mut v\(n) = [3, 1, 2];")
            emit("{ let r = &mut v\(n); r.push(\(i)); r.sort(); }")
            emit("println(v\(n), v\(n).iter().rev(), v\(n).sum());")
        case 12:
            emit("let d\(n) = make[chan int](0);")
            emit("spawn { let inner = make[chan int](0); spawn { inner <- fib(\(random.below(15))); }; d\(n) <- <-inner; };")
            emit("println(<-d\(n));")
        case 13:
            emit("println!(\"{} {:?} {:>5} {:.2}\", \(i), \(expression(.string, depth: 2)), \(i), \(expression(.float, depth: 2)));")
        case 14:
            emit("let c\(n) = make[chan int](1);")
            emit("close(c\(n));")
            emit("select { case let x = <-c\(n) => println(x), case c\(n) <- 1 => println(\"sent\") }")
        default:
            emit("println(LIMIT, \" \", id([LIMIT; 2]), \" \", \(i) as float as string, \" \", -(\(i)) as float);")
        }
    }

    /// The places where a careless interpreter traps.
    private mutating func edgeCase() {
        let i = expression(.int, depth: 1)
        emit(random.pick([
            "println(\(i) / 0);",
            "println(\(i) % 0);",
            "println(9223372036854775807 + \(i));",
            "println(-9223372036854775807 - 1 - \(i));",
            "println(\(i) * 4611686018427387904);",
            "println(-(-9223372036854775807 - 1));",
            "println((-9223372036854775807 - 1) / -1);",
            "println((-9223372036854775807 - 1) % -1);",
            "println(1 << \(random.pick(["63", "64", "-1", "100"])));",
            "println(\(i) >> \(random.pick(["63", "64", "-1"])));",
            "println(pow(\(i), \(random.pick(["62", "63", "1000", "-1"]))));",
            "println(abs(-9223372036854775807 - 1));",
            "println(sqrt(-1.0) as int);",
            "println((1.0 / 0.0) as int);",
            "println(1e300 * 1e300);",
            "println(rec(\(random.pick(["100", "10000", "3000000", "-5"]))));",
            "println(fib(\(random.pick(["10", "20", "90"]))));",
            "let _ = [0; \(random.pick(["1000000000000", "-1", "268435457", "100000", "9223372036854775807"]))];",
            "println(\"ab\".repeat(\(random.pick(["1099511627776", "-1", "100000", "9223372036854775807"]))).len());",
            "println([1, 2, 3][\(random.pick(["3", "-1", "9223372036854775807"]))]);",
            "println(\"héllo\"[\(random.pick(["0..2", "1..3", "2..99", "3..1"]))]);",
            // Nil is a value of every type: the checker accepts it, the run time decides.
            "println([1.5, 2.5, nil].contains(2.5));",
            "let mut mixed = [3, nil, 1]; mixed.sort(); println(mixed);",
            "println(\"x\".parse_int());",
            "println(to_string([1, 2]) + format(\"{} {}\", 1));",
            "println(format(\"{}\", \(i), \(i)));",
            "println(nil + 1);",
            "println(\(i) as float / 0.0);",
            "println(nil < \"s\");",
            "println([nil] == [1.0]);",
            "exit(\(random.pick(["0", "3", "-1", "256"])));",
        ]))
    }

    /// Values that double in a loop: the size limits must stop them with an error.
    private mutating func growth() {
        let name = newName(.string)
        // Past the limits only now and then: reaching 1 GiB takes a second or two.
        let rounds = random.chance(4) ? "64" : random.pick(["10", "16"])
        if random.chance(50) {
            emit("let mut \(name) = \"ab\";")
            emit("for _ in 0..\(rounds) { \(name) = \(name) + \(name); }")
        } else if random.chance(50) {
            emit("let mut \(name) = [1, 2];")
            emit("for _ in 0..\(random.pick(["10", "16"])) { let c = \(name); \(name).extend(c); }")
        } else {
            // Shared halves: printing, comparing or hashing it is exponential work, which
            // only the time limit ends.
            // A list nested in itself has no static type: it starts as nil, unknown to the checker.
            emit("let mut \(name) = nil;")
            emit("\(name) = [0];")
            emit("for _ in 0..\(random.chance(10) ? "40" : "8") { \(name) = [\(name), \(name)]; }")
            emit(random.pick(["println(\(name) == [\(name)]);", "println(to_string(\(name)).len());",
                              "println(\(name) < [\(name)]);", "println(\(name).contains(0));"]))
        }
        emit("println(\(name).len());")
    }

    // MARK: - Expressions

    private mutating func expression(_ kind: Kind, depth: Int) -> String {
        let leaf = depth >= 3 || random.chance(30)
        if leaf, random.chance(60), let v = variable(of: kind) { return v.name }
        switch kind {
        case .int: return intExpression(depth: depth, leaf: leaf)
        case .float:
            if leaf { return random.pick(["0.5", "1.0", "-0.0", "3.14", "1e308", "2.5e-320", "0.1"]) }
            switch random.below(4) {
            case 0: return "(\(expression(.int, depth: depth + 1)) as float)"
            case 1: return "sqrt(\(expression(.float, depth: depth + 1)))"
            case 2: return "(\(expression(.float, depth: depth + 1)) \(random.pick(["+", "-", "*", "/"])) \(expression(.float, depth: depth + 1)))"
            default: return "floor(\(expression(.float, depth: depth + 1)))"
            }
        case .bool:
            if leaf { return random.pick(["true", "false"]) }
            switch random.below(6) {
            case 0, 1:
                return "(\(expression(.int, depth: depth + 1)) \(random.pick(["<", "<=", ">", ">=", "==", "!="])) \(expression(.int, depth: depth + 1)))"
            case 2: return "(\(expression(.bool, depth: depth + 1)) \(random.pick(["&&", "||"])) \(expression(.bool, depth: depth + 1)))"
            case 3: return "!\(expression(.bool, depth: depth + 1))"
            case 4: return "\(expression(.list, depth: depth + 1)).contains(\(expression(.int, depth: depth + 1)))"
            default:
                let k = random.pick(Kind.allCases)
                return "(\(expression(k, depth: depth + 1)) == \(expression(k, depth: depth + 1)))"
            }
        case .string:
            if leaf { return random.pick(["\"\"", "\"a\"", "\"héllo\"", "\"x y z\"", "\"\\u{1F600}\"", "\"a\\nb\""]) }
            switch random.below(6) {
            case 0: return "to_string(\(expression(random.pick(Kind.allCases), depth: depth + 1)))"
            case 1: return "(\(expression(.string, depth: depth + 1)) + \(expression(.string, depth: depth + 1)))"
            case 2: return "format(\"<{}|{}>\", \(expression(.int, depth: depth + 1)), \(expression(random.pick(Kind.allCases), depth: depth + 1)))"
            case 3: return "\(expression(.string, depth: depth + 1)).\(random.pick(["to_upper()", "trim()", "to_lower()", "replace(\"a\", \"bb\")"]))"
            case 4: return "(\(expression(.int, depth: depth + 1)) as string)"
            default: return "\(expression(.list, depth: depth + 1)).join(\",\")"
            }
        case .list:
            if leaf { return random.pick(["[]", "[1, 2, 3]", "[0; 5]", "[9223372036854775807, -1]"]) }
            switch random.below(6) {
            case 0: return "[\((0..<random.below(4)).map { _ in expression(.int, depth: depth + 1) }.joined(separator: ", "))]"
            case 1: return "[\(expression(.int, depth: depth + 1)); \(random.pick(["3", "0", "1000", "-2"]))]"
            case 2: return "\(expression(.list, depth: depth + 1)).map(\(closureLiteral(depth: depth + 1)))"
            case 3: return "\(expression(.list, depth: depth + 1)).filter(|x: int| x % 2 == 0)"
            case 4: return "\(expression(.list, depth: depth + 1))[\(random.chance(80) ? random.pick(["..", "0..0", "..0"]) : random.pick(["1..", "..2", "0..1", "2..1", "5..9"]))]"
            default: return "\(expression(.string, depth: depth + 1)).bytes()"
            }
        case .map:
            if leaf || random.chance(50) { return "HashMap[int, int]::new()" }
            return "{ let mut m = HashMap[int, int]::new(); m.insert(\(expression(.int, depth: depth + 1)), \(expression(.int, depth: depth + 1))); m }"
        case .point:
            return "Point { x: \(expression(.int, depth: depth + 1)), y: \(expression(.int, depth: depth + 1)) }"
        case .shape:
            switch random.below(3) {
            case 0: return "Shape::Circle(\(expression(.int, depth: depth + 1)))"
            case 1: return "Rect(\(expression(.int, depth: depth + 1)), \(expression(.int, depth: depth + 1)))"
            default: return "Shape::Empty"
            }
        case .closure:
            // In parentheses: `|x: int| x + 1 == |y: int| y` would compare inside the first body.
            return "(\(closureLiteral(depth: depth)))"
        case .channel:
            return "make[chan int](\(random.pick(["0", "2"])))"
        }
    }

    private mutating func intExpression(depth: Int, leaf: Bool) -> String {
        if leaf {
            if random.chance(80) { return String(random.below(11)) }
            return random.pick(["-1", "255", "65536", "2147483647", "9223372036854775807", "(-9223372036854775807 - 1)",
                                "4611686018427387904", "63", "64", "1000000"])
        }
        switch random.below(14) {
        case 0, 1, 2:
            return "(\(expression(.int, depth: depth + 1)) \(random.pick(["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"])) \(expression(.int, depth: depth + 1)))"
        case 3: return "-\(expression(.int, depth: depth + 1))"
        case 4: return "\(expression(.list, depth: depth + 1)).len()"
        case 5:
            // Mostly in range; now and then anywhere.
            if random.chance(85) { return "[\(expression(.int, depth: depth + 1)), 1, 2][\(random.below(3))]" }
            return "\(expression(.list, depth: depth + 1))[\(expression(.int, depth: depth + 1))]"
        case 6:
            let f = random.pick(functions)
            let args = (0..<f.arity).map { _ in f.name == "rec" || f.name == "fib" ? String(random.below(15)) : expression(.int, depth: depth + 1) }
            return "\(f.name)(\(args.joined(separator: ", ")))"
        case 7:
            if let c = variable(of: .closure) { return "\(c.name)(\(expression(.int, depth: depth + 1)))" }
            return "(\(closureLiteral(depth: depth + 1)))(\(expression(.int, depth: depth + 1)))"
        case 8:
            let member = random.pick(["x", "y", "sum()"])
            return "\(expression(.point, depth: depth + 1)).\(member)"
        case 9:
            return "match (\(expression(.shape, depth: depth + 1))) { Shape::Circle(r) => r, Rect(w, h) => w * h, Empty => 0 }"
        case 10: return "if (\(expression(.bool, depth: depth + 1))) { \(expression(.int, depth: depth + 1)) } else { \(expression(.int, depth: depth + 1)) }"
        case 11: return "\(random.pick(["pow", "min", "max"]))(\(expression(.int, depth: depth + 1)), \(expression(.int, depth: depth + 1)))"
        case 12: return random.chance(30) ? "(\(expression(.float, depth: depth + 1)) as int)" : "(\(random.pick(["0.5", "2.5", "-3.75"])) as int)"
        default: return "\(expression(.string, depth: depth + 1)).len()"
        }
    }

    private mutating func closureLiteral(depth: Int) -> String {
        let x = newName(.int)
        scopes.append([Variable(name: x, kind: .int, mutable: false)])
        defer { scopes.removeLast() }
        if random.chance(30) {
            return "|\(x): int| { let t = \(expression(.int, depth: depth + 1)); t + \(x) }"
        }
        return "|\(x): int| \(x) \(random.pick(["+", "*", "-", "/"])) \(expression(.int, depth: depth + 1))"
    }

    // MARK: - Helpers

    private mutating func bound() -> String {
        random.chance(90) ? String(random.int(in: 0...20)) : random.pick(["1000", "100000", "9223372036854775807", "-3"])
    }

    private mutating func newName(_ kind: Kind) -> String {
        fresh += 1
        switch kind {
        case .int: return "n\(fresh)"
        case .float: return "x\(fresh)"
        case .bool: return "b\(fresh)"
        case .string: return "s\(fresh)"
        case .list: return "v\(fresh)"
        case .map: return "m\(fresh)"
        case .point: return "p\(fresh)"
        case .shape: return "sh\(fresh)"
        case .closure: return "c\(fresh)"
        case .channel: return "ch\(fresh)"
        }
    }

    private mutating func variable(of kind: Kind? = nil, mutableOnly: Bool = false) -> Variable? {
        var candidates: [Variable] = []
        for (depth, scope) in scopes.enumerated() {
            if mutableOnly && depth < readOnlyScopes { continue }
            for v in scope where (kind == nil || v.kind == kind) && (!mutableOnly || v.mutable) { candidates.append(v) }
        }
        return candidates.isEmpty ? nil : random.pick(candidates)
    }

    private mutating func emit(_ line: String) {
        lines.append(String(repeating: "    ", count: indent) + line)
    }
}
