// The builtin functions of LANGUAGE 6-7 that work on values alone. The ones that touch the
// scheduler or a channel (`sleep yield_now legion_id num_workers now_ms close`) are the
// VM's; `BuiltinFunction.isHandledByVM` says which.
//
// Decisions where LANGUAGE.md is silent:
// - `println()` prints an empty line, `print()` nothing. With one argument they print its
//   display form, even when it is a string containing `{}` or `{{`.
// - `panic()` without a message panics with "explicit panic".
// - `assert(c, msg)` and `assert_eq(a, b, msg)` take an optional message; like `panic`'s,
//   it may be a template followed by its arguments: `panic("bad {}", x)`.
// - `min` and `max` take two or more arguments, or one list (giving nil when it is
//   empty). They order like `<`; a NaN argument is skipped.
// - `abs`, `floor`, `ceil` keep the type (an int stays an int); `sqrt` gives a float for
//   an int too; `pow(int, int)` is a checked int (a negative exponent is an error),
//   `pow(float, float)` and `pow(float, int)` are floats.
// - `exit(code)` flushes output and ends the program with `code` (0 by default).

import Glibc
import MalphasCompiler

/// What builtins need from the running program: where output goes, where input comes
/// from, and the program's command-line arguments. One per program run, shared by its
/// legions (everything in it is thread-safe or immutable).
public final class BuiltinContext: @unchecked Sendable {
    /// Where `println` and `print` write.
    public let output: Output
    /// Where errors and panics are reported (by the VM).
    public let errorOutput: Output
    /// Where `read_line` reads.
    public let input: Input
    /// What `args()` returns: the arguments after the script name.
    public let args: [String]

    /// A context writing to `output`, reading from `input`; the defaults are the process's
    /// standard streams.
    public init(output: Output = .standardOutput, errorOutput: Output = .standardError,
                input: Input = .standardInput, args: [String] = []) {
        self.output = output
        self.errorOutput = errorOutput
        self.input = input
        self.args = args
    }

    /// Flushes both outputs: before an exit, before blocking on input, before an error
    /// report.
    public func flush() {
        output.flush()
        errorOutput.flush()
    }
}

/// The builtin functions that work on values alone.
public enum Builtins {
    /// Calls builtin `function` with `args` (valid for the duration of the call).
    public static func call(_ function: BuiltinFunction, _ args: UnsafeBufferPointer<Value>,
                            _ context: BuiltinContext) throws -> Value {
        guard function.arity.contains(args.count) else {
            throw RuntimeError("builtin `\(function.name)` takes \(function.arityDescription) but \(supplied(args.count))")
        }
        switch function {
        case .println, .print:
            try context.output.write { buffer in
                let start = buffer.count
                writeArguments(args, to: &buffer)
                // A print cut short by the limits, or by the program ending, prints nothing.
                let length = buffer.count - start
                if length > ValueLimits.maxStringBytes || ValueLimits.programIsEnding {
                    buffer.bytes.removeSubrange(start...)
                    try ValueLimits.checkString(length, "`\(function.name)`")
                    throw ValueLimits.stopped
                }
                if function == .println { buffer.append(byte: UInt8(ascii: "\n")) }
            }
            return .unit
        case .format:
            guard case .string(let fmt) = args[0].dereferenced else {
                throw RuntimeError("builtin `format` expects a format string first, got \(args[0].typeName)")
            }
            return .string(StringBox(try Format.format(fmt.value, UnsafeBufferPointer(rebasing: args[1...]))))
        case .panic:
            let message = args.isEmpty ? "explicit panic" : message(UnsafeBufferPointer(rebasing: args[0...]))
            throw RuntimeError.panic(message)
        case .len:
            return .int(try length(args[0], "builtin `len`"))
        case .assert:
            guard case .bool(let condition) = args[0].dereferenced else {
                throw RuntimeError("builtin `assert` expects a bool, got \(args[0].typeName)")
            }
            if !condition {
                throw RuntimeError.panic(args.count > 1
                    ? "assertion failed: " + message(UnsafeBufferPointer(rebasing: args[1...]))
                    : "assertion failed")
            }
            return .unit
        case .assertEq:
            if try !Equality.equal(args[0], args[1]) {
                let what = args.count > 2 ? message(UnsafeBufferPointer(rebasing: args[2...])) : "left == right"
                throw RuntimeError.panic("assertion failed: \(what)\n  left: \(Printer.excerpt(args[0], limit: 4096))\n right: \(Printer.excerpt(args[1], limit: 4096))")
            }
            return .unit
        case .toString:
            return try Printer.displayValue(args[0], "`to_string`")
        case .readLine:
            // The prompt the program printed must show before it waits.
            context.flush()
            guard let line = context.input.readLine() else {
                // Given up because the program is ending: stop here rather than go on as
                // if the input had ended (the ending's own report is what is shown).
                if context.input.isCancelled?() == true { throw RuntimeError("read_line: the program is ending") }
                return .nil
            }
            return .string(StringBox(line))
        case .args:
            return .list(ListBox(context.args.map { .string(StringBox($0)) }))
        case .abs:
            switch args[0].dereferenced {
            case .int(let n):
                guard n != Int.min else { throw Operators.overflowError("abs") }
                return .int(Swift.abs(n))
            case .float(let d): return .float(Swift.abs(d))
            case let v: throw expectsNumber("builtin `abs`", v)
            }
        case .min, .max:
            return try extreme(function, args)
        case .sqrt:
            switch args[0].dereferenced {
            case .int(let n): return .float(Double(n).squareRoot())
            case .float(let d): return .float(d.squareRoot())
            case let v: throw expectsNumber("builtin `sqrt`", v)
            }
        case .floor, .ceil:
            switch args[0].dereferenced {
            case .int: return args[0].dereferenced
            case .float(let d): return .float(function == .floor ? d.rounded(.down) : d.rounded(.up))
            case let v: throw expectsNumber("builtin `\(function.name)`", v)
            }
        case .pow:
            return try power(args[0], args[1])
        case .exit:
            var status = 0
            if let code = args.first {
                guard case .int(let n) = code.dereferenced else {
                    throw RuntimeError("builtin `exit` expects an int status, got \(code.typeName)")
                }
                status = n
            }
            context.flush()
            throw RuntimeError(kind: .exit(Int32(truncatingIfNeeded: status)), message: "exit(\(status))")
        case .sleep, .yieldNow, .legionId, .numWorkers, .nowMs, .close, .callerLocation,
             .netListen, .netConnect, .netAccept, .netReadLine, .netRead, .netWrite, .netClose, .netAddr, .netSetTimeout:
            throw RuntimeError("internal error: builtin `\(function.name)` is run by the VM, not the value library")
        case .monotonicNanos, .mathFloat, .mathAtan2, .ioReadFile, .ioWriteFile, .ioKind, .ioRemove,
             .ioListDir, .ioMakeDir, .ioMakeTempDir, .ioErrorPrint:
            return try LibraryNatives.call(function, args, context)
        }
    }

