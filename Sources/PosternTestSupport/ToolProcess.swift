import Foundation

/// Runs a command-line tool (`openssl`, `gpg`, `gpgsm`, `gpgconf`, `strace`, a built binary) for a test and
/// collects its output: the one runner of the test targets for tools fed with in-memory input. (Built
/// executables that need a working directory or a stdin file use ``BuiltExecutable``.)
public enum ToolProcess {
    /// A finished run: exit status, standard output, standard error as UTF-8.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
    }

    /// Runs a tool and returns its status and output, whatever the status; waits on a ``DedicatedThread``.
    public static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]
    ) async throws -> Output {
        try await DedicatedThread.run { try runBlocking(executable, arguments, stdin: stdin, environment: environment) }
    }

    private static func runBlocking(
        _ executable: String, _ arguments: [String], stdin: Data?, environment: [String: String]
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // No input: /dev/null, so the child sees end-of-file at once (as gpgsm's empty passphrase).
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        // Feed stdin and drain both pipes concurrently so no pipe buffer can deadlock the child.
        if let input, let stdin {
            Thread {
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }.start()
        }
        let errorBox = DataBox()
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            errorBox.set(errors.fileHandleForReading.readDataToEndOfFile())
            errorsRead.signal()
        }.start()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorsRead.wait()
        return Output(
            status: process.terminationStatus, stdout: stdout, stderr: String(decoding: errorBox.get(), as: UTF8.self))
    }

    public struct Failure: Error, CustomStringConvertible {
        public init(command: String, stderr: String) {
            self.command = command
            self.stderr = stderr
        }
        public let command: String
        public let stderr: String
        public var description: String { "\(command) failed: \(stderr)" }
    }
}

/// A thread-safe slot for a pipe's output.
public final class DataBox: @unchecked Sendable {
    // Guarded by `lock`; @unchecked because NSLock-protected state is not visible to the checker.
    private let lock = NSLock()
    private var data: Data?

    public init() {}

    public func set(_ value: Data) { lock.withLock { data = value } }
    public func get() -> Data { lock.withLock { data ?? Data() } }
}
