// swift-tools-version: 6.1
import PackageDescription

// Dependencies come from the machine's local mirrors at the exact listed versions.
let package = Package(
    name: "Postern",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PosternPolicy", targets: ["PosternPolicy"]),
        .executable(name: "postern", targets: ["postern"]),
        .library(name: "PosternSMIME", targets: ["PosternSMIME"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Policy documents: strict schema, compile, tighten-only meet, evaluate, explain. Pure.
        .target(
            name: "PosternPolicy",
            dependencies: [.product(name: "Yams", package: "Yams")]
        ),
        // The command-line adapter: argument parsing, reports, exit codes.
        .target(
            name: "PosternCLI",
            dependencies: [
                "PosternPolicy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "postern", dependencies: ["PosternCLI"]),
        .testTarget(name: "PosternPolicyTests", dependencies: ["PosternPolicy"]),
        // The system OpenSSL libcrypto (not libssl), with shims for its function-like macros.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // S/MIME: CMS sign / encrypt / verify / decrypt and recipient certificate selection.
        // The only Swift code that touches libcrypto.
        .target(name: "PosternSMIME", dependencies: ["CLibCrypto"]),
        .testTarget(name: "PosternSMIMETests", dependencies: ["PosternSMIME"]),
    ],
    swiftLanguageModes: [.v6]
)
