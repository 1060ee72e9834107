import Foundation
import PosternTestSupport
import Testing

/// The result of one run of the real `postern` executable.
typealias ProcessOutput = ExecutableRun

/// Runs the built `postern` binary as a subprocess, stdin from /dev/null (``BuiltExecutable``).
enum PosternProcess {
    /// The `postern` executable built next to the test bundle, else `.build/debug/postern` of this package.
    static func executable() throws -> URL {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try BuiltExecutable.locate("postern", packageRoot: packageRoot)
    }

    /// Runs `executable` (default: the postern binary) with `arguments`.
    static func run(
        _ arguments: [String], executable: URL? = nil, directory: URL? = nil, stdinFile: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> ProcessOutput {
        try await BuiltExecutable.run(
            executable ?? self.executable(), arguments, directory: directory, stdinFile: stdinFile,
            environment: environment)
    }
}

/// A temporary directory removed when the value is released.
final class TemporaryDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("postern-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// The keys every report carries (§5 plus the `error` extension).
let reportKeys: Set<String> = [
    "postern-report", "verb", "decision", "exit-code", "violations", "policy", "transport",
    "protection", "smtp", "error",
]
