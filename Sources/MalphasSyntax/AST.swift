/// The abstract syntax tree of a Malphas source file, as the parser produces it and the
/// resolver and compiler consume it. Every node carries its span. Type annotations are
/// kept (a static checker is a later goal) even though the interpreter checks values at
/// run time.

/// A name as written, with where it was written.
public struct Ident: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var span: Span
    public init(_ name: String, _ span: Span) { self.name = name; self.span = span }
    public var description: String { name }
}

/// `a::b::c`, each segment with optional generic arguments: `Vec[int]::new`,
/// `HashMap[string, int]::new`, `Shape::Circle`.
public struct Path: Sendable {
    public struct Segment: Sendable {
        public var name: Ident
        public var genericArgs: [TypeRef]
        public init(name: Ident, genericArgs: [TypeRef] = []) { self.name = name; self.genericArgs = genericArgs }
    }
    public var segments: [Segment]
    public var span: Span
    public init(segments: [Segment], span: Span) { self.segments = segments; self.span = span }

    /// The segment names joined with `::`.
    public var text: String { segments.map(\.name.name).joined(separator: "::") }
    /// The last segment's name.
    public var last: Ident { segments[segments.count - 1].name }
}

// MARK: - Types

/// A type as written in an annotation.
public struct TypeRef: Sendable {
    public indirect enum Kind: Sendable {
        /// `int`, `Point`, `Box[int]`, `std::collections::Vec[T]`, `Self`, `Channel[T]`.
        case named(Path)
        /// `[]T`
        case slice(TypeRef)
        /// `[T; N]`
        case array(TypeRef, size: Expr)
        /// `(A, B)`; `()` is the empty tuple (unit).
        case tuple([TypeRef])
        /// `fn(A, B) -> R`
        case function(params: [TypeRef], result: TypeRef?)
        /// `chan T`
        case channel(TypeRef)
        /// `T?`
        case optional(TypeRef)
        /// `&T` and `&mut T`
        case reference(TypeRef, mutable: Bool)
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, _ span: Span) { self.kind = kind; self.span = span }
}

/// `T`, `T: Bound + Other` in `fn f[T: Bound](...)`, and the same from `where` clauses.
public struct GenericParam: Sendable {
    public var name: Ident
    public var bounds: [Path]
    public init(name: Ident, bounds: [Path] = []) { self.name = name; self.bounds = bounds }
}

// MARK: - Items

public struct Item: Sendable {
    public enum Kind: Sendable {
        case function(FunctionDecl)
        case structDecl(StructDecl)
        case enumDecl(EnumDecl)
        case implDecl(ImplDecl)
        case traitDecl(TraitDecl)
        case constDecl(ConstDecl)
        case typeAlias(TypeAliasDecl)
        case module(ModuleDecl)
        case use(UseDecl)
    }
    public var kind: Kind
    public var isPublic: Bool
    public var span: Span
    public init(_ kind: Kind, isPublic: Bool, span: Span) { self.kind = kind; self.isPublic = isPublic; self.span = span }
}

/// How a method takes its receiver.
public enum Receiver: Sendable {
    /// `self`, `self: Self`, `self: Point`
    case value
    /// `mut self`
    case mutableValue
    /// `&self`, `self: &Self`
    case reference
    /// `&mut self`, `self: &mut Self`
    case mutableReference
}

public struct Param: Sendable {
    public var name: Ident
    public var isMutable: Bool
    public var type: TypeRef?
    public var span: Span
    public init(name: Ident, isMutable: Bool = false, type: TypeRef?, span: Span) {
        self.name = name; self.isMutable = isMutable; self.type = type; self.span = span
    }
}

public struct FunctionDecl: Sendable {
    public var name: Ident
    public var generics: [GenericParam]
    /// Set when the first parameter is a receiver (`self`, `&self`, ...).
    public var receiver: Receiver?
    public var receiverSpan: Span?
    public var params: [Param]
    public var result: TypeRef?
    /// `nil` for a required trait method (declared with `;`).
    public var body: Block?
    public var span: Span
    public init(name: Ident, generics: [GenericParam], receiver: Receiver?, receiverSpan: Span? = nil,
                params: [Param], result: TypeRef?, body: Block?, span: Span) {
        self.name = name; self.generics = generics; self.receiver = receiver; self.receiverSpan = receiverSpan
        self.params = params; self.result = result; self.body = body; self.span = span
    }
}

public struct FieldDecl: Sendable {
    public var name: Ident
    public var type: TypeRef
    public var isPublic: Bool
    public init(name: Ident, type: TypeRef, isPublic: Bool) { self.name = name; self.type = type; self.isPublic = isPublic }
}

public struct StructDecl: Sendable {
    public var name: Ident
    public var generics: [GenericParam]
    /// Named fields in declaration order (printing follows this order).
    public var fields: [FieldDecl]
    public init(name: Ident, generics: [GenericParam], fields: [FieldDecl]) {
        self.name = name; self.generics = generics; self.fields = fields
    }
}

