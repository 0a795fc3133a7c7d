// The names the language provides without a declaration: builtin functions, builtin
// methods of the value types, and the static constructors of the builtin types. The
// resolver reads this catalog to know a name exists and how many arguments it takes;
// the VM's value library (MalphasVM/Library) implements every entry.
//
// User-defined items shadow everything here (LANGUAGE 2): a program's own `fn len` or
// `struct Vec[T]` wins, and a method defined on a user type wins over a builtin method of
// the same name. So the compiler consults this catalog only after its own scopes.

/// A function callable by bare name: `println(x)`, `len(v)`, `sleep(10)` (LANGUAGE 6-7).
public enum BuiltinFunction: String, CaseIterable, Sendable {
    case println
    case print
    case format
    case panic
    case len
    case assert
    case assertEq = "assert_eq"
    case toString = "to_string"
    case readLine = "read_line"
    case args
    case abs
    case min
    case max
    case sqrt
    case floor
    case ceil
    case pow
    case exit
    case sleep
    case yieldNow = "yield_now"
    case legionId = "legion_id"
    case numWorkers = "num_workers"
    case nowMs = "now_ms"
    case close

    // The native builtins behind the standard library (`isLibraryOnly`): only the
    // library's modules may call them; programs use the std functions built on them.
    /// `file:line` of the innermost frame outside the standard library (std::testing).
    case callerLocation = "__caller_location"
    /// Monotonic clock in nanoseconds (std::time).
    case monotonicNanos = "__time_monotonic_ns"
    /// `__math_float(op, x)`: `sin cos tan asin acos atan exp ln log10 log2 round trunc` of a float.
    case mathFloat = "__math_float"
    /// `__math_atan2(y, x)`.
    case mathAtan2 = "__math_atan2"
    /// `__io_read_file(path)`: `(true, text)` or `(false, message)`.
    case ioReadFile = "__io_read_file"
    /// `__io_write_file(path, text, append)`: `(true, "")` or `(false, message)`.
    case ioWriteFile = "__io_write_file"
    /// `__io_kind(path)`: "file", "dir", "other", or nil when nothing is there.
    case ioKind = "__io_kind"
    /// `__io_remove(path)`: `(true, "")` or `(false, message)`.
    case ioRemove = "__io_remove"
    /// `__io_list_dir(path)`: `(true, [names])` or `(false, message)`.
    case ioListDir = "__io_list_dir"
    /// `__io_make_dir(path)`: `(true, "")` or `(false, message)`.
    case ioMakeDir = "__io_make_dir"
    /// `__io_make_temp_dir(prefix)`: `(true, path)` of a new directory under $TMPDIR or /tmp.
    case ioMakeTempDir = "__io_make_temp_dir"
    /// `__io_eprint(text)`: writes to standard error.
    case ioErrorPrint = "__io_eprint"
    /// `__net_listen(addr)`: `(true, handle)` or `(false, message)` (std::net, NetNatives.swift).
    case netListen = "__net_listen"
    /// `__net_connect(addr)`: `(true, handle)` or `(false, message)`; parks while connecting.
    case netConnect = "__net_connect"
    /// `__net_accept(handle)`: `(true, handle)` or `(false, message)`; parks.
    case netAccept = "__net_accept"
    /// `__net_read_line(handle)`: `(true, line or nil)` or `(false, message)`; parks.
    case netReadLine = "__net_read_line"
    /// `__net_read(handle, n)`: `(true, text)` (`""` at end of stream) or `(false, message)`; parks.
    case netRead = "__net_read"
    /// `__net_write(handle, text)`: `(true, bytes)` or `(false, message)`; parks.
    case netWrite = "__net_write"
    /// `__net_close(handle)`.
    case netClose = "__net_close"
    /// `__net_addr(handle, peer)`: `(true, "host:port")` of this end (or, with `peer` true,
    /// of the other), or `(false, message)`.
    case netAddr = "__net_addr"
    /// `__net_set_timeout(handle, ms)`.
    case netSetTimeout = "__net_set_timeout"

    /// The Malphas spelling (`assert_eq`, not `assertEq`).
    public var name: String { rawValue }

    /// The builtin named `name`, or nil when `name` is not a builtin function.
    public init?(name: String) { self.init(rawValue: name) }

