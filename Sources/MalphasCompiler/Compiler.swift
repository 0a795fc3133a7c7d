import Glibc
import MalphasSyntax

// The bytecode compiler. `ProgramCompiler` compiles every function the resolver found;
// `FunctionCompiler` turns one body into register code (Lua's model: locals occupy the
// low registers in declaration order, temporaries sit above them and are freed in stack
// order, a call's callee and arguments are consecutive registers).
//
// The compiler never re-resolves a name: it reads the resolver's tables by span.

/// Options that change the code the compiler emits.
public struct CompileOptions: Sendable {
    /// Emit safe-point checks at function entries and loop back edges (DESIGN 3.4).
    /// `MALPHAS_NO_SAFEPOINTS=1` turns them off, for the safepoint benchmark.
    public var safePoints: Bool
    /// `malphas test`: every root function whose name starts with this prefix and that
    /// takes no parameters gets an entry of its own (`CompiledProgram.namedEntries`), and
    /// the program needs no `main`.
    public var entryPrefix: String?
    /// Run the static type checker (Types/). `MALPHAS_NO_TYPECHECK=1` turns it off, only
    /// to measure what checking costs (bench/RESULTS.md).
    public var typeCheck: Bool
    public init(safePoints: Bool = true, entryPrefix: String? = nil,
                typeCheck: Bool = getenv("MALPHAS_NO_TYPECHECK").map { String(cString: $0) } != "1") {
        self.safePoints = safePoints
        self.entryPrefix = entryPrefix
        self.typeCheck = typeCheck
    }
}

/// Compiles the bodies the resolver has resolved into the program's functions.
final class ProgramCompiler {
    let resolver: Resolver
    let options: CompileOptions
    var global: GlobalScope { resolver.global }
    var program: CompiledProgram { resolver.global.program }
    var diagnostics: [Diagnostic] = []
    /// The static type of every expression (Types/TypeChecker.swift), by span.
    let types: ExpressionTypes

    init(resolver: Resolver, options: CompileOptions, types: ExpressionTypes = ExpressionTypes()) {
        self.resolver = resolver
        self.options = options
        self.types = types
    }

    func line(of span: Span) -> Int32 { Int32(truncatingIfNeeded: program.sources.line(of: span)) }

    /// Compiles one function declaration into the proto at `index`.
    func compileFunction(_ item: FunctionItem) {
        let proto = program.functions[item.index]
        compileWithFallback(proto) { fc in
            var params: [Binding] = []
            if item.decl.receiver != nil, let b = self.resolver.declarations[item.decl.receiverSpan ?? item.decl.name.span] {
                params.append(b)
            }
            for p in item.decl.params {
                if let b = self.resolver.declarations[p.name.span] { params.append(b) }
            }
            fc.compileBody(params: params, body: item.decl.body.map { Expr(.block($0), $0.span) } ?? Expr(.unit, item.decl.span),
                           entryLine: self.line(of: item.decl.span))
        }
    }

    /// Runs `body` on a fresh function compiler; if a short jump did not fit, compiles
    /// again with long jumps only.
    func compileWithFallback(_ proto: FunctionProto, parent: FunctionCompiler? = nil, _ body: (FunctionCompiler) -> Void) {
        let fc = FunctionCompiler(proto: proto, program: self, parent: parent, shortJumps: true)
        body(fc)
        if fc.shortJumpOverflow {
            let again = FunctionCompiler(proto: proto, program: self, parent: parent, shortJumps: false)
            body(again)
            again.finish()
        } else {
            fc.finish()
        }
    }

    /// The entry function: initialises the constants that did not fold, then calls `main`
    /// and returns what it returns.
    func compileEntry(mainIndex: Int?, constants: [ConstItem], span: Span, mainReturnsValue: Bool = true) -> Int {
        let proto = FunctionProto(name: "<entry>", file: span.file, arity: 0, hasReceiver: false, line: 1)
        let index = global.newFunction(proto)
        compileWithFallback(proto) { fc in
            fc.compileEntry(constants: constants, mainIndex: mainIndex, mainReturnsValue: mainReturnsValue)
        }
        return index
    }
}

