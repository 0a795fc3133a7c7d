// swift-tools-version:6.0
// The layers of Malphas, one way down:
//   malphas (CLI) -> MalphasVM -> MalphasCompiler -> MalphasSyntax
//                    MalphasVM -> CLegion (C + assembly, knows nothing of Malphas)
//                    MalphasVM -> CMalphasSync (the channel lock and the VM's atomics)
//   malphas -> MalphasREPL (the REPL: evaluation core, terminal) -> MalphasVM, CReadline
import PackageDescription

let package = Package(
    name: "Malphas",
    products: [
        .executable(name: "malphas", targets: ["malphas"]),
        .executable(name: "malphas-lsp", targets: ["malphas-lsp"]),
        .executable(name: "legion-bench", targets: ["legion-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CLegion",
                cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-O2"])]),
        .target(name: "CMalphasSync",
                cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-O2"])]),
        .target(name: "MalphasSyntax"),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
        .target(name: "MalphasREPL", dependencies: ["MalphasVM", "MalphasCompiler", "MalphasSyntax", "CReadline", "CMalphasSync"]),
        .target(name: "MalphasCompiler", dependencies: ["MalphasSyntax"]),
        // Editor tools beside the CLI, on the same front end: `malphas fmt`, `malphas lsp`.
        .target(name: "MalphasFormat", dependencies: ["MalphasSyntax"]),
        .target(name: "MalphasLanguageServer", dependencies: ["MalphasFormat", "MalphasVM", "MalphasCompiler", "MalphasSyntax"]),
        .target(name: "MalphasVM",
                dependencies: ["MalphasCompiler", "CLegion", "CMalphasSync"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .executableTarget(name: "malphas", dependencies: [
            "MalphasVM", "MalphasCompiler", "MalphasSyntax", "MalphasREPL", "CLegion", "CMalphasSync",
            "MalphasFormat",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The language server runs as its own program (`malphas lsp` execs it): it needs
        // Foundation, which `malphas` does not load.
        .executableTarget(name: "malphas-lsp", dependencies: ["MalphasLanguageServer"]),
        .executableTarget(name: "legion-bench", dependencies: ["CLegion"]),
        .testTarget(name: "MalphasFormatTests", dependencies: ["MalphasFormat", "MalphasSyntax", "MalphasFuzzSupport"]),
        .testTarget(name: "MalphasLanguageServerTests", dependencies: ["MalphasLanguageServer", "MalphasSyntax", "MalphasFuzzSupport", "malphas", "malphas-lsp"]),
        .testTarget(name: "MalphasSyntaxTests", dependencies: ["MalphasSyntax", "MalphasFuzzSupport"]),
        .testTarget(name: "MalphasLanguageTests", dependencies: ["MalphasVM", "CLegion", "MalphasFuzzSupport"]),
        // Program generators and mutators shared by the pipeline fuzzers.
        .target(name: "MalphasFuzzSupport", dependencies: ["MalphasSyntax"], path: "Tests/MalphasFuzzSupport"),
        .target(name: "CLegionTestSupport", dependencies: ["CLegion"],
                path: "Tests/CLegionTestSupport",
                exclude: ["fixtures"],
                cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-O2"])]),
        .testTarget(name: "CLegionTests", dependencies: ["CLegion", "CLegionTestSupport"]),
        .target(name: "MalphasProcessTesting", path: "Tests/MalphasProcessTesting"),
        .testTarget(name: "MalphasCLITests", dependencies: ["malphas", "MalphasProcessTesting", "MalphasFuzzSupport"]),
        .testTarget(name: "MalphasREPLTests", dependencies: ["MalphasREPL", "malphas", "MalphasProcessTesting"]),
        .testTarget(name: "MalphasStdlibTests", dependencies: ["MalphasVM", "MalphasCompiler", "MalphasSyntax", "malphas", "MalphasProcessTesting"]),
    ],
    swiftLanguageModes: [.v5]
)