    /// How many arguments a call may supply. Variadic builtins have `Int.max` as upper
    /// bound; test with `isVariadic`.
    public var arity: ClosedRange<Int> {
        switch self {
        case .readLine, .args, .yieldNow, .legionId, .numWorkers, .nowMs: return 0...0
        case .callerLocation, .monotonicNanos: return 0...0
        case .ioReadFile, .ioKind, .ioRemove, .ioListDir, .ioMakeDir, .ioMakeTempDir, .ioErrorPrint: return 1...1
        case .netListen, .netConnect, .netAccept, .netReadLine, .netClose: return 1...1
        case .netRead, .netWrite, .netAddr, .netSetTimeout: return 2...2
        case .mathFloat, .mathAtan2: return 2...2
        case .ioWriteFile: return 3...3
        // `println()` prints an empty line; `print()` prints nothing.
        case .println, .print: return 0...Int.max
        case .format: return 1...Int.max
        // `min(a, b, ...)` and `max(a, b, ...)`, or one list argument: `min(v)`.
        case .min, .max: return 1...Int.max
        // `panic()` without a message panics with "explicit panic", as in Rust. A message
        // may be followed by arguments, formatted as `println` formats them:
        // `panic("bad {}", x)`, `assert(c, "bad {}", x)`, `assert_eq(a, b, "bad {}", x)`.
        case .panic: return 0...Int.max
        case .assert: return 1...Int.max
        case .assertEq: return 2...Int.max
        case .len, .toString, .abs, .sqrt, .floor, .ceil, .sleep, .close: return 1...1
        // `exit()` exits with status 0.
        case .exit: return 0...1
        case .pow: return 2...2
        }
    }

    /// True for the native builtins behind the standard library (`__io_read_file` and the
    /// like): only the library's own modules may name them, so they never collide with a
    /// user program's names.
    public var isLibraryOnly: Bool { rawValue.hasPrefix("__") }

    /// True when the builtin accepts any number of arguments from `arity.lowerBound` up.
    public var isVariadic: Bool { arity.upperBound == Int.max }

    /// True for the builtins that touch the scheduler or a channel and so are executed
    /// by the VM itself, not by the value library: `sleep yield_now legion_id
    /// num_workers now_ms close`.
    public var isHandledByVM: Bool {
        switch self {
        case .sleep, .yieldNow, .legionId, .numWorkers, .nowMs, .close: return true
        // It reads the legion's frames.
        case .callerLocation: return true
        // They park the legion on a descriptor (std::net).
        case .netListen, .netConnect, .netAccept, .netReadLine, .netRead, .netWrite, .netClose, .netAddr,
             .netSetTimeout: return true
        // It parks the legion on standard input in `malphas run`.
        case .readLine: return true
        default: return false
        }
    }

    /// A description of the accepted argument counts for error messages: "1 argument",
    /// "2 or 3 arguments", "at least 1 argument".
    public var arityDescription: String { describeArity(arity) }
}

/// A method of a builtin value type, called with dot syntax: `v.push(x)`, `s.len()`,
/// `m.get(k)`, `ch.close()`.
///
/// One name may belong to several receiver types (`len` works on strings, lists, maps and
/// channels; `insert` on lists and maps); which implementation runs is decided at run
/// time by the receiver. Where a name is shared, its arity is the same on every type.
///
/// Beyond LANGUAGE 5, the catalog offers what Rust and Go programmers reach for and costs
/// little: `first last clear extend index_of iter collect enumerate rev sum` on lists,
/// `iter clear` on maps, `trim_start trim_end split_whitespace lines repeat` on strings,
/// the numeric methods `abs sqrt floor ceil pow min max` on ints and floats, and on any
/// value `clone`, `to_string`, `unwrap` and `unwrap_or`. `iter()` and `collect()` return
/// the receiver unchanged (there are no lazy iterators), so `v.iter().map(f).collect()`
/// works as in Rust; `enumerate()` is a list of `(index, item)` tuples and `rev()` a
/// reversed copy. `clone()` returns the receiver: values are already copied on
/// assignment. `x.unwrap()` is `x` unless it is nil (then a panic) and `x.unwrap_or(d)` is
/// `d` when `x` is nil, so the nil results of `get`, `pop` and `parse_int` read as Rust's
/// options do.
public enum BuiltinMethod: String, CaseIterable, Sendable {
    // Shared by several receiver types.
    case len
    case isEmpty = "is_empty"
    case contains
    case get
    case insert
    case remove
    case clear
    case iter
    case toString = "to_string"
    case clone
    case unwrap
    case unwrapOr = "unwrap_or"

    // Strings.
    case startsWith = "starts_with"
    case endsWith = "ends_with"
    case find
    case split
    case splitWhitespace = "split_whitespace"
    case lines
    case trim
    case trimStart = "trim_start"
    case trimEnd = "trim_end"
    case toUpper = "to_upper"
    case toLower = "to_lower"
    case replace
    case repeatString = "repeat"
    case chars
    case bytes
    case parseInt = "parse_int"
    case parseFloat = "parse_float"

    // Lists.
    case push
    case pop
    case reverse
    case sort
    case join
    case map
    case filter
    case first
    case last
    case extend
    case indexOf = "index_of"
    case collect
    case enumerate
    case rev
    case sum

    // Maps.
    case put
    case containsKey = "contains_key"
    case keys
    case values

    // Channels.
    case cap
    case close

    // Ints and floats.
    case abs
    case sqrt
    case floor
    case ceil
    case pow
    case min
    case max

    /// The Malphas spelling (`starts_with`, not `startsWith`).
    public var name: String { rawValue }

    /// The builtin method named `name`, or nil.
    public init?(name: String) { self.init(rawValue: name) }