/// A loop being compiled: where `break` and `continue` go.
struct LoopContext {
    var breakJumps: [Int] = []
    var continueJumps: [Int] = []
    /// Where `break v` puts its value: a `loop` whose value is wanted (`while` and `for`
    /// produce `()`).
    var resultRegister: Int?
}

/// Compiles one function body.
final class FunctionCompiler {
    let proto: FunctionProto
    let program: ProgramCompiler
    let parent: FunctionCompiler?
    var resolver: Resolver { program.resolver }
    var global: GlobalScope { program.global }
    let shortJumps: Bool
    var shortJumpOverflow = false

    var code: [UInt64] = []
    var lines: [Int32] = []
    var constants: [Constant] = []
    var constantIndex: [Constant: Int] = [:]
    var sites: [MemberSite] = []
    var siteIndex: [String: Int] = [:]
    var selectTables: [[SelectCaseEntry]] = []
    var upvalues: [UpvalueSource] = []

    /// The first free register; everything below is a live local or temporary.
    var freeRegister = 0
    var maxRegister = 0
    var currentLine: Int32 = 0
    var loops: [LoopContext] = []
    /// Places taken for a mutating method call, waiting to be stored back.
    var pendingPlaces: [Place] = []
    /// A method's `self` that lives in a cell (a closure captures it): its value is put
    /// back into register 0 before every return, where a `&mut self` write-back reads it.
    var celledReceiver: Binding?

    init(proto: FunctionProto, program: ProgramCompiler, parent: FunctionCompiler?, shortJumps: Bool) {
        self.proto = proto
        self.program = program
        self.parent = parent
        self.shortJumps = shortJumps
    }

    func finish() {
        shortenPathsToReturns()
        // A frame records its pc in 32 bits (the VM's `Frame`).
        if code.count > Int(Int32.max) {
            error("function `\(proto.name)` is too large to compile: it has more than \(Int32.max) instructions",
                  at: Span.synthetic)
        }
        proto.code = code
        proto.lines = lines
        proto.constants = constants
        proto.sites = sites
        proto.selectTables = selectTables
        proto.upvalues = upvalues
        proto.registerCount = max(maxRegister, proto.arity, 1)
    }

    /// A value computed in one branch of a tail `if` or `match` reaches the function's
    /// return through a move and a jump (`move 1 0; jump L; ... L: returnValue 1`). Each
    /// dispatch costs about as much as a simple instruction does, so the paths are shortened
    /// in place: a `jump` to a return becomes that return, and `move r x` followed by
    /// `returnValue r` becomes `returnValue x`. The leaf call of a recursive function
    /// (`if n < 2 { n } else { ... }`) then runs two instructions instead of four.
    /// Instructions keep their indices, so no jump offset changes; the old return stays for
    /// the other paths that reach it.
    private func shortenPathsToReturns() {
        for i in code.indices where Instruction.opcode(code[i]) == .jump {
            let target = i + 1 + Instruction.sBx(code[i])
            guard code.indices.contains(target) else { continue }
            switch Instruction.opcode(code[target]) {
            case .returnValue, .returnUnit: code[i] = code[target]
            default: break
            }
        }
        for i in code.indices.dropLast() where Instruction.opcode(code[i]) == .move {
            let next = code[i + 1]
            if Instruction.opcode(next) == .returnValue && Instruction.a(next) == Instruction.a(code[i]) {
                code[i] = Instruction.make(.returnValue, a: Instruction.b(code[i]))
            }
        }
    }

    func error(_ message: String, at span: Span, help: String? = nil) {
        program.diagnostics.append(.error(message, at: span, help: help))
    }

    // MARK: Emitting

    @discardableResult
    func emit(_ word: UInt64) -> Int {
        code.append(word)
        lines.append(currentLine)
        return code.count - 1
    }

    @discardableResult
    func emit(_ op: Opcode, a: Int = 0, b: Int = 0, c: Int = 0, d: Int = 0) -> Int {
        // An index past 16 bits (the 65,536th function, type or member name of a program)
        // would be cut short and run something else: refuse to compile instead.
        let operands = 0...Instruction.maxOperand
        if _slowPath(!operands.contains(a) || !operands.contains(b) || !(-0x8000...Instruction.maxOperand).contains(c)) {
            reportTooLarge()
        }
        return emit(Instruction.make(op, a: a, b: b, c: c, d: d))
    }

