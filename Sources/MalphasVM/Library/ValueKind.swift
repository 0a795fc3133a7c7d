// How values are named in messages. Every error that mentions a value's type goes
// through `typeName`, so "cannot add int and float" and "`len` expects a string, list,
// map or channel, got bool" use the same words.

extension Value {
    /// The value's type as a Malphas programmer writes it: `int`, `float`, `bool`,
    /// `string`, `nil`, `()`, `list`, `map`, `tuple`, `function`, `channel`, `range`,
    /// a struct's or enum's own name (`Point`, `Shape`), and `&T` for a reference.
    public var typeName: String {
        switch self {
        case .unit: return "()"
        case .nil: return "nil"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .list: return "list"
        case .map: return "map"
        case .tuple: return "tuple"
        case .record(let box): return box.type.name
        case .variant(let box): return box.type.name
        case .function, .native: return "function"
        case .channel: return "channel"
        case .reference:
            let target = dereferenced
            if case .reference = target { return "reference" }
            return "&" + target.typeName
        case .range: return "range"
        }
    }

    /// The value a reference points at, following chains of references; any other value
    /// is itself. Reading through a reference is automatic wherever a value is expected
    /// (LANGUAGE 4), so the library dereferences before it inspects an operand.
    public var dereferenced: Value {
        guard case .reference(var box) = self else { return self }
        // A chain of references is short in practice; bound it so a reference that
        // (through assignment) points at itself cannot hang the program.
        var hops = 0
        while case .reference(let next) = box.value, hops < 64 {
            box = next
            hops += 1
        }
        return box.value
    }
}
