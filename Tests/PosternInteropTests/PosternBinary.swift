import Foundation
import Testing

/// One run of the real `postern` executable.
struct PosternRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// stdout as one JSON object.
    func json() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try #require(value as? [String: Any], "stdout is not one JSON object: \(stdout)")
    }
}

/// Runs the built `postern` binary (built by the test target's dependency) as a subprocess.
enum PosternBinary {
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("postern"))
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("postern"))
        }
        candidates.append(MailServerRegistry.packageRoot.appendingPathComponent(".build/debug/postern"))
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "no built postern among \(candidates.map(\.path))")
    }

    /// Runs `postern ARGUMENTS`, stdin from `stdinFile` (or /dev/null), output captured in files (no pipe can fill).
    static func run(
        _ arguments: [String], stdinFile: String? = nil, environment: [String: String] = [:],
        executableName: String? = nil
    ) async throws -> PosternRun {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("postern-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout")
        let err = scratch.appendingPathComponent("stderr")
        var executable = try self.executable()
        if let executableName {
            // argv[0] dispatch (`sendmail`): a symlink with that name next to the scratch files.
            let link = scratch.appendingPathComponent(executableName)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: executable)
            executable = link
        }
        var env = ProcessInfo.processInfo.environment
        env["POSTERN_POLICY"] = nil
        env["POSTERN_CONFIG"] = nil
        env.merge(environment) { _, new in new }
        let status = try await Spawn.run(
            executable.path, arguments, environment: env, stdin: stdinFile ?? "/dev/null", stdout: out.path,
            stderr: err.path)
        return PosternRun(
            status: status,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }
}