    private var reportedTooLarge = false

    private func reportTooLarge() {
        guard !reportedTooLarge else { return }
        reportedTooLarge = true
        error("function `\(proto.name)` is too large to compile: it refers to more than \(Instruction.maxOperand) functions, types or member names",
              at: Span.synthetic)
    }

    @discardableResult
    func emit(_ op: Opcode, a: Int = 0, bx: Int, d: Int = 0) -> Int {
        emit(Instruction.make(op, a: a, bx: bx, d: d))
    }

    /// Emits a jump-like instruction with a placeholder offset, to `patch` later.
    func emitJump(_ op: Opcode = .jump, a: Int = 0) -> Int {
        emit(Instruction.make(op, a: a, bx: 0))
    }

    /// Points the jump at `index` to `target` (default: the next instruction emitted).
    func patch(_ index: Int, to target: Int? = nil) {
        let offset = (target ?? code.count) - (index + 1)
        let word = code[index]
        let op = Instruction.opcode(word)
        switch op {
        case _ where op.hasShortJump:
            if !Instruction.shortJumpRange.contains(offset) { shortJumpOverflow = true; return }
            code[index] = Instruction.make(op, a: Instruction.a(word), b: Instruction.b(word), c: offset, d: Instruction.d(word))
        default:
            code[index] = Instruction.make(op, a: Instruction.a(word), bx: offset)
        }
    }

    func patchAll(_ jumps: [Int], to target: Int? = nil) {
        for j in jumps { patch(j, to: target) }
    }

    /// Emits a backward jump to `target` that is also a safe point (a loop's back edge).
    func emitLoopBack(to target: Int) {
        let offset = target - (code.count + 1)
        emit(Instruction.make(program.options.safePoints ? .loopBack : .jump, bx: offset))
    }

    func constant(_ k: Constant) -> Int {
        if let i = constantIndex[k] { return i }
        constants.append(k)
        constantIndex[k] = constants.count - 1
        return constants.count - 1
    }

    /// The member site of a field access, or with `method`, of a method call. The two never
    /// share a site: a site's inline cache holds a field index for one and a function
    /// index for the other (`p.m` after `p.m()` read a "field" at the method's index).
    func site(_ name: String, builtin: BuiltinMethod?, method: Bool = false) -> Int {
        let key = method ? name + "()" : name
        if let i = siteIndex[key] { return i }
        sites.append(MemberSite(name: name, builtin: builtin))
        siteIndex[key] = sites.count - 1
        return sites.count - 1
    }

    func setLine(_ span: Span) {
        if span.file.raw >= 0 { currentLine = program.line(of: span) }
    }

    // MARK: Registers

    func allocate(_ count: Int = 1) -> Int {
        let r = freeRegister
        freeRegister += count
        if freeRegister > maxRegister {
            maxRegister = freeRegister
            if maxRegister > Instruction.maxOperand {
                freeRegister = 0
                error("function `\(proto.name)` needs more than \(Instruction.maxOperand) registers", at: Span.synthetic)
            }
        }
        return r
    }

    /// Frees every register from `mark` up (temporaries are freed in stack order).
    func free(to mark: Int) { freeRegister = mark }

    // MARK: Bodies

    func compileBody(params: [Binding], body: Expr, entryLine: Int32) {
        currentLine = entryLine
        for p in params {
            p.register = allocate()
        }
        if program.options.safePoints { emit(.safePoint) }
        for p in params where p.needsCell {
            emit(.newCell, a: p.register, b: p.register)
        }
        if proto.hasReceiver, let receiver = params.first, receiver.needsCell { celledReceiver = receiver }
        // The body's value is returned from wherever it is (a local's own register, say).
        if case .block(let block) = body.kind {
            for s in block.statements { compileStatement(s) }
            if let tail = block.tail {
                emitReturn(compileAny(tail))
            } else {
                emitReturn(nil)
            }
        } else {
            emitReturn(compileAny(body))
        }
    }

