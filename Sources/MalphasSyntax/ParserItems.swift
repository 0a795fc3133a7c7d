/// Items (LANGUAGE.md section 2): functions, structs, enums, impls, traits, constants,
/// type aliases, modules and `use` declarations, each optionally `pub`.
extension DescentParser {
    /// Items up to `close` (a module's `}`) or the end of the file.
    func parseItems(closedBy close: TokenTag?) -> [Item] {
        var items: [Item] = []
        while !atEnd && (close == nil || !at(close!)) {
            let before = index
            if startsItem {
                if !parseItem(into: &items) { recoverToItem() }
            } else if index == before {
                errorAtCurrent("expected an item, found \(describeCurrent())", help: itemHelp())
                advance()
                recoverToItem()
                if close == nil && at(.rightBrace) { advance() }
            }
            if index == before { advance() }
        }
        return items
    }

    /// A hint for a statement written where an item belongs.
    private func itemHelp() -> String? {
        if at(.let) || startsExpression {
            return "statements belong inside a function, such as `fn main() { ... }`"
        }
        return "items are `fn`, `struct`, `enum`, `impl`, `trait`, `const`, `type`, `mod` and `use`"
    }

    /// One item, appended to `items`; false (with an error recorded) if none could be
    /// read. Items nest (a function in a function, a module in a module), so this and the
    /// functions it calls append rather than return the large `Item` value, keeping their
    /// stack frames small.
    func parseItem(into items: inout [Item]) -> Bool {
        let start = currentStart
        let isPublic = eat(.pub)
        if isPublic && at(.leftParen) { skipVisibilityScope() }
        eat(.unsafe)
        switch tag {
        case .fn: appendFunction(start: start, isPublic: isPublic, into: &items)
        case .mod: appendModule(start: start, isPublic: isPublic, into: &items)
        case .impl: appendImpl(start: start, isPublic: isPublic, into: &items)
        case .trait: appendTrait(start: start, isPublic: isPublic, into: &items)
        case .struct, .enum, .const, .type, .use: appendDeclaration(start: start, isPublic: isPublic, into: &items)
        default:
            reportMissingItem()
            return false
        }
        return true
    }

    /// `pub(crate)` and the like: visibility scopes are accepted as plain `pub`.
    private func skipVisibilityScope() {
        advance()
        while !at(.rightParen) && !atEnd { advance() }
        expect(.rightParen)
    }

    private func reportMissingItem() {
        errorAtCurrent("expected an item after `pub`, found \(describeCurrent())")
    }

    private func appendFunction(start: Int, isPublic: Bool, into items: inout [Item]) {
        let function = parseFunction(bodyRequired: true)
        items.append(Item(.function(function), isPublic: isPublic, span: span(from: start)))
    }

    private func appendModule(start: Int, isPublic: Bool, into items: inout [Item]) {
        let module = parseModule()
        items.append(Item(.module(module), isPublic: isPublic, span: span(from: start)))
    }

    private func appendImpl(start: Int, isPublic: Bool, into items: inout [Item]) {
        let impl = parseImpl()
        items.append(Item(.implDecl(impl), isPublic: isPublic, span: span(from: start)))
    }

    private func appendTrait(start: Int, isPublic: Bool, into items: inout [Item]) {
        let trait = parseTrait()
        items.append(Item(.traitDecl(trait), isPublic: isPublic, span: span(from: start)))
    }

    /// Items that hold no blocks (only types and constant expressions).
    private func appendDeclaration(start: Int, isPublic: Bool, into items: inout [Item]) {
        let kind: Item.Kind
        switch tag {
        case .struct: kind = .structDecl(parseStruct())
        case .enum: kind = .enumDecl(parseEnum())
        case .const: kind = .constDecl(parseConst())
        case .type: kind = .typeAlias(parseTypeAlias())
        default: kind = .use(parseUse())
        }
        items.append(Item(kind, isPublic: isPublic, span: span(from: start)))
    }

    // MARK: - Functions

    /// `fn name[T: Bound](params) -> R where ... { body }`, or `;` instead of the body in
    /// a trait's required method.
    func parseFunction(bodyRequired: Bool) -> FunctionDecl {
        let start = currentStart
        let signature = parseFunctionSignature()
        let body = at(.leftBrace) ? parseBlock() : parseMissingBody(of: signature.name, bodyRequired: bodyRequired)
        return FunctionDecl(name: signature.name, generics: signature.generics, receiver: signature.parameters.receiver,
                            receiverSpan: signature.parameters.receiverSpan, params: signature.parameters.params,
                            result: signature.result, body: body, span: span(from: start))
    }

    struct FunctionSignature {
        var name: Ident
        var generics: [GenericParam]
        var parameters: ParameterList
        var result: TypeRef?
    }

