import MalphasSyntax

// The signatures of the builtin functions (LANGUAGE 7) and of the methods of strings,
// lists, maps, channels and numbers (LANGUAGE 5-6), for the checker. A builtin or method
// with no entry here (the standard library's native builtins, ones added later) is typed
// as unknown: its arguments are checked against nothing and its result accepts every use.

/// What a builtin call takes and gives. `params` nil: any number of arguments of any type.
struct BuiltinSignature {
    var params: [StaticType]?
    var result: StaticType
}

extension BuiltinFunction {
    /// The signature of a call with the argument types `args` (already inferred), or nil
    /// when the builtin has none (unknown).
    func signature(arguments args: [StaticType]) -> BuiltinSignature? {
        switch self {
        case .println, .print: return BuiltinSignature(params: nil, result: .unit)
        case .format: return BuiltinSignature(params: nil, result: .string)
        case .panic: return BuiltinSignature(params: nil, result: .never)
        case .exit: return BuiltinSignature(params: args.isEmpty ? [] : [.int], result: .never)
        case .len: return BuiltinSignature(params: nil, result: .int)
        case .assert: return BuiltinSignature(params: nil, result: .unit)
        case .assertEq: return BuiltinSignature(params: nil, result: .unit)
        case .toString: return BuiltinSignature(params: nil, result: .string)
        case .readLine: return BuiltinSignature(params: [], result: .string)
        case .args: return BuiltinSignature(params: [], result: .list(.string))
        case .sleep: return BuiltinSignature(params: [.int], result: .unit)
        case .yieldNow: return BuiltinSignature(params: [], result: .unit)
        case .legionId, .numWorkers, .nowMs: return BuiltinSignature(params: [], result: .int)
        case .sqrt: return BuiltinSignature(params: nil, result: .float)
        case .abs, .floor, .ceil:
            // The result is the argument's own numeric type.
            return BuiltinSignature(params: nil, result: args.first.map(Self.numeric) ?? .unknown)
        case .pow:
            if args.count == 2, args[0] == args[1], args[0] == .int || args[0] == .float {
                return BuiltinSignature(params: nil, result: args[0])
            }
            return nil
        default:
            return nil
        }
    }

    private static func numeric(_ t: StaticType) -> StaticType { t == .int || t == .float ? t : .unknown }
}

extension BuiltinMethod {
    /// The signature of this method on a receiver of type `receiver` (resolved), or nil
    /// when the checker has none for that receiver (unknown). `fresh` makes an inference
    /// variable (the result type of the closure given to `map`).
    func signature(on receiver: StaticType, fresh: () -> StaticType) -> BuiltinSignature? {
        // What every value answers to.
        switch self {
        case .toString: return BuiltinSignature(params: [], result: .string)
        case .clone: return BuiltinSignature(params: [], result: receiver)
        case .unwrap: return BuiltinSignature(params: [], result: receiver)
        case .unwrapOr: return BuiltinSignature(params: [receiver], result: receiver)
        default: break
        }
        switch receiver {
        case .string: return stringSignature()
        case .list(let e): return listSignature(e, fresh: fresh)
        case .map(let k, let v): return mapSignature(k, v)
        case .channel:
            switch self {
            case .len, .cap: return BuiltinSignature(params: [], result: .int)
            case .close: return BuiltinSignature(params: [], result: .unit)
            default: return nil
            }
        case .int, .float:
            switch self {
            case .abs, .floor, .ceil: return BuiltinSignature(params: [], result: receiver)
            case .sqrt: return BuiltinSignature(params: [], result: .float)
            case .pow, .min, .max: return BuiltinSignature(params: [receiver], result: receiver)
            default: return nil
            }
        default:
            return nil
        }
    }

    private func stringSignature() -> BuiltinSignature? {
        switch self {
        case .len: return BuiltinSignature(params: [], result: .int)
        case .isEmpty: return BuiltinSignature(params: [], result: .bool)
        case .contains, .startsWith, .endsWith: return BuiltinSignature(params: [.string], result: .bool)
        case .find: return BuiltinSignature(params: [.string], result: .int)
        case .split: return BuiltinSignature(params: [.string], result: .list(.string))
        case .splitWhitespace, .lines, .chars: return BuiltinSignature(params: [], result: .list(.string))
        case .bytes: return BuiltinSignature(params: [], result: .list(.int))
        case .trim, .trimStart, .trimEnd, .toUpper, .toLower: return BuiltinSignature(params: [], result: .string)
        case .replace: return BuiltinSignature(params: [.string, .string], result: .string)
        case .repeatString: return BuiltinSignature(params: [.int], result: .string)
        case .parseInt: return BuiltinSignature(params: [], result: .int)
        case .parseFloat: return BuiltinSignature(params: [], result: .float)
        default: return nil
        }
    }

    private func listSignature(_ e: StaticType, fresh: () -> StaticType) -> BuiltinSignature? {
        switch self {
        case .len: return BuiltinSignature(params: [], result: .int)
        case .sum: return BuiltinSignature(params: [], result: e)
        case .isEmpty: return BuiltinSignature(params: [], result: .bool)
        case .push: return BuiltinSignature(params: [e], result: .unit)
        case .pop, .first, .last: return BuiltinSignature(params: [], result: e)
        case .get: return BuiltinSignature(params: [.int], result: e)
        case .insert: return BuiltinSignature(params: [.int, e], result: .unit)
        case .remove: return BuiltinSignature(params: [.int], result: e)
        case .contains: return BuiltinSignature(params: [e], result: .bool)
        case .indexOf: return BuiltinSignature(params: [e], result: .int)
        case .reverse, .sort, .clear: return BuiltinSignature(params: [], result: .unit)
        case .join: return BuiltinSignature(params: [.string], result: .string)
        case .map:
            let u = fresh()
            return BuiltinSignature(params: [.function([e], u)], result: .list(u))
        case .filter: return BuiltinSignature(params: [.function([e], .bool)], result: .list(e))
        case .extend: return BuiltinSignature(params: [.list(e)], result: .unit)
        case .iter, .collect, .rev: return BuiltinSignature(params: [], result: .list(e))
        case .enumerate: return BuiltinSignature(params: [], result: .list(.tuple([.int, e])))
        default: return nil
        }
    }

    private func mapSignature(_ k: StaticType, _ v: StaticType) -> BuiltinSignature? {
        switch self {
        case .len: return BuiltinSignature(params: [], result: .int)
        case .isEmpty: return BuiltinSignature(params: [], result: .bool)
        case .get, .remove: return BuiltinSignature(params: [k], result: v)
        case .containsKey: return BuiltinSignature(params: [k], result: .bool)
        case .put: return BuiltinSignature(params: [k, v], result: .unit)
        case .insert: return BuiltinSignature(params: [k, v], result: .unknown)
        case .keys: return BuiltinSignature(params: [], result: .list(k))
        case .values: return BuiltinSignature(params: [], result: .list(v))
        case .clear: return BuiltinSignature(params: [], result: .unit)
        default: return nil
        }
    }
}