public struct VariantDecl: Sendable {
    public var name: Ident
    /// Payload types of a tuple-like variant: `Rect(int, int)`; empty for `Empty`.
    public var payload: [TypeRef]
    public var span: Span
    public init(name: Ident, payload: [TypeRef], span: Span) { self.name = name; self.payload = payload; self.span = span }
}

public struct EnumDecl: Sendable {
    public var name: Ident
    public var generics: [GenericParam]
    public var variants: [VariantDecl]
    public init(name: Ident, generics: [GenericParam], variants: [VariantDecl]) {
        self.name = name; self.generics = generics; self.variants = variants
    }
}

/// `impl[T] Box[T] { ... }` and `impl Area for Shape { ... }`.
public struct ImplDecl: Sendable {
    public var generics: [GenericParam]
    /// The trait being implemented, if any.
    public var trait: Path?
    /// The type the methods belong to.
    public var target: TypeRef
    public var methods: [FunctionDecl]
    /// Associated constants (`const N: int = 3;` inside the impl).
    public var constants: [ConstDecl]
    public init(generics: [GenericParam], trait: Path?, target: TypeRef, methods: [FunctionDecl], constants: [ConstDecl] = []) {
        self.generics = generics; self.trait = trait; self.target = target; self.methods = methods; self.constants = constants
    }
}

public struct TraitDecl: Sendable {
    public var name: Ident
    public var generics: [GenericParam]
    /// Required methods have no body; default methods have one.
    public var methods: [FunctionDecl]
    public init(name: Ident, generics: [GenericParam], methods: [FunctionDecl]) {
        self.name = name; self.generics = generics; self.methods = methods
    }
}

public struct ConstDecl: Sendable {
    public var name: Ident
    public var type: TypeRef?
    public var value: Expr
    public init(name: Ident, type: TypeRef?, value: Expr) { self.name = name; self.type = type; self.value = value }
}

public struct TypeAliasDecl: Sendable {
    public var name: Ident
    public var generics: [GenericParam]
    public var type: TypeRef
    public init(name: Ident, generics: [GenericParam], type: TypeRef) { self.name = name; self.generics = generics; self.type = type }
}

/// `mod name;` (items loaded later from `name.mal` or `name/mod.mal`) or `mod name { ... }`.
public struct ModuleDecl: Sendable {
    public var name: Ident
    /// `nil` for `mod name;`; the loader fills it in from the module's file.
    public var items: [Item]?
    public init(name: Ident, items: [Item]?) { self.name = name; self.items = items }
}

/// `use a::b::c;`, `use a::b::{c, d as e};`, `use a::b::*;`
public struct UseDecl: Sendable {
    public indirect enum Tree: Sendable {
        /// A path, optionally renamed: `a::b` / `a::b as c`.
        case path(Path, alias: Ident?)
        /// `prefix::{ trees }`
        case group(prefix: Path, [Tree])
        /// `prefix::*`
        case glob(prefix: Path)
    }
    public var tree: Tree
    public init(tree: Tree) { self.tree = tree }
}

// MARK: - Statements and blocks

public struct Block: Sendable {
    public var statements: [Stmt]
    /// The final expression without `;`, which is the block's value.
    public var tail: Expr?
    public var span: Span
    public init(statements: [Stmt], tail: Expr?, span: Span) { self.statements = statements; self.tail = tail; self.span = span }
}

public struct Stmt: Sendable {
    public enum Kind: Sendable {
        /// `let [mut] pattern [: T] [= value];`
        case letBinding(pattern: Pattern, type: TypeRef?, value: Expr?)
        /// An expression statement. `hasSemicolon` is false for block-like statements
        /// (`if`, `while`, `match`, ...) written without `;`.
        case expression(Expr, hasSemicolon: Bool)
        /// An item nested in a block (`fn helper() {}` inside a function).
        case item(Item)
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, _ span: Span) { self.kind = kind; self.span = span }
}

// MARK: - Expressions

public enum UnaryOp: String, Sendable {
    case negate = "-"
    case not = "!"
    case reference = "&"
    case mutableReference = "&mut"
    case dereference = "*"
    /// `<-ch`: receive from a channel.
    case receive = "<-"
}

public enum BinaryOp: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    /// Short-circuiting.
    case and = "&&", or = "||"
    case bitAnd = "&", bitOr = "|", bitXor = "^", shiftLeft = "<<", shiftRight = ">>"
}

