// swift-tools-version: 6.1
import PackageDescription

// Dependencies come from the machine's local mirrors at the exact listed versions.
let package = Package(
    name: "Postern",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PosternPolicy", targets: ["PosternPolicy"]),
        .executable(name: "postern", targets: ["postern"]),
        .library(name: "PosternSMTP", targets: ["PosternSMTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
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
        // The SMTP submission dialogue as a pure state machine: replies, EHLO, SASL, dot-stuffing. No I/O.
        .target(
            name: "PosternSMTP",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "PosternSMTPTests", dependencies: ["PosternSMTP"]),
    ],
    swiftLanguageModes: [.v6]
)
