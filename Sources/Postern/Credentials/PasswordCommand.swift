#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a password command and captures its output, bounded in time and size.
///
/// Spawned directly with `posix_spawn` rather than Foundation's `Process` for three
/// reasons: the child gets its own process group, so a timeout or an oversized output
/// kills the shell *and* everything it started (`sh -c 'gpg …'`); the pipe is
/// close-on-exec, so a command started concurrently elsewhere in the process cannot
/// inherit its write end and keep it open; and the output goes straight into a buffer
/// this module zeroes.
enum PasswordCommand {
    static func run(_ command: String, environment: [String: String], timeout: Duration) throws(CredentialError)
        -> Secret
    {
        var ends: [Int32] = [-1, -1]
        guard makePipe(&ends) else {
            throw CredentialError(code: .commandNotStarted, message: "cannot create a pipe for the password command")
        }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let child: pid_t
        do {
            child = try spawn(command, environment: environment, stdout: writeEnd, closeInChild: readEnd)
        } catch {
            close(readEnd)
            close(writeEnd)
            throw error
        }
        // Our copy of the write end must go, or we would never see end-of-file.
        close(writeEnd)
        defer { close(readEnd) }

        let deadline = ContinuousClock.now.advanced(by: timeout)
        var bytes: [UInt8] = []
        // Room for the limit plus one chunk, so the array never reallocates and leaves an unzeroed copy.
        bytes.reserveCapacity(PasswordSource.maximumSecretBytes + 4096)
        defer { Secret.zero(&bytes) }
        let status: Int32
        do {
            try readAll(from: readEnd, into: &bytes, until: deadline)
            status = try waitForExit(child, until: deadline)
        } catch {
            stopGroup(of: child)
            throw error
        }
        // No group kill here: the shell is reaped, so its pid (the group id) could already
        // belong to someone else. A background job that kept stdout open never gets here
        // (no end-of-file: it is killed on timeout with the group); one that closed stdout
        // is left to run, like any program it might have started.
        let signal = status & 0x7F
        if signal != 0 {
            throw CredentialError(code: .commandFailed, message: "the password command was killed by signal \(signal)")
        }
        let exitCode = (status >> 8) & 0xFF
        if exitCode != 0 {
            throw CredentialError(code: .commandFailed, message: "the password command exited with status \(exitCode)")
        }
        let password = Secret(bytes: PasswordSource.withoutOneLineEnd(bytes[...]))
        guard !password.isEmpty else {
            throw CredentialError(code: .emptyPassword, message: "the password command printed nothing")
        }
        return password
    }

    /// A close-on-exec pipe. (`pipe2` would close the short window between `pipe` and
    /// `fcntl`, but Glibc does not export it to Swift without `_GNU_SOURCE`.)
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// `/bin/sh -c COMMAND` in a new process group, stdin `/dev/null`, stdout the pipe,
    /// stderr ours, SIGPIPE at its default so a writer whose reader went away dies.
    private static func spawn(
        _ command: String, environment: [String: String], stdout: Int32, closeInChild: Int32
    ) throws(CredentialError) -> pid_t {
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_addclose(&actions, closeInChild)
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (text: String) in strdup(text)
        }
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { (name: String, value: String) in
            strdup("\(name)=\(value)")
        }
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = (arguments + [nil]).withUnsafeBufferPointer { argv in
            (variables + [nil]).withUnsafeBufferPointer { envp in
                guard let argvBase = argv.baseAddress, let envpBase = envp.baseAddress else { return EINVAL }
                return posix_spawn(&child, "/bin/sh", &actions, &attributes, argvBase, envpBase)
            }
        }
        guard result == 0 else {
            throw CredentialError(
                code: .commandNotStarted,
                message: "cannot start the password command with /bin/sh: \(String(cString: strerror(result)))")
        }
        return child
    }

    /// Reads until end-of-file, failing when the output passes the size limit or the deadline passes.
    private static func readAll(
        from descriptor: Int32, into bytes: inout [UInt8], until deadline: ContinuousClock.Instant
    ) throws(CredentialError) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { Secret.zero(&chunk) }
        while true {
            let remaining = milliseconds(until: deadline)
            guard remaining > 0 else { throw timedOut }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, Int(Int32.max))))
            if ready < 0 {
                if errno == EINTR { continue }
                throw CredentialError(code: .commandFailed, message: "cannot read the password command's output")
            }
            if ready == 0 { continue }  // the loop head notices the deadline
            let readCount = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if readCount < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw CredentialError(code: .commandFailed, message: "cannot read the password command's output")
            }
            if readCount == 0 { return }
            bytes.append(contentsOf: chunk[0..<readCount])
            if bytes.count > PasswordSource.maximumSecretBytes {
                throw CredentialError(
                    code: .commandOutputTooLarge,
                    message:
                        "the password command wrote more than \(PasswordSource.maximumSecretBytes / 1024) KiB; it was stopped"
                )
            }
        }
    }

    /// A command may close its output and keep running: the deadline holds for its exit too.
    /// Returns the raw wait status.
    private static func waitForExit(_ child: pid_t, until deadline: ContinuousClock.Instant) throws(CredentialError)
        -> Int32
    {
        var pause: UInt32 = 1_000  // microseconds, doubling up to 50 ms
        while true {
            var status: Int32 = 0
            let reaped = waitpid(child, &status, WNOHANG)
            if reaped == child { return status }
            if reaped < 0 && errno != EINTR {
                throw CredentialError(code: .commandFailed, message: "lost track of the password command")
            }
            guard milliseconds(until: deadline) > 0 else { throw timedOut }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Kills the command's whole process group and reaps the shell, so nothing is left running.
    /// Called only while the shell is not yet reaped, so its pid still names our group.
    private static func stopGroup(of child: pid_t) {
        kill(-child, SIGKILL)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
    }

    private static var timedOut: CredentialError {
        CredentialError(code: .commandTimedOut, message: "the password command did not finish in time; it was stopped")
    }

    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int {
        let remaining = ContinuousClock.now.duration(to: deadline)
        let (seconds, attoseconds) = remaining.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        return Int(min(seconds, 86_400 * 365)) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1
    }
}
