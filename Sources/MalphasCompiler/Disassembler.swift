import MalphasSyntax

/// Prints a compiled program's bytecode (`malphas disasm`), reading operand formats and
/// names from the opcode table.
public enum Disassembler {
    public static func disassemble(_ program: CompiledProgram) -> String {
        var out = ""
        for (index, f) in program.functions.enumerated() {
            if program.preludeFunctions.values.contains(index) { continue }
            out += disassemble(f, index: index, program: program)
            out += "\n"
        }
        return out
    }

    public static func disassemble(_ f: FunctionProto, index: Int, program: CompiledProgram) -> String {
        let file = program.sources.file(f.file)?.name ?? "<unknown>"
        var out = "function \(index) `\(f.name)` (\(file):\(f.line)): \(f.arity) parameter\(f.arity == 1 ? "" : "s"), "
            + "\(f.registerCount) register\(f.registerCount == 1 ? "" : "s"), \(f.constants.count) constant\(f.constants.count == 1 ? "" : "s")"
        if !f.upvalues.isEmpty { out += ", upvalues \(f.upvalues)" }
        out += "\n"
        for (pc, word) in f.code.enumerated() {
            let op = Instruction.opcode(word)
            var operands: String
            switch op.format {
            case .none: operands = ""
            case .a: operands = "\(Instruction.a(word))"
            case .ab: operands = "\(Instruction.a(word)) \(Instruction.b(word))"
            case .abc:
                let c = op.hasShortJump ? Instruction.sC(word) : Instruction.c(word)
                operands = "\(Instruction.a(word)) \(Instruction.b(word)) \(c)"
            case .abx: operands = "\(Instruction.a(word)) \(Instruction.bx(word))"
            case .asbx: operands = "\(Instruction.a(word)) \(Instruction.sBx(word))"
            case .sbx: operands = "\(Instruction.sBx(word))"
            }
            if Instruction.d(word) != 0 { operands += " d=\(Instruction.d(word))" }
            let line = pc < f.lines.count ? Int(f.lines[pc]) : 0
            var text = "  " + pad(String(pc), 5) + pad("[\(line)]", 7) + pad(op.mnemonic, 20) + operands
            if let note = comment(op, word, pc: pc, f, program) { text = pad(text, 58) + "; " + note }
            out += text + "\n"
        }
        return out
    }

    private static func comment(_ op: Opcode, _ w: UInt64, pc: Int, _ f: FunctionProto, _ program: CompiledProgram) -> String? {
        func constant(_ i: Int) -> String? { i < f.constants.count ? describe(f.constants[i], program) : nil }
        func function(_ i: Int) -> String? { i < program.functions.count ? program.functions[i].name : nil }
        func site(_ i: Int) -> String? { i < f.sites.count ? f.sites[i].name : nil }
        switch op {
        case .loadConst: return constant(Instruction.bx(w))
        case .addConst, .subtractConst, .multiplyConst, .divideConst, .remainderConst, .equalConst:
            return constant(Instruction.c(w))
        case .loadFunction, .closure: return function(Instruction.bx(w))
        case .callFunction: return function(Instruction.c(w))
        case .getField, .takeField, .callMethod: return site(Instruction.c(w))
        case .setField: return site(Instruction.b(w))
        case .callBuiltin:
            let i = Instruction.c(w)
            return i < BuiltinFunction.allCases.count ? BuiltinFunction.allCases[i].name : nil
        case .callConstructor:
            let i = Instruction.c(w)
            return i < BuiltinConstructor.allCases.count ? BuiltinConstructor.allCases[i].rawValue : nil
        case .getGlobal, .setGlobal, .takeGlobal:
            let i = Instruction.bx(w)
            return i < program.globalNames.count ? program.globalNames[i] : nil
        case .newRecord:
            let i = Instruction.c(w)
            return i < program.structs.count ? program.structs[i].name : nil
        case .newVariant, .testVariant:
            let i = Instruction.c(w)
            guard i < program.variants.count else { return nil }
            let (e, tag) = program.variants[i]
            return "\(program.enums[e].name)::\(program.enums[e].variantNames[tag])"
        case .cast:
            let i = Instruction.c(w)
            return i < CastTarget.allCases.count ? "as \(CastTarget.allCases[i].rawValue)" : nil
        case .jump, .loopBack, .jumpIfFalse, .jumpIfTrue, .forRangeNext, .iterNext:
            return "to \(pc + 1 + Instruction.sBx(w))"
        case .jumpIfNotLess, .jumpIfNotLessEqual, .loopIfLess, .loopIfLessEqual:
            return "to \(pc + 1 + Instruction.sC(w))"
        case .jumpIfNotLessConst, .jumpIfNotLessEqualConst, .jumpIfNotGreaterConst, .jumpIfNotGreaterEqualConst,
             .loopIfLessConst, .loopIfLessEqualConst, .loopIfGreaterConst, .loopIfGreaterEqualConst:
            return "\(constant(Instruction.b(w)) ?? "?"), to \(pc + 1 + Instruction.sC(w))"
        default: return nil
        }
    }

    private static func describe(_ k: Constant, _ program: CompiledProgram) -> String {
        switch k {
        case .int(let v): return String(v)
        case .float(let v): return String(v)
        case .string(let v): return "\"" + v.replacingAll("\n", with: "\\n") + "\""
        case .bool(let v): return String(v)
        case .nil: return "nil"
        case .unit: return "()"
        case .unitVariant(let i):
            let (e, tag) = program.variants[i]
            return "\(program.enums[e].name)::\(program.enums[e].variantNames[tag])"
        case .selectTable(let i): return "select table \(i)"
        }
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}

extension String {
    /// `self` with every `target` replaced (no Foundation in this layer).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