    /// Returns the value in `register` (nil: `()`), first moving a celled receiver's value
    /// back into register 0.
    func emitReturn(_ register: Int?) {
        if let receiver = celledReceiver {
            var r = register
            if r == receiver.register {
                // Returning `self` itself: read it out of its cell before register 0 changes.
                let t = allocate()
                emit(.getCell, a: t, b: receiver.register)
                r = t
            }
            emit(.getCell, a: receiver.register, b: receiver.register)
            if let r { emit(.returnValue, a: r) } else { emit(.returnUnit) }
            return
        }
        if let register { emit(.returnValue, a: register) } else { emit(.returnUnit) }
    }

    func compileEntry(constants: [ConstItem], mainIndex: Int?, mainReturnsValue: Bool) {
        compileConstants(constants)
        let r = allocate()
        if let mainIndex {
            emit(.callFunction, a: r, b: 0, c: mainIndex)
            // Only a `main` declared with a result gives the exit status (LANGUAGE 2); the
            // value of another `main`'s last expression is dropped.
            if mainReturnsValue { emit(.returnValue, a: r) } else { emit(.returnUnit) }
        } else {
            emit(.returnUnit)
        }
    }

    /// Evaluates the constants that did not fold into their global slots.
    func compileConstants(_ constants: [ConstItem]) {
        for c in constants where c.folded == nil {
            let mark = freeRegister
            let r = allocate()
            setLine(c.decl.value.span)
            compile(c.decl.value, into: r)
            emit(.setGlobal, a: r, bx: c.slot)
            free(to: mark)
        }
    }

    /// REPL input: top-level statements whose `let`s are globals; the value of the tail
    /// expression (if any) is returned.
    func compileSessionStatements(_ statements: [Stmt], tail: Expr?) {
        if program.options.safePoints { emit(.safePoint) }
        for s in statements { compileStatement(s) }
        if let tail {
            let r = allocate()
            compile(tail, into: r)
            emit(.returnValue, a: r)
        } else {
            emit(.returnUnit)
        }
    }

    // MARK: Blocks and statements

    /// Compiles a block; its value goes to `target` (nil: discarded).
    func compileBlock(_ block: Block, into target: Int?) {
        let mark = freeRegister
        for s in block.statements { compileStatement(s) }
        if let tail = block.tail {
            if let target { compile(tail, into: target) } else { compileEffect(tail) }
        } else if let target {
            emit(.loadUnit, a: target)
        }
        free(to: mark)
    }

    func compileStatement(_ s: Stmt) {
        setLine(s.span)
        switch s.kind {
        case .letBinding(let pattern, _, let value):
            compileLet(pattern, value: value)
        case .expression(let e, _):
            compileEffect(e)
        case .item(let item):
            if case .function(let f) = item.kind, let index = resolver.nestedFunctions[f.span] {
                let fi = FunctionItem(decl: f, index: index, displayName: f.name.name, selfType: nil)
                program.compileFunction(fi)
            }
        }
    }

    /// Compiles an expression for its effect only.
    func compileEffect(_ e: Expr) {
        let mark = freeRegister
        switch e.kind {
        case .assign, .whileLoop, .forLoop, .breakLoop, .continueLoop, .returnValue, .send, .spawn:
            compileStatementExpression(e)
        case .block(let b):
            compileBlock(b, into: nil)
        case .ifElse(let c, let then, let otherwise):
            compileIf(condition: c, then: then, otherwise: otherwise, into: nil)
        default:
            let r = allocate()
            compile(e, into: r)
        }
        free(to: mark)
    }

