// The native builtins behind the standard library (BuiltinFunction.isLibraryOnly): what
// Malphas code cannot do itself because it needs the platform (files, clocks, libm).
// Only the library's modules may call them (the resolver refuses them elsewhere), so
// their shapes serve the library, not programs: a failing file operation returns
// `(false, message)` and the library decides whether that is a panic or a value.
//
// Messages name the path and the OS's reason: "cannot read `data.txt`: No such file or
// directory".

import CLegion
import Glibc
import MalphasCompiler

enum LibraryNatives {
    static func call(_ function: BuiltinFunction, _ args: UnsafeBufferPointer<Value>, _ context: BuiltinContext) throws -> Value {
        switch function {
        case .monotonicNanos:
            // CLOCK_MONOTONIC, or a seeded schedule's virtual clock.
            return .int(Int(truncatingIfNeeded: lg_clock_ns()))
        case .mathFloat:
            let op = try string(args[0], function)
            let x = try float(args[1], function)
            switch op {
            case "sin": return .float(Glibc.sin(x))
            case "cos": return .float(Glibc.cos(x))
            case "tan": return .float(Glibc.tan(x))
            case "asin": return .float(Glibc.asin(x))
            case "acos": return .float(Glibc.acos(x))
            case "atan": return .float(Glibc.atan(x))
            case "exp": return .float(Glibc.exp(x))
            case "ln": return .float(Glibc.log(x))
            case "log10": return .float(Glibc.log10(x))
            case "log2": return .float(Glibc.log2(x))
            case "round": return .float(x.rounded(.toNearestOrAwayFromZero))
            case "trunc": return .float(x.rounded(.towardZero))
            default: throw RuntimeError("builtin `\(function.name)` has no operation `\(op)`")
            }
        case .mathAtan2:
            return .float(Glibc.atan2(try float(args[0], function), try float(args[1], function)))
        case .ioReadFile:
            let path = try string(args[0], function)
            switch Files.read(path) {
            case .success(let bytes):
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    return failure("cannot read `\(path)`: the file is not valid UTF-8 text")
                }
                return .tuple(TupleBox([.bool(true), .string(StringBox(text))]))
            case .failure(let error):
                return failure("cannot read `\(path)`: \(error.reason)")
            }
        case .ioWriteFile:
            let path = try string(args[0], function)
            let text = try string(args[1], function)
            guard case .bool(let append) = args[2].dereferenced else {
                throw RuntimeError("builtin `\(function.name)` expects a bool, got \(args[2].typeName)")
            }
            return writeFile(path, text, append: append)
        case .ioKind:
            switch Files.kind(try string(args[0], function)) {
            case .file?: return .string(StringBox("file"))
            case .directory?: return .string(StringBox("dir"))
            case .other?: return .string(StringBox("other"))
            case nil: return .nil
            }
        case .ioRemove:
            let path = try string(args[0], function)
            if (Files.kind(path) == .directory ? rmdir(path) : unlink(path)) != 0 {
                return failure("cannot remove `\(path)`: \(String(cString: strerror(errno)))")
            }
            return success
        case .ioMakeDir:
            let path = try string(args[0], function)
            if mkdir(path, 0o777) != 0 {
                return failure("cannot create the directory `\(path)`: \(String(cString: strerror(errno)))")
            }
            return success
        case .ioMakeTempDir:
            let prefix = try string(args[0], function)
            let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            var template = ((base.hasSuffix("/") ? base : base + "/") + prefix + "XXXXXX").utf8.map { CChar(bitPattern: $0) } + [0]
            guard mkdtemp(&template) != nil else {
                return failure("cannot create a temporary directory in `\(base)`: \(String(cString: strerror(errno)))")
            }
            return .tuple(TupleBox([.bool(true), .string(StringBox(String(cString: template)))]))
        case .ioListDir:
            let path = try string(args[0], function)
            switch Files.entries(of: path) {
            case .success(let names):
                return .tuple(TupleBox([.bool(true), .list(ListBox(names.sorted().map { .string(StringBox($0)) }))]))
            case .failure(let error):
                return failure("cannot list `\(path)`: \(error.reason)")
            }
        case .ioErrorPrint:
            context.output.flush()
            context.errorOutput.write(Printer.display(args[0]))
            return .unit
        default:
            throw RuntimeError("internal error: builtin `\(function.name)` is not a library native")
        }
    }

    private static var success: Value { .tuple(TupleBox([.bool(true), .string(StringBox(""))])) }

    private static func failure(_ message: String) -> Value {
        .tuple(TupleBox([.bool(false), .string(StringBox(message))]))
    }

    private static func writeFile(_ path: String, _ text: String, append: Bool) -> Value {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o666)
        guard fd >= 0 else { return failure("cannot write `\(path)`: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return failure("cannot write `\(path)`: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        bytes.removeAll()
        return success
    }

    private static func string(_ v: Value, _ f: BuiltinFunction) throws -> String {
        guard case .string(let s) = v.dereferenced else {
            throw RuntimeError("builtin `\(f.name)` expects a string, got \(v.typeName)")
        }
        return s.value
    }

    private static func float(_ v: Value, _ f: BuiltinFunction) throws -> Double {
        switch v.dereferenced {
        case .float(let d): return d
        case .int(let n): return Double(n)
        default: throw RuntimeError("builtin `\(f.name)` expects a number, got \(v.typeName)")
        }
    }
}
