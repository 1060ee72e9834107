import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension PasswordSource {
    /// The largest password a file or command may yield (64 KiB); anything larger is
    /// surely not a password and is refused rather than read into memory.
    public static let maximumSecretBytes = 64 * 1024

    /// The default time a password command may take before it is killed.
    public static let defaultCommandTimeout: Duration = .seconds(30)

    /// Reads the password from this source.
    ///
    /// - environment: the variable must be set and non-empty; its value is used as is.
    /// - file: the file must be a regular file that neither group nor others can read
    ///   (`mode & 0o077 == 0`), like ssh refuses private keys and msmtp password files
    ///   that others could read; at most ``maximumSecretBytes``; one trailing line end
    ///   (`\n` or `\r\n`) is removed.
    /// - command: run as `/bin/sh -c COMMAND` with stdin `/dev/null`, the given
    ///   environment, stderr passed through to ours; stdout is the password (at most
    ///   ``maximumSecretBytes``, one trailing line end removed). A non-zero exit, a
    ///   signal, or running longer than `commandTimeout` is an error; the command is
    ///   killed on timeout or oversized output.
    ///
    /// An empty password is an error from every source.
    ///
    /// - Parameters:
    ///   - environment: the environment to read a variable from and to run a command in.
    ///   - commandTimeout: how long a password command may run.
    /// - Returns: the password; it never prints.
    /// - Throws: ``CredentialError``, whose message never contains the password.
    /// - Important: Resolve as late as possible and let the ``Secret`` go as soon as the
    ///   AUTH exchange is done. A password command runs code with the user's rights:
    ///   configuration that names one must come from a file only the user can write.
    public func resolve(
        environment: [String: String],
        commandTimeout: Duration = PasswordSource.defaultCommandTimeout
    ) throws(CredentialError) -> Secret {
        switch kind {
        case .environment:
            return try Self.readEnvironment(reference, environment: environment)
        case .file:
            return try Self.readFile(reference)
        case .command:
            return try PasswordCommand.run(reference, environment: environment, timeout: commandTimeout)
        default:
            throw CredentialError(
                code: .unsupportedSource, message: "cannot read a password from a \(kind.rawValue) source")
        }
    }

    private static func readEnvironment(_ name: String, environment: [String: String]) throws(CredentialError) -> Secret
    {
        guard let value = environment[name] else {
            throw CredentialError(
                code: .environmentVariableMissing,
                message: "the password environment variable \(name) is not set")
        }
        guard !value.isEmpty else {
            throw CredentialError(
                code: .environmentVariableEmpty,
                message: "the password environment variable \(name) is empty")
        }
        return Secret(utf8: value)
    }

    private static func readFile(_ path: String) throws(CredentialError) -> Secret {
        // open + fstat on the same descriptor: the checks apply to the file we then read.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CredentialError(code: .fileUnreadable, message: "cannot open the password file \(path): \(reason)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CredentialError(code: .fileUnreadable, message: "cannot inspect the password file \(path)")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw CredentialError(code: .fileInsecure, message: "the password file \(path) is not a regular file")
        }
        let permissions = UInt32(status.st_mode) & 0o777
        if permissions & 0o077 != 0 {
            throw CredentialError(
                code: .fileInsecure,
                message: "the password file \(path) has mode \(String(format: "%04o", permissions)), "
                    + "readable or writable by group or others; refusing it (run: chmod 600 \(path))")
        }
        var bytes: [UInt8] = []
        // Room for the limit plus one chunk, so the array never reallocates and leaves an unzeroed copy.
        bytes.reserveCapacity(maximumSecretBytes + 4096)
        defer { Secret.zero(&bytes) }
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { Secret.zero(&chunk) }
        while bytes.count <= maximumSecretBytes {
            let readCount = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if readCount < 0 {
                if errno == EINTR { continue }
                throw CredentialError(code: .fileUnreadable, message: "cannot read the password file \(path)")
            }
            if readCount == 0 { break }
            bytes.append(contentsOf: chunk[0..<readCount])
        }
        if bytes.count > maximumSecretBytes {
            throw CredentialError(
                code: .fileTooLarge,
                message: "the password file \(path) is larger than \(maximumSecretBytes / 1024) KiB")
        }
        let password = Secret(bytes: withoutOneLineEnd(bytes[...]))
        guard !password.isEmpty else {
            throw CredentialError(code: .emptyPassword, message: "the password file \(path) is empty")
        }
        return password
    }

    /// Drops one trailing `\n` or `\r\n`, as `$(cat FILE)` would drop a newline but keeping
    /// any other trailing white space, which may be part of the password.
    static func withoutOneLineEnd(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard bytes.last == UInt8(ascii: "\n") else { return bytes }
        let withoutNewline = bytes.dropLast()
        return withoutNewline.last == UInt8(ascii: "\r") ? withoutNewline.dropLast() : withoutNewline
    }
}
