/// An error raised while a Malphas program runs: a failed operation, a `panic`, a failed
/// assertion, or a request to `exit`. The value library raises it with a message alone;
/// the VM adds the legion id, the location and the Malphas stack trace when it reports it.
///
/// Messages name the thing and, where one is known, the fix: "cannot add int and float;
/// convert with `as`", "index 7 out of range for list of length 3".
public struct RuntimeError: Error, CustomStringConvertible {
    /// What ended the program, which decides how the VM reports it.
    public enum Kind: Equatable, Sendable {
        /// An operation failed (a type mismatch, an overflow, an index out of range).
        case error
        /// `panic(msg)`, a failed `assert` or `assert_eq`: reported as "panicked: msg".
        case panic
        /// `exit(status)`: not a failure. Output is already flushed; the VM ends the
        /// program with this status without printing anything.
        case exit(Int32)
    }

    /// How the VM reports this error.
    public var kind: Kind
    /// The message, without location: that is the VM's to add.
    public var message: String

    /// A failed operation with `message`.
    public init(_ message: String) {
        self.kind = .error
        self.message = message
    }

    /// An error of a given kind.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// A panic (from `panic`, `assert`, `assert_eq`) with `message`.
    public static func panic(_ message: String) -> RuntimeError {
        RuntimeError(kind: .panic, message: message)
    }

    /// The message as a report shows it: "panicked: msg" for a panic.
    public var description: String {
        switch kind {
        case .error: return message
        case .panic: return "panicked: " + message
        case .exit(let status): return "exit(\(status))"
        }
    }
}
