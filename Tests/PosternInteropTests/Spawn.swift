import Foundation
import PosternTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program to completion with posix_spawn and a blocking waitpid, its stdio connected to files.
///
/// Why not Foundation's `Process`: waiting for `scripts/mailserver/start` (which starts daemons) left the exited
/// script as an unreaped zombie and `waitUntilExit` never returned; a plain waitpid on the child cannot miss it.
enum Spawn {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Returns the exit status (128 + signal when killed by a signal). The waitpid runs on a
    /// ``DedicatedThread``: starting Postfix and Dovecot takes seconds, and a cooperative-pool thread held that
    /// long stalls every other test in the process.
    static func run(
        _ path: String, _ arguments: [String], environment: [String: String], stdin: String = "/dev/null",
        stdout: String, stderr: String
    ) async throws -> Int32 {
        try await DedicatedThread.run {
            try runBlocking(path, arguments, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr)
        }
    }

    private static func runBlocking(
        _ path: String, _ arguments: [String], environment: [String: String], stdin: String,
        stdout: String, stderr: String
    ) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }

        let argv = ([path] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var argvList = argv + [nil]
        var envList = envp + [nil]
        let spawned = argvList.withUnsafeMutableBufferPointer { argvPointer in
            envList.withUnsafeMutableBufferPointer { envPointer in
                guard let argvBase = argvPointer.baseAddress, let envBase = envPointer.baseAddress else {
                    return EINVAL
                }
                return posix_spawn(&pid, path, &actions, nil, argvBase, envBase)
            }
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed for \(path)") }
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out (the C macros are not imported).
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
