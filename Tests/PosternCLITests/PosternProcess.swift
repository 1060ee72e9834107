import Foundation
import Testing

/// The result of one run of the real `postern` executable.
struct ProcessOutput: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as a JSON object.
    func jsonObject() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
        return try #require(value as? [String: Any], "stdout is not one JSON object: \(stdout)")
    }
}

/// Runs the built `postern` binary as a subprocess, stdin from /dev/null.
enum PosternProcess {
    /// The `postern` executable built next to the test bundle, else `.build/debug/postern`
    /// of this package.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("postern"))
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("postern"))
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/postern"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "no built postern among \(candidates.map(\.path))")
    }

    /// Runs `executable` (default: the postern binary) with `arguments`.
    static func run(
        _ arguments: [String], executable: URL? = nil, environment: [String: String] = [:]
    ) throws -> ProcessOutput {
        let directory = try TemporaryDirectory()
        let stdoutURL = directory.url.appendingPathComponent("stdout")
        let stderrURL = directory.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
        }
        let process = Process()
        process.executableURL = try executable ?? self.executable()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["POSTERN_POLICY"] = nil
        env["POSTERN_CONFIG"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
            stderr: try String(contentsOf: stderrURL, encoding: .utf8)
        )
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