    /// `fn name[T: Bound](params) -> R where ...`
    private func parseFunctionSignature() -> FunctionSignature {
        advance()
        let name = expectIdentifier("a function name")
        var generics = parseGenericParameters()
        let parameters = parseParameterList(allowReceiver: true)
        let result = eat(.arrow) ? parseType() : nil
        parseWhereClause(into: &generics)
        return FunctionSignature(name: name, generics: generics, parameters: parameters, result: result)
    }

    /// `;` where a body could stand (a trait's required method), or an error.
    private func parseMissingBody(of name: Ident, bodyRequired: Bool) -> Block? {
        if at(.semicolon) {
            if bodyRequired {
                errorAtCurrent("function `\(name.name)` has no body",
                               help: "add a body: `fn \(name.name)(...) { ... }`; only trait methods may end with `;`")
            }
            advance()
        } else {
            errorAtCurrent("expected `{` to begin the body of `\(name.name)`, found \(describeCurrent())")
            recoverToItem()
        }
        return nil
    }

    struct ParameterList {
        var receiver: Receiver?
        var receiverSpan: Span?
        var params: [Param] = []
    }

    /// `(receiver?, name: T, mut name: T, ...)`; the current token should be `(`.
    func parseParameterList(allowReceiver: Bool) -> ParameterList {
        var list = ParameterList()
        guard expect(.leftParen, "to begin the parameter list") else { return list }
        while !at(.rightParen) && !atEnd {
            let before = index
            let paramStart = currentStart
            if let receiver = parseReceiver() {
                let receiverSpan = span(from: paramStart)
                if !allowReceiver {
                    report("`self` is only allowed in methods", at: receiverSpan)
                } else if !list.params.isEmpty || list.receiver != nil {
                    report("`self` must be the first parameter", at: receiverSpan,
                           help: "move `self` to the front of the parameter list")
                } else {
                    list.receiver = receiver
                    list.receiverSpan = receiverSpan
                }
            } else {
                list.params.append(parseParameter())
            }
            if !eat(.comma) || index == before { break }
        }
        expect(.rightParen, "to close the parameter list")
        return list
    }

    /// `self`, `mut self`, `&self`, `&mut self`, `self: T` (`mut self: T`); nil if the
    /// parameter is not a receiver (nothing consumed then).
    private func parseReceiver() -> Receiver? {
        switch (tag, peek(1), peek(2)) {
        case (.selfValue, _, _):
            advance()
            return typedReceiver(default: .value)
        case (.mut, .selfValue, _):
            advance()
            advance()
            return typedReceiver(default: .mutableValue)
        case (.amp, .selfValue, _):
            advance()
            advance()
            return .reference
        case (.amp, .mut, .selfValue):
            advance()
            advance()
            advance()
            return .mutableReference
        default:
            return nil
        }
    }

    /// After `self`: an optional `: T`, where `&T` and `&mut T` make it a reference receiver.
    private func typedReceiver(default receiver: Receiver) -> Receiver {
        guard eat(.colon) else { return receiver }
        let type = parseType()
        if case .reference(_, let mutable) = type.kind { return mutable ? .mutableReference : .reference }
        return receiver
    }

    /// `name: T` or `mut name: T`.
    private func parseParameter() -> Param {
        let start = currentStart
        let isMutable = eat(.mut)
        let name = expectIdentifier("a parameter name")
        var type: TypeRef?
        if eat(.colon) {
            type = parseType()
        } else {
            errorAtCurrent("expected `:` and a type after parameter `\(name.name)`, found \(describeCurrent())",
                           help: "write the parameter's type, as in `\(name.name): int`")
        }
        return Param(name: name, isMutable: isMutable, type: type, span: span(from: start))
    }

    /// `[T, U: Bound + Other]` after an item's name (nothing when there is no `[`).
    func parseGenericParameters() -> [GenericParam] {
        if at(.less) {
            errorAtCurrent("generic parameters are written in brackets",
                           help: "write `[T]` instead of `<T>`, as in `fn id[T](x: T) -> T`")
            skipAngleBrackets()
            return []
        }
        guard eat(.leftBracket) else { return [] }
        let params = parseCommaSeparated(until: .rightBracket) { () -> GenericParam in
            let name = expectIdentifier("a generic parameter name")
            let bounds = eat(.colon) ? parseBounds() : []
            return GenericParam(name: name, bounds: bounds)
        }
        expect(.rightBracket, "to close the generic parameters")
        return params
    }

    private func skipAngleBrackets() {
        var open = 0
        while !atEnd {
            if at(.less) { open += 1 }
            if at(.greater) { open -= 1 }
            if at(.shiftRight) { open -= 2 }
            if at(.leftParen) || at(.leftBrace) || at(.semicolon) { return }
            advance()
            if open <= 0 { return }
        }
    }

