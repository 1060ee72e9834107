// swift-tools-version: 6.1
import PackageDescription

/// What certificate checking and the NIOSSL client need: PosternTLS and the test helpers built on it.
let tlsStack: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
    .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
    .product(name: "NIOTLS", package: "swift-nio"),
    .product(name: "NIOSSL", package: "swift-nio-ssl"),
    .product(name: "X509", package: "swift-certificates"),
    .product(name: "SwiftASN1", package: "swift-asn1"),
    .product(name: "Crypto", package: "swift-crypto"),
]

// Dependencies come from the machine's local mirrors at the exact listed versions.
let package = Package(
    name: "Postern",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "PosternPolicy", targets: ["PosternPolicy"]),
        .executable(name: "postern", targets: ["postern"]),
        .library(name: "PosternOpenPGP", targets: ["PosternOpenPGP"]),
        .library(name: "Postern", targets: ["Postern"]),
        .library(name: "PosternMIME", targets: ["PosternMIME"]),
        .library(name: "PosternSMTP", targets: ["PosternSMTP"]),
        .library(name: "PosternTLS", targets: ["PosternTLS"]),
        .library(name: "PosternSMIME", targets: ["PosternSMIME"]),
        .library(name: "PosternTransport", targets: ["PosternTransport"]),
        .library(name: "PosternDemo", targets: ["PosternDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
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
                "Postern",
                "PosternTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                "PosternMIME",
                "PosternSMTP",
                "PosternTransport",
                "PosternDemo",
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
        .testTarget(name: "PosternOpenPGPTests", dependencies: ["PosternOpenPGP", "PosternTestSupport"]),
        // The facade a compliance tool embeds; for now the report and exit-status types.
        .target(
            name: "Postern",
            dependencies: [
                "PosternPolicy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                "PosternMIME",
                "PosternSMIME",
                "PosternOpenPGP",
                "PosternSMTP",
                "PosternTLS",
                "PosternTransport",
            ]
        ),
        // Drives the real built `postern` executable as a subprocess.
        .testTarget(
            name: "PosternCLITests",
            dependencies: ["postern", "Postern", "PosternCLI", "PosternPolicy", "PosternTLS", "PosternTestSupport"]
        ),
        // Message model, RFC 5322/2045-2047 parse and write, canonical CRLF, boundaries, header protection. Pure.
        .target(name: "PosternMIME"),
        .testTarget(name: "PosternMIMETests", dependencies: ["PosternMIME"]),
        // The SMTP submission dialogue as a pure state machine: replies, EHLO, SASL, dot-stuffing. No I/O.
        .target(
            name: "PosternSMTP",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "PosternSMTPTests", dependencies: ["PosternSMTP"]),
        // The TLS side of the transport: certificate assessment (chain, hostname, pins), SPKI pins,
        // the NIOSSL client configuration and a one-shot TLS probe.
        .target(
            name: "PosternTLS",
            dependencies: tlsStack
        ),
        // Test-only helpers: run-time PKI and the scripted hostile SMTP server. Only test targets depend on it.
        .target(
            name: "PosternTestSupport",
            dependencies: ["PosternTLS"] + tlsStack
        ),
        .testTarget(
            name: "PosternTLSTests",
            dependencies: [
                "PosternTLS",
                "PosternTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The system OpenSSL libcrypto (not libssl), with shims for its function-like macros.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        // S/MIME: CMS sign / encrypt / verify / decrypt and recipient certificate selection.
        // The only Swift code that touches libcrypto.
        .target(name: "PosternSMIME", dependencies: ["CLibCrypto"]),
        // Secrets, password sources and the configuration file.
        .testTarget(name: "PosternConfigTests", dependencies: ["Postern", "PosternPolicy"]),
        // Example: a compliance table for a folder of .eml files under policy layers, without sending.
        .executableTarget(
            name: "ComplianceTable",
            dependencies: ["Postern", .product(name: "Logging", package: "swift-log")],
            path: "Examples/ComplianceTable",
            exclude: ["samples", "README.md"]
        ),
        // The facade's evaluate, over the shipped policies, and the example tool run as a subprocess.
        .testTarget(
            name: "PosternFacadeTests",
            dependencies: [
                "Postern", "PosternPolicy", "PosternMIME", "ComplianceTable", "PosternTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "PosternSMIMETests", dependencies: ["PosternSMIME", "PosternTestSupport"]),
        // seal end to end: policy decision, S/MIME and OpenPGP protection checked with openssl and gpg.
        .testTarget(
            name: "PosternSealTests",
            dependencies: ["Postern", "PosternPolicy", "PosternMIME", "PosternTestSupport", "postern"]
        ),
        // The NIO client that runs the SMTP state machine under the policy: connect, TLS/STARTTLS,
        // checkpoints, pipelined writes, streamed dot-stuffed bodies.
        .target(
            name: "PosternTransport",
            dependencies: [
                "PosternSMTP",
                "PosternTLS",
                "PosternPolicy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PosternTransportTests",
            dependencies: [
                "PosternTransport",
                "Postern",
                "PosternSMTP",
                "PosternTLS",
                "PosternPolicy",
                "PosternTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Postern (the real binary) against the real Postfix + Dovecot of scripts/mailserver/.
        .testTarget(name: "PosternInteropTests", dependencies: ["postern", "PosternTestSupport"]),
        // `postern demo`: an embedded demo submission server (loopback, ephemeral ports, in-memory mailbox)
        // and the four-step walk-through over the facade.
        .target(
            name: "PosternDemo",
            dependencies: [
                "Postern",
                "PosternPolicy",
                "PosternTransport",
                "PosternSMTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "PosternDemoTests",
            dependencies: [
                "PosternDemo", "Postern", "PosternPolicy", "PosternSMTP", "PosternTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The subprocess tests run the built `postern demo`.
                "postern",
            ]
        ),
        // send with sealing: required/requested protection applied before submission, checked with openssl and gpg.
        .testTarget(
            name: "PosternSealSendTests",
            dependencies: [
                "Postern", "PosternPolicy", "PosternSMTP", "PosternTestSupport", "postern",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
