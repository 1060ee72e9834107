import Foundation

/// One run of an executable built by this package.
public struct ExecutableRun: Sendable {
    /// The exit status.
    public var status: Int32
    /// Everything written to standard output, as UTF-8.
    public var stdout: String
    /// Everything written to standard error, as UTF-8.
    public var stderr: String

    /// Creates a run record.
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Standard output parsed as one JSON object.
    public func jsonObject() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
        guard let object = value as? [String: Any] else {
            throw BuiltExecutable.Failure(description: "stdout is not one JSON object: \(stdout)")
        }
        return object
    }
}

/// Finds and runs the executables this package builds (`postern`, `ComplianceTable`) as subprocesses,
/// the one way every test target does it.
///
/// Output goes to files, not pipes, so a child that writes a lot can never block on a full pipe; standard
/// input is `/dev/null` unless a file is given. `POSTERN_POLICY` and `POSTERN_CONFIG` are removed from the
/// inherited environment so that the developer's own settings never change a test's outcome.
public enum BuiltExecutable {
    /// Why an executable could not be found or run.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The executable `name` next to the test bundle (SwiftPM puts products there), else in
    /// `PACKAGE/.build/debug/`.
    public static func locate(_ name: String, packageRoot: URL) throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent(name))
        }
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw Failure(description: "no built \(name) among \(candidates.map(\.path))")
        }
        return found
    }

    /// Runs `executable` with `arguments` and waits for it on a ``DedicatedThread`` (never on the
    /// cooperative pool).
    ///
    /// - Parameters:
    ///   - directory: the working directory (default: the test process's).
    ///   - stdinFile: a file to read standard input from (default: `/dev/null`).
    ///   - environment: added to (and overriding) the inherited environment.
    public static func run(
        _ executable: URL, _ arguments: [String], directory: URL? = nil, stdinFile: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> ExecutableRun {
        try await DedicatedThread.run {
            try runBlocking(
                executable, arguments, directory: directory, stdinFile: stdinFile, environment: environment)
        }
    }

    private static func runBlocking(
        _ executable: URL, _ arguments: [String], directory: URL?, stdinFile: String?, environment: [String: String]
    ) throws -> ExecutableRun {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("postern-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        let stdinHandle = try stdinFile.map { path in
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw Failure(description: "cannot read \(path) for standard input")
            }
            return handle
        }
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
            try? stdinHandle?.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var inherited = ProcessInfo.processInfo.environment
        inherited["POSTERN_POLICY"] = nil
        inherited["POSTERN_CONFIG"] = nil
        inherited.merge(environment) { _, new in new }
        process.environment = inherited
        process.standardInput = stdinHandle ?? FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()
        process.waitUntilExit()
        return ExecutableRun(
            status: process.terminationStatus,
            stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
            stderr: try String(contentsOf: stderrURL, encoding: .utf8))
    }
}
