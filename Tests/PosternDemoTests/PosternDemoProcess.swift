import Foundation
import Testing

/// One run of the real `postern` executable.
struct DemoProcessOutput: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout parsed as one JSON object.
    func jsonObject() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(value as? [String: Any], "stdout is not one JSON object: \(stdout)")
    }
}

/// Runs the built `postern` binary (a dependency of this test target) as a subprocess.
enum PosternDemoProcess {
    /// The `postern` executable next to the test bundle, else `.build/debug/postern` of this package.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("postern"))
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("postern"))
        }
        candidates.append(repositoryRoot.appendingPathComponent(".build/debug/postern"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "no built postern among \(candidates.map(\.path))")
    }

    /// Runs `postern ARGUMENTS` in `directory`, stdin from /dev/null, stdout and stderr captured in files
    /// (a pipe could fill up and block the child).
    static func run(
        _ arguments: [String], in directory: URL = repositoryRoot, environment: [String: String] = [:]
    ) throws -> DemoProcessOutput {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("postern-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
        }
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
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
        return DemoProcessOutput(
            status: process.terminationStatus,
            stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
            stderr: try String(contentsOf: stderrURL, encoding: .utf8))
    }
}