    /// `Bound + Other[T]`.
    private func parseBounds() -> [Path] {
        var bounds: [Path] = []
        repeat {
            guard startsPathSegment(tag) else {
                errorAtCurrent("expected a trait name, found \(describeCurrent())")
                break
            }
            bounds.append(parseTypePath())
        } while eat(.plus)
        return bounds
    }

    /// `where T: A + B, U: C`, merged into the generic parameters (bounds of a name
    /// already declared are appended to it).
    func parseWhereClause(into generics: inout [GenericParam]) {
        guard eat(.where) else { return }
        while case .identifier = kind {
            let name = expectIdentifier("a generic parameter name")
            expect(.colon, "after `\(name.name)` in the `where` clause")
            let bounds = parseBounds()
            if let i = generics.firstIndex(where: { $0.name.name == name.name }) {
                generics[i].bounds += bounds
            } else {
                generics.append(GenericParam(name: name, bounds: bounds))
            }
            if !eat(.comma) { break }
        }
    }

    // MARK: - Types

    /// `struct Name[T] { pub field: T, ... }` or `struct Name;`.
    private func parseStruct() -> StructDecl {
        advance()
        let name = expectIdentifier("a struct name")
        var generics = parseGenericParameters()
        parseWhereClause(into: &generics)
        var fields: [FieldDecl] = []
        if eat(.semicolon) {
            return StructDecl(name: name, generics: generics, fields: [])
        }
        if at(.leftParen) {
            errorAtCurrent("tuple structs are not supported",
                           help: "name the fields: `struct \(name.name) { x: int, y: int }`")
            recoverToItem()
            return StructDecl(name: name, generics: generics, fields: [])
        }
        guard expect(.leftBrace, "to begin the fields of `\(name.name)`") else {
            recoverToItem()
            return StructDecl(name: name, generics: generics, fields: [])
        }
        while !at(.rightBrace) && !atEnd {
            let before = index
            let isPublic = eat(.pub)
            let fieldName = expectIdentifier("a field name")
            expect(.colon, "after the field name")
            fields.append(FieldDecl(name: fieldName, type: parseType(), isPublic: isPublic))
            if !eat(.comma) || index == before { break }
        }
        expect(.rightBrace, "to close the struct")
        return StructDecl(name: name, generics: generics, fields: fields)
    }

    /// `enum Name[T] { Unit, Tuple(A, B), ... }`.
    private func parseEnum() -> EnumDecl {
        advance()
        let name = expectIdentifier("an enum name")
        var generics = parseGenericParameters()
        parseWhereClause(into: &generics)
        var variants: [VariantDecl] = []
        guard expect(.leftBrace, "to begin the variants of `\(name.name)`") else {
            recoverToItem()
            return EnumDecl(name: name, generics: generics, variants: [])
        }
        while !at(.rightBrace) && !atEnd {
            let before = index
            let variantStart = currentStart
            let variantName = expectIdentifier("a variant name")
            var payload: [TypeRef] = []
            if at(.leftParen) {
                advance()
                payload = parseTypeList(until: .rightParen)
                expect(.rightParen, "to close the variant's fields")
            } else if at(.leftBrace) {
                errorAtCurrent("variants with named fields are not supported",
                               help: "use a tuple-like variant: `\(variantName.name)(int, int)`")
                skipNestedConstruct()
            } else if at(.equal) {
                errorAtCurrent("explicit discriminants are not supported",
                               help: "remove `= value`; variants are compared by name")
                skipNestedConstruct()
            }
            variants.append(VariantDecl(name: variantName, payload: payload, span: span(from: variantStart)))
            if !eat(.comma) || index == before { break }
        }
        expect(.rightBrace, "to close the enum")
        return EnumDecl(name: name, generics: generics, variants: variants)
    }

    /// `impl[T] Type[T] { ... }` or `impl Trait for Type { ... }`.
    private func parseImpl() -> ImplDecl {
        advance()
        var generics = parseGenericParameters()
        let first = parseType()
        var trait: Path?
        var target = first
        if eat(.for) {
            if case .named(let path) = first.kind {
                trait = path
            } else {
                report("expected a trait name before `for`", at: first.span)
            }
            target = parseType()
        }
        parseWhereClause(into: &generics)
        var methods: [FunctionDecl] = []
        var constants: [ConstDecl] = []
        guard expect(.leftBrace, "to begin the `impl` body") else {
            recoverToItem()
            return ImplDecl(generics: generics, trait: trait, target: target, methods: [])
        }
        parseMemberList(bodyRequired: true, methods: &methods, constants: &constants, container: "`impl`")
        return ImplDecl(generics: generics, trait: trait, target: target, methods: methods, constants: constants)
    }