    /// How many arguments the call supplies, the receiver not counted.
    public var arity: ClosedRange<Int> {
        switch self {
        case .len, .isEmpty, .clear, .iter, .toString, .clone, .splitWhitespace, .lines,
             .trim, .trimStart, .trimEnd, .toUpper, .toLower, .chars, .bytes, .parseInt,
             .parseFloat, .pop, .reverse, .sort, .first, .last, .collect, .keys, .values,
             .cap, .close, .abs, .sqrt, .floor, .ceil, .unwrap, .enumerate, .rev, .sum:
            return 0...0
        case .contains, .get, .remove, .startsWith, .endsWith, .find, .split, .repeatString,
             .push, .join, .map, .filter, .extend, .indexOf, .containsKey, .pow, .min, .max,
             .unwrapOr:
            return 1...1
        case .insert, .replace, .put:
            return 2...2
        }
    }

    /// True when the method changes its receiver (`v.push(x)`, `m.put(k, v)`). The
    /// compiler must then evaluate the receiver as a place (a variable, field or index,
    /// or through a `&mut` reference) and store the updated receiver back after the call.
    /// Channel `close` is not listed: a channel is shared, not copied, so closing it
    /// changes the channel object, never the value that refers to it.
    public var mutatesReceiver: Bool {
        switch self {
        case .push, .pop, .insert, .remove, .reverse, .sort, .clear, .extend, .put:
            return true
        default:
            return false
        }
    }

    /// True when the method takes a Malphas function as argument and so needs the VM's
    /// callback (`map`, `filter`).
    public var takesFunction: Bool { self == .map || self == .filter }

    /// A description of the accepted argument counts for error messages.
    public var arityDescription: String { describeArity(arity) }
}

/// A static constructor of a builtin type, called with path syntax: `Vec::new()`,
/// `Vec[int]::new()`, `HashMap::new()`, `Channel[int]::new(4)`. Generic arguments are
/// parsed and ignored (values are checked at run time).
///
/// `make[chan T](n)` is the Go spelling of `Channel::new(n)`; the compiler lowers it to
/// `.channelNew`. `String::new()` and `String::from(s)` exist because Rust programmers
/// type them; `Vec::from(v)` copies a list.
public enum BuiltinConstructor: String, CaseIterable, Sendable {
    case vecNew = "Vec::new"
    case vecWithCapacity = "Vec::with_capacity"
    case vecFrom = "Vec::from"
    case hashMapNew = "HashMap::new"
    case hashMapWithCapacity = "HashMap::with_capacity"
    case channelNew = "Channel::new"
    case stringNew = "String::new"
    case stringFrom = "String::from"

    /// The constructor `typeName::member`, or nil. Only the type's bare name counts:
    /// `Vec[int]::new` is looked up as `("Vec", "new")`.
    public init?(typeName: String, member: String) {
        self.init(rawValue: typeName + "::" + member)
    }

    /// The builtin type the constructor belongs to (`Vec`, `HashMap`, `Channel`, `String`).
    public var typeName: String {
        String(rawValue[..<rawValue.firstIndex(of: ":")!])
    }

    /// The member name after `::` (`new`, `with_capacity`, `from`).
    public var member: String {
        String(rawValue[rawValue.index(after: rawValue.lastIndex(of: ":")!)...])
    }

    /// How many arguments a call supplies.
    public var arity: ClosedRange<Int> {
        switch self {
        case .vecNew, .hashMapNew, .stringNew: return 0...0
        case .vecWithCapacity, .vecFrom, .hashMapWithCapacity, .stringFrom: return 1...1
        // `Channel::new()` is an unbuffered channel, like Go's `make(chan T)`.
        case .channelNew: return 0...1
        }
    }

    /// A description of the accepted argument counts for error messages.
    public var arityDescription: String { describeArity(arity) }
}

/// "1 argument", "2 or 3 arguments", "0 to 2 arguments", "at least 1 argument".
private func describeArity(_ arity: ClosedRange<Int>) -> String {
    func plural(_ n: Int) -> String { n == 1 ? "\(n) argument" : "\(n) arguments" }
    if arity.upperBound == Int.max { return "at least " + plural(arity.lowerBound) }
    if arity.lowerBound == arity.upperBound { return plural(arity.lowerBound) }
    if arity.lowerBound + 1 == arity.upperBound {
        return "\(arity.lowerBound) or " + plural(arity.upperBound)
    }
    return "\(arity.lowerBound) to " + plural(arity.upperBound)
}

/// What `e as T` converts to (LANGUAGE 4). The compiler resolves `T` with
/// `init?(typeName:)`; every integer and float spelling of LANGUAGE 3 is the same type
/// here, so `x as u8` is `x as int` (no truncation to 8 bits).
public enum CastTarget: String, CaseIterable, Sendable {
    case int
    case float
    case string
    case bool

    /// The target named by a type annotation, or nil when `as` cannot produce that type.
    public init?(typeName: String) {
        switch typeName {
        case "int", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize":
            self = .int
        case "float", "f32", "f64":
            self = .float
        case "string", "String", "str":
            self = .string
        case "bool":
            self = .bool
        default:
            return nil
        }
    }
}
