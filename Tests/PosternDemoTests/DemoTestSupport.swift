import Foundation
import Testing

@testable import PosternDemo

/// The repository checkout (this file is Tests/PosternDemoTests/DemoTestSupport.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh demo key set made by the repository's own `keys/generate`, in a temporary directory.
///
/// `keys/generate` writes next to itself (`keys/demo` beside the script), so a copy of the script in a
/// temporary `keys/` folder makes a private set without touching the checkout's own `keys/demo`.
final class GeneratedKeys {
    let root: URL
    var keysDirectory: String { root.appendingPathComponent("keys/demo").path }

    init() async throws {
        // A short path keeps gpg-agent's socket paths under the limit (keys/README.md).
        root = URL(fileURLWithPath: "/tmp").appendingPathComponent("pd-\(UUID().uuidString.prefix(8))")
        let keys = root.appendingPathComponent("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repositoryRoot.appendingPathComponent("keys/generate"), to: keys.appendingPathComponent("generate"))
        let generated = try await DemoKeyMaterial.ensure(
            DemoConfiguration(keysDirectory: keysDirectory), generator: keys.appendingPathComponent("generate").path)
        #expect(generated)
    }

    deinit { try? FileManager.default.removeItem(at: root) }
}