    /// `trait Name[T]: Super { fn required(&self); fn provided(&self) { ... } }`.
    private func parseTrait() -> TraitDecl {
        advance()
        let name = expectIdentifier("a trait name")
        var generics = parseGenericParameters()
        if eat(.colon) { _ = parseBounds() }  // supertraits are parsed and not enforced
        parseWhereClause(into: &generics)
        var methods: [FunctionDecl] = []
        var constants: [ConstDecl] = []
        guard expect(.leftBrace, "to begin the trait body") else {
            recoverToItem()
            return TraitDecl(name: name, generics: generics, methods: [])
        }
        parseMemberList(bodyRequired: false, methods: &methods, constants: &constants, container: "trait")
        if let constant = constants.first {
            report("constants in traits are not supported", at: constant.name.span)
        }
        return TraitDecl(name: name, generics: generics, methods: methods)
    }

    /// The methods and constants of an `impl` or trait, up to and including its `}`.
    private func parseMemberList(bodyRequired: Bool, methods: inout [FunctionDecl],
                                 constants: inout [ConstDecl], container: String) {
        while !at(.rightBrace) && !atEnd {
            let before = index
            eat(.pub)
            eat(.unsafe)
            if at(.fn) {
                methods.append(parseFunction(bodyRequired: bodyRequired))
            } else if at(.const) {
                constants.append(parseConst())
            } else {
                errorAtCurrent("expected `fn` or `const` in the \(container), found \(describeCurrent())")
                recoverToItem()
                if index == before { advance() }
            }
        }
        expect(.rightBrace, "to close the \(container)")
    }

    /// `const NAME: T = value;`
    private func parseConst() -> ConstDecl {
        advance()
        let name = expectIdentifier("a constant name")
        let type = eat(.colon) ? parseType() : nil
        var value = errorExpression(at: afterPrevious)
        if expect(.equal, "and a value for constant `\(name.name)`",
                  help: "a constant needs a value: `const \(name.name) = 1;`") {
            value = parseExpression()
        }
        expectItemSemicolon("after the constant")
        return ConstDecl(name: name, type: type, value: value)
    }

    /// `type Name[T] = T;`
    private func parseTypeAlias() -> TypeAliasDecl {
        advance()
        let name = expectIdentifier("a type name")
        let generics = parseGenericParameters()
        expect(.equal, "after the type alias name")
        let type = parseType()
        expectItemSemicolon("after the type alias")
        return TypeAliasDecl(name: name, generics: generics, type: type)
    }

    private func expectItemSemicolon(_ context: String) {
        if eat(.semicolon) { return }
        error("expected `;` \(context)", at: afterPrevious, help: "add `;` here")
    }

    // MARK: - Modules

    /// `mod name;` or `mod name { items }`. A module's contents count as nesting, and
    /// heavily: the path through items is the parser's most stack-hungry one.
    private func parseModule() -> ModuleDecl {
        advance()
        let name = expectIdentifier("a module name")
        if eat(.semicolon) { return ModuleDecl(name: name, items: nil) }
        guard at(.leftBrace) else {
            errorAtCurrent("expected `;` or `{` after `mod \(name.name)`, found \(describeCurrent())")
            return ModuleDecl(name: name, items: nil)
        }
        guard enterNesting(cost: DescentParser.itemNestingCost) else { return ModuleDecl(name: name, items: []) }
        advance()
        let items = parseItems(closedBy: .rightBrace)
        expect(.rightBrace, "to close module `\(name.name)`")
        leaveNesting(cost: DescentParser.itemNestingCost)
        return ModuleDecl(name: name, items: items)
    }

    /// `use a::b;`, `use a::b as c;`, `use a::{b, c::d};`, `use a::*;`
    private func parseUse() -> UseDecl {
        advance()
        let tree = parseUseTree()
        expectItemSemicolon("after the `use` declaration")
        return UseDecl(tree: tree)
    }

    private func parseUseTree() -> UseDecl.Tree {
        let start = currentStart
        var segments: [Path.Segment] = []
        func prefix() -> Path { Path(segments: segments, span: span(from: start)) }
        while true {
            if at(.leftBrace) {
                guard enterNesting() else { return .group(prefix: prefix(), []) }
                defer { leaveNesting() }
                advance()
                let trees = parseCommaSeparated(until: .rightBrace) { parseUseTree() }
                expect(.rightBrace, "to close the `use` group")
                return .group(prefix: prefix(), trees)
            }
            if eat(.star) { return .glob(prefix: prefix()) }
            segments.append(Path.Segment(name: parsePathSegmentName()))
            if !eat(.colonColon) { break }
        }
        let path = prefix()
        var alias: Ident?
        if eat(.as) { alias = expectIdentifier("a name after `as`") }
        return .path(path, alias: alias)
    }
}