    func compileLet(_ pattern: Pattern, value: Expr?) {
        if case .binding(let ident, _) = pattern.kind, let b = resolver.declarations[ident.span] {
            if case .global(let slot)? = resolver.resolutions[b.span] {
                let mark = freeRegister
                let r = allocate()
                if let value { compile(value, into: r) } else { emit(.loadNil, a: r) }
                emit(.setGlobal, a: r, bx: slot)
                free(to: mark)
                return
            }
            let r = allocate()
            if let value { compile(value, into: r) } else { emit(.loadNil, a: r) }
            b.register = r
            if b.needsCell { emit(.newCell, a: r, b: r) }
            return
        }
        // A destructuring `let`: evaluate, then bind like an irrefutable match arm.
        let mark = freeRegister
        let bindings = allocateBindings(in: pattern)
        let v = allocate()
        if let value { compile(value, into: v) } else { emit(.loadNil, a: v) }
        requireMatch(pattern, value: v)
        finishBindings(bindings)
        // REPL top-level bindings of a destructuring `let` are globals: store what the
        // pattern bound.
        for b in bindings {
            if let slot = resolver.sessionSlots[ObjectIdentifier(b)] { emit(.setGlobal, a: b.register, bx: slot) }
        }
        // Keep the bindings' registers; free only the value temporary and above.
        free(to: max(mark + bindings.count, v))
    }
}

/// Compile errors: every diagnostic of one run, in source order of discovery.
public struct CompileFailure: Error {
    public var diagnostics: [Diagnostic]
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// The compiler's entry point: resolve a parsed program and compile it to bytecode.
public enum BytecodeCompiler {
    /// Resolves and compiles `unit` (and the `prelude`, Malphas functions the VM calls for
    /// list `map` and `filter`, and the standard library modules `modules` loaded, if
    /// given). Fails with every diagnostic found. `analysis` keeps the front end's tables
    /// for tools.
    public static func compile(_ unit: SourceUnit, prelude: SourceUnit?, modules: LoadedModules? = nil, sources: SourceMap,
                               options: CompileOptions = CompileOptions(),
                               analysis: FrontEndAnalysis? = nil) -> Result<CompiledProgram, CompileFailure> {
        let global = GlobalScope(sources: sources)
        let resolver = Resolver(global: global)
        resolver.declareProgram((prelude?.items ?? []) + unit.items, library: modules?.library ?? [],
                                libraryModuleNames: modules?.libraryModuleNames ?? [])
        global.program.libraryFiles = modules?.libraryFiles ?? []
        resolver.resolveBodies()
        analysis?.resolver = resolver
        var diagnostics = resolver.diagnostics
        let main = global.functions["main"]
        if main == nil && options.entryPrefix != nil {
            // A test file: its entries are its test functions.
        } else if main == nil {
            diagnostics.append(.error("`main` function not found in this program",
                                      at: Span(file: unit.file, start: 0, end: 0),
                                      help: "add `fn main() { ... }`: it is where the program starts"))
        } else if let main, main.decl.params.count > 0 || main.decl.receiver != nil {
            diagnostics.append(.error("`main` takes no parameters", at: main.decl.name.span,
                                      help: "read command-line arguments with `args()`"))
        }
        if !diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: diagnostics)) }
        var types = ExpressionTypes()
        if options.typeCheck {
            let checker = TypeChecker(resolver: resolver, environment: TypeEnvironment())
            checker.checkItems()
            analysis?.expressionTypes = checker.describedTypes()
            if !checker.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: checker.diagnostics)) }
            global.program.warnings = checker.warnings
            types = checker.expressionTypes()
        }
        let compiler = ProgramCompiler(resolver: resolver, options: options, types: types)
        compiler.compileItems()
        global.program.entry = compiler.compileEntry(mainIndex: main?.index, constants: resolver.constItems,
                                                     span: Span(file: unit.file, start: 0, end: 0),
                                                     mainReturnsValue: main?.decl.result != nil)
        if let prefix = options.entryPrefix {
            // Test functions anywhere in the file's module tree (`mod tests { ... }` too),
            // named by their path, in declaration order.
            func addEntries(_ items: [Item], modulePath: String) {
                for item in items {
                    switch item.kind {
                    case .function(let f) where f.name.name.hasPrefix(prefix) && f.params.isEmpty && f.receiver == nil:
                        guard let fi = global.functions[modulePath + f.name.name] else { continue }
                        let entry = compiler.compileEntry(mainIndex: fi.index, constants: resolver.constItems,
                                                          span: Span(file: unit.file, start: 0, end: 0))
                        global.program.namedEntries.append((modulePath + f.name.name, entry, sources.line(of: f.name.span)))
                    case .module(let m):
                        addEntries(m.items ?? [], modulePath: modulePath + m.name.name + "::")
                    default:
                        break
                    }
                }
            }
            addEntries(unit.items, modulePath: "")
        }
        global.notePreludeFunctions()
        if !compiler.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: compiler.diagnostics)) }
        return .success(global.program)
    }
}