    /// `call` with the arguments in an array (tests, cold paths).
    public static func call(_ function: BuiltinFunction, _ args: [Value], _ context: BuiltinContext) throws -> Value {
        try args.withUnsafeBufferPointer { try call(function, $0, context) }
    }

    /// What `println` and `print` write for their arguments (LANGUAGE 7): a template and
    /// its arguments when the first argument is a string with one placeholder per other
    /// argument, otherwise each argument's display form, one after another.
    static func writeArguments(_ args: UnsafeBufferPointer<Value>, to buffer: inout TextBuffer) {
        if args.count > 1, case .string(let fmt) = args[0].dereferenced,
           case .written = Format.attempt(fmt.value, UnsafeBufferPointer(rebasing: args[1...]), to: &buffer) {
            return
        }
        for arg in args { Printer.appendDisplay(arg, to: &buffer) }
    }

    /// The message of `panic`, `assert` and `assert_eq`: their message arguments written as
    /// `println` writes them.
    static func message(_ args: UnsafeBufferPointer<Value>) -> String {
        var buffer = TextBuffer()
        writeArguments(args, to: &buffer)
        return buffer.string
    }

    /// The length of a string (in bytes), list, map or channel.
    static func length(_ value: Value, _ caller: String) throws -> Int {
        switch value.dereferenced {
        case .string(let box): return box.value.utf8.count
        case .list(let box): return box.items.count
        case .map(let box): return box.count
        case .channel(let box): return box.count
        case let v: throw RuntimeError("\(caller) expects a string, list, map or channel, got \(v.typeName)")
        }
    }

    /// `min(...)` / `max(...)`.
    static func extreme(_ function: BuiltinFunction, _ args: UnsafeBufferPointer<Value>) throws -> Value {
        let candidates: [Value]
        if args.count == 1 {
            guard case .list(let box) = args[0].dereferenced else {
                throw RuntimeError("builtin `\(function.name)` expects two or more values or one list, got \(args[0].typeName)")
            }
            candidates = box.items
        } else {
            candidates = Array(args)
        }
        guard var best = candidates.first?.dereferenced else { return .nil }
        let operation = "`\(function.name)`"
        for candidate in candidates.dropFirst() {
            let value = candidate.dereferenced
            if case .float(let d) = best, d.isNaN { best = value; continue }
            guard let order = try Ordering.order(value, best, operation) else { continue }
            if function == .min ? order < 0 : order > 0 { best = value }
        }
        return best
    }

    /// `pow(base, exponent)`.
    static func power(_ base: Value, _ exponent: Value) throws -> Value {
        switch (base.dereferenced, exponent.dereferenced) {
        case (.int(let b), .int(let e)):
            guard e >= 0 else {
                throw RuntimeError("builtin `pow` on ints needs an exponent of 0 or more, got \(e); use floats for negative powers")
            }
            var result = 1
            var factor = b
            var remaining = e
            // Square and multiply; overflow is only an error if it reaches the result.
            while remaining > 0 {
                if remaining & 1 == 1 {
                    let (r, overflow) = result.multipliedReportingOverflow(by: factor)
                    if overflow { throw Operators.overflowError("pow") }
                    result = r
                }
                remaining >>= 1
                if remaining > 0 {
                    let (f, overflow) = factor.multipliedReportingOverflow(by: factor)
                    if overflow { throw Operators.overflowError("pow") }
                    factor = f
                }
            }
            return .int(result)
        case (.float(let b), .float(let e)): return .float(Glibc.pow(b, e))
        case (.float(let b), .int(let e)): return .float(Glibc.pow(b, Double(e)))
        case (.int, .float):
            throw RuntimeError("builtin `pow` cannot raise an int to a float power; convert with `as float`")
        case (let b, let e):
            throw RuntimeError("builtin `pow` expects numbers, got \(b.typeName) and \(e.typeName)")
        }
    }

    static func expectsNumber(_ caller: String, _ value: Value) -> RuntimeError {
        RuntimeError("\(caller) expects an int or a float, got \(value.typeName)")
    }

    /// "1 was supplied", "2 were supplied".
    static func supplied(_ count: Int) -> String {
        count == 1 ? "1 was supplied" : "\(count) were supplied"
    }
}