public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        // Literals. An integer literal that does not fit in 64 bits is rejected by the parser.
        case int(Int)
        case float(Double)
        case string(String)
        case bool(Bool)
        case nilLiteral
        /// `()`
        case unit
        /// A name or a path: `x`, `Shape::Circle`, `Vec[int]::new`, `LIMIT`, `self`.
        case path(Path)
        /// `[a, b, c]`
        case array([Expr])
        /// `[value; count]`
        case arrayRepeat(value: Expr, count: Expr)
        /// `(a, b)`; a one-element tuple is written `(a,)`.
        case tuple([Expr])
        /// `Point { x: 1, y: 2 }`, `Box[int] { value: 1 }`; a field written alone (`Point { x, y }`)
        /// has a path expression of the same name as its value.
        case structLiteral(path: Path, fields: [(name: Ident, value: Expr)])
        case unary(UnaryOp, Expr)
        case binary(BinaryOp, Expr, Expr)
        /// `target = value` (op nil) or `target op= value`.
        case assign(target: Expr, op: BinaryOp?, value: Expr)
        /// `a..b`, `a..=b`, `a..`, `..b`, `..`
        case range(lower: Expr?, upper: Expr?, inclusive: Bool)
        /// `e as T`
        case cast(Expr, TypeRef)
        /// `f(a, b)`; also `name!(a, b)` (macro syntax is a call).
        case call(callee: Expr, args: [Expr])
        /// `receiver.name(args)`, optionally `receiver.name[T](args)`.
        case methodCall(receiver: Expr, name: Ident, genericArgs: [TypeRef], args: [Expr])
        /// `e.name`
        case field(Expr, Ident)
        /// `e.0`
        case tupleField(Expr, index: Int, indexSpan: Span)
        /// `e[i]`; a slice `e[a..b]` is an index whose index is a range expression.
        case index(Expr, Expr)
        /// `|a, b: int| body`, `|| 5`, `fn(x: int) -> int { ... }`
        case closure(params: [Param], result: TypeRef?, body: Expr)
        case block(Block)
        /// `if c { } else if d { } else { }`; `otherwise` is a block or another `if`.
        case ifElse(condition: Expr, then: Block, otherwise: Expr?)
        case match(Expr, [MatchArm])
        case whileLoop(condition: Expr, body: Block)
        case loop(Block)
        case forLoop(pattern: Pattern, iterable: Expr, body: Block)
        case breakLoop(Expr?)
        case continueLoop
        case returnValue(Expr?)
        /// `spawn f(a)`, `spawn { ... }`, `spawn |x| { ... }(42)`; `legion` is the same keyword.
        /// The body is a call expression or a block expression.
        case spawn(Expr)
        /// `ch <- value`
        case send(channel: Expr, value: Expr)
        case select([SelectCase])
        /// `make[chan T](n)`: the type and the arguments.
        case make(TypeRef, args: [Expr])
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, _ span: Span) { self.kind = kind; self.span = span }

    /// True for expressions that end in a block, which need no `;` as statements.
    public var isBlockLike: Bool {
        switch kind {
        case .block, .ifElse, .match, .whileLoop, .loop, .forLoop, .select: return true
        case .spawn(let body): if case .block = body.kind { return true } else { return false }
        default: return false
        }
    }
}

public struct MatchArm: Sendable {
    public var pattern: Pattern
    public var guardExpr: Expr?
    public var body: Expr
    public var span: Span
    public init(pattern: Pattern, guardExpr: Expr?, body: Expr, span: Span) {
        self.pattern = pattern; self.guardExpr = guardExpr; self.body = body; self.span = span
    }
}

public struct SelectCase: Sendable {
    public enum Kind: Sendable {
        /// `case let v = <-ch =>` (binding) or `case <-ch =>` (no binding).
        case receive(binding: Pattern?, channel: Expr)
        /// `case ch <- value =>`
        case send(channel: Expr, value: Expr)
        /// `case default =>` / `default =>`
        case defaultCase
    }
    public var kind: Kind
    public var body: Expr
    public var span: Span
    public init(kind: Kind, body: Expr, span: Span) { self.kind = kind; self.body = body; self.span = span }
}

public struct Pattern: Sendable {
    public indirect enum Kind: Sendable {
        /// `_`
        case wildcard
        /// `x`, `mut x`. A bare name that the resolver finds to be a unit enum variant
        /// (`Empty`) or a constant is treated as that variant or constant, as in Rust.
        case binding(Ident, isMutable: Bool)
        /// An int, float, string, bool or nil literal, possibly negated (`-1`).
        case literal(Expr)
        /// `1..=9`, `'a'..'z'`-style ranges over literals.
        case range(lower: Expr, upper: Expr, inclusive: Bool)
        /// `(a, _, c)`
        case tuple([Pattern])
        /// `Shape::Rect(w, h)`, `Rect(w, h)`, `Shape::Empty` (args nil when written without parentheses).
        case variant(Path, args: [Pattern]?)
        /// `Point { x, y: 0, .. }`
        case structPattern(Path, fields: [(name: Ident, pattern: Pattern)], hasRest: Bool)
        /// `A | B`
        case alternatives([Pattern])
    }
    public var kind: Kind
    public var span: Span
    public init(_ kind: Kind, _ span: Span) { self.kind = kind; self.span = span }
}

/// A parsed source file: its items in order. `package name;` is accepted and dropped.
public struct SourceUnit: Sendable {
    public var file: SourceFileID
    public var items: [Item]
    public init(file: SourceFileID, items: [Item]) { self.file = file; self.items = items }
}
