// swift-tools-version: 6.1
import PackageDescription

// Dependencies come from the machine's local mirrors at the exact listed versions.
let package = Package(
    name: "Postern",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PosternPolicy", targets: ["PosternPolicy"]),
        .executable(name: "postern", targets: ["postern"]),
        .library(name: "PosternOpenPGP", targets: ["PosternOpenPGP"]),
        .library(name: "Postern", targets: ["Postern"]),
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
                "Postern",
            ]
        ),
        .executableTarget(name: "postern", dependencies: ["PosternCLI"]),
        .testTarget(name: "PosternPolicyTests", dependencies: ["PosternPolicy"]),
        // GPGME as a system library (pkg-config "gpgme"); the modulemap also links it explicitly.
        .systemLibrary(
            name: "CGPGME",
            pkgConfig: "gpgme",
            providers: [.apt(["libgpgme-dev"]), .brew(["gpgme"])]
        ),
        // PGP/MIME (RFC 3156) sign / encrypt / verify / decrypt and key selection. The only GPGME user.
        .target(name: "PosternOpenPGP", dependencies: ["CGPGME"]),
        .testTarget(name: "PosternOpenPGPTests", dependencies: ["PosternOpenPGP"]),
        // The facade a compliance tool embeds; for now the report and exit-status types.
        .target(
            name: "Postern",
            dependencies: [
                "PosternPolicy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Drives the real built `postern` executable as a subprocess.
        .testTarget(name: "PosternCLITests", dependencies: ["postern", "Postern", "PosternCLI", "PosternPolicy"]),
        // Secrets, password sources and the configuration file.
        .testTarget(name: "PosternConfigTests", dependencies: ["Postern", "PosternPolicy"]),
    ],
    swiftLanguageModes: [.v6]
)
