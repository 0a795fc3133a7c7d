import MalphasSyntax

// Traits and bounds (LANGUAGE 10): an `impl Trait for T` provides the trait's methods with
// the trait's parameter and result types (`Self` read as `T`); a generic function's bounds
// hold at each use (`fn greet[T: Greeter](g: T)` called with a type that implements
// `Greeter`). A bound naming a trait the program does not declare (`Display`) is not
// checked: the checker knows nothing about it.

extension TypeChecker {
    func checkTraitImpls() {
        for (impl, module) in traitImplDecls {
            guard let traitPath = impl.trait else { continue }
            resolver.inModule(module) {
                guard let traitKey = resolver.userTypeKey(traitPath.segments[...]), let trait = global.traits[traitKey] else { return }
                let implGenerics = Set(impl.generics.map(\.name.name))
                let selfType = convert(impl.target, generics: implGenerics, selfType: .unknown)
                let traitModule = resolver.modules.itemModules[traitKey] ?? module
                for m in impl.methods {
                    guard let tm = trait.methods.first(where: { $0.name.name == m.name.name }) else { continue }
                    checkImplMethod(m, against: tm, trait: trait, selfType: selfType, implGenerics: implGenerics,
                                    traitModule: traitModule)
                }
            }
        }
    }

    private func checkImplMethod(_ m: FunctionDecl, against tm: FunctionDecl, trait: TraitDecl, selfType: StaticType,
                                 implGenerics: Set<String>, traitModule: Module) {
        if m.params.count != tm.params.count {
            error("method `\(m.name.name)` has \(m.params.count) parameter\(m.params.count == 1 ? "" : "s") but the declaration in trait `\(trait.name.name)` has \(tm.params.count)",
                  at: m.name.span, label: "expected \(tm.params.count) parameter\(tm.params.count == 1 ? "" : "s"), found \(m.params.count)",
                  notes: [("trait method declared here", tm.name.span)])
            return
        }
        // Generic parameters of the trait and of the method stay open: only known types can conflict.
        let traitGenerics = Set(trait.generics.map(\.name.name)).union(tm.generics.map(\.name.name))
        func traitType(_ t: TypeRef?) -> StaticType {
            guard let t else { return .unit }
            let converted = resolver.inModule(traitModule) { convert(t, generics: traitGenerics, selfType: selfType) }
            return converted.mapped { if case .parameter = $0 { return .unknown }; return nil }
        }
        let methodGenerics = implGenerics.union(m.generics.map(\.name.name))
        func implType(_ t: TypeRef?) -> StaticType {
            guard let t else { return .unit }
            return convert(t, generics: methodGenerics, selfType: selfType).mapped {
                if case .parameter(let n) = $0, !implGenerics.contains(n) { return .unknown }
                return nil
            }
        }
        for (p, tp) in zip(m.params, tm.params) {
            let want = traitType(tp.type), got = implType(p.type)
            if !unifier.unify(want, got, at: p.span) {
                error("method `\(m.name.name)` has an incompatible type for trait `\(trait.name.name)`", at: p.type?.span ?? p.span,
                      label: "expected \(unifier.resolved(want)), found \(unifier.resolved(got))",
                      notes: [("type in trait", tp.type?.span ?? tp.span)])
            }
        }
        let want = traitType(tm.result), got = implType(m.result)
        if !unifier.unify(want, got, at: m.name.span) {
            error("method `\(m.name.name)` has an incompatible type for trait `\(trait.name.name)`", at: m.result?.span ?? m.name.span,
                  label: "expected \(unifier.resolved(want)), found \(unifier.resolved(got))",
                  notes: [("type in trait", tm.result?.span ?? tm.name.span)])
        }
    }

    /// Each generic argument of a call whose parameter has bounds must implement them.
    func checkBounds(_ vars: [(GenericParam, StaticType)], at span: Span, args: [Expr], module: Module? = nil) {
        for (g, t) in vars where !g.bounds.isEmpty {
            let resolved = unifier.resolved(t)
            guard let key = typeKey(of: resolved) else { continue }
            for bound in g.bounds {
                guard let traitKey = resolver.userTypeKey(bound.segments[...]), global.traits[traitKey] != nil else { continue }
                if env.traitImpls.contains(TraitImpl(trait: traitKey, type: key)) { continue }
                // Point at the argument that decided the type, if one did.
                let at = args.first(where: { a in recorded[a.span].map { unifier.resolved($0) == resolved } ?? false })?.span ?? span
                error("the trait bound `\(resolved): \(bound.text)` is not satisfied", at: at,
                      label: "the trait `\(bound.text)` is not implemented for `\(resolved)`",
                      help: "implement it: `impl \(bound.text) for \(resolved) { ... }`",
                      notes: [("required by this bound on `\(g.name.name)`", bound.span)])
            }
        }
    }
}