extension ProgramCompiler {
    /// Compiles every item function the resolver declared (nested functions are compiled
    /// where they are declared).
    func compileItems() {
        let nested = Set(resolver.nestedFunctions.values)
        for item in resolver.functionItems where !nested.contains(item.index) {
            compileFunction(item)
        }
    }
}

/// A REPL session's compiler: items and top-level `let` bindings persist from one input
/// to the next (their global scope is kept), so each input sees what earlier ones declared.
/// Redefining a function in a later input replaces it for the inputs that follow.
public final class CompilerSession {
    public let global: GlobalScope
    public let options: CompileOptions
    /// What the type checker knows of earlier inputs (kept only when an input compiles).
    var typeEnvironment = TypeEnvironment()

    public init(sources: SourceMap, options: CompileOptions = CompileOptions()) {
        global = GlobalScope(sources: sources)
        self.options = options
    }

    /// What compiling one input added to the session's program.
    public struct Input {
        /// The function that runs the input's statements and returns its tail's value.
        public var entry: Int
        /// The first function, struct and enum this input added (the VM loads from there).
        public var firstFunction: Int
        public var firstStruct: Int
        public var firstEnum: Int
        /// True when the input ends with an expression whose value the REPL should show.
        public var hasValue: Bool
    }

    /// Compiles one REPL input: items, then statements. On failure the session is left as
    /// it was before the input.
    /// `modules` holds the standard library modules the input names that earlier inputs
    /// had not loaded yet (`ModuleLoader`).
    public func compile(items: [Item], statements: [Stmt], tail: Expr?, file: SourceFileID,
                        modules: LoadedModules? = nil) -> Result<Input, CompileFailure> {
        let snapshot = global.snapshot()
        let result = compileInput(items: items, statements: statements, tail: tail, file: file, modules: modules)
        if case .failure = result { global.restore(snapshot) }
        return result
    }

    private func compileInput(items: [Item], statements: [Stmt], tail: Expr?, file: SourceFileID,
                              modules: LoadedModules?) -> Result<Input, CompileFailure> {
        let program = global.program
        let firstFunction = program.functions.count
        let firstStruct = program.structs.count
        let firstEnum = program.enums.count
        let resolver = Resolver(global: global, isSession: true)
        resolver.declareProgram(items, library: modules?.library ?? [], libraryModuleNames: modules?.libraryModuleNames ?? [])
        program.libraryFiles.formUnion(modules?.libraryFiles ?? [])
        resolver.resolveBodies()
        resolver.resolveSessionStatements(statements, tail: tail)
        if !resolver.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: resolver.diagnostics)) }
        let checker = TypeChecker(resolver: resolver, environment: typeEnvironment)
        checker.checkItems()
        _ = checker.checkSessionStatements(statements, tail: tail)
        if !checker.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: checker.diagnostics)) }
        let compiler = ProgramCompiler(resolver: resolver, options: options, types: checker.expressionTypes())
        compiler.compileItems()
        let proto = FunctionProto(name: "<repl>", file: file, arity: 0, hasReceiver: false, line: 1)
        let entry = global.newFunction(proto)
        compiler.compileWithFallback(proto) { fc in
            fc.compileConstants(resolver.constItems)
            fc.compileSessionStatements(statements, tail: tail)
        }
        if !compiler.diagnostics.isEmpty { return .failure(CompileFailure(diagnostics: compiler.diagnostics)) }
        global.notePreludeFunctions()
        typeEnvironment = checker.env
        program.warnings = checker.warnings
        return .success(Input(entry: entry, firstFunction: firstFunction, firstStruct: firstStruct,
                              firstEnum: firstEnum, hasValue: tail != nil))
    }
}
