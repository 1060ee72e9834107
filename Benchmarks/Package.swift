// swift-tools-version: 6.1
import PackageDescription

// A path dependency's identity is its folder name, which differs between checkouts.
let rootIdentity = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "Postern"

// A separate package so the main build never compiles the benchmark.
// Run: swift run -c release --package-path Benchmarks PolicyBenchmark
let package = Package(
    name: "PosternBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Counts malloc/calloc/realloc calls by interposing glibc's allocator (Linux only).
        .target(name: "MallocCounter"),
        .executableTarget(
            name: "PolicyBenchmark",
            dependencies: ["MallocCounter", .product(name: "PosternPolicy", package: rootIdentity)],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))],
            // Keep the interposed allocator symbols (release links with --gc-sections) and export
            // them so libswiftCore's calls resolve to them.
            linkerSettings: [.unsafeFlags(["-Xlinker", "--export-dynamic"], .when(platforms: [.linux]))]
        ),
        // Postern's transport against scripts/mailserver (compare with Benchmarks/smtp).
        .executableTarget(
            name: "TransportBenchmark",
            dependencies: [
                .product(name: "Postern", package: rootIdentity),
                .product(name: "PosternPolicy", package: rootIdentity),
                .product(name: "PosternSMTP", package: rootIdentity),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
