import Foundation

/// A throwaway S/MIME PKI made with the `openssl` command-line tool at test time
/// (moved here from PosternSMIMETests so every test target can use it).
///
/// Nothing is committed: every key and certificate lives in a temporary
/// directory that the owner deletes with ``remove()`` (see `SMIMEFixturesScope`).
/// Reusable by any test target (it only needs Foundation and `openssl`).
public final class SMIMETestPKI: Sendable {
    /// A leaf identity: its files in the PKI directory.
    public struct Identity: Sendable {
        public let name: String
        public let certificatePath: String
        public let keyPath: String
    }

    public enum KeyKind: Sendable {
        case rsa(bits: Int)
        case ecP256
    }

    /// The PKI's temporary directory.
    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("postern-smime-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // MARK: - Building blocks

    /// Makes a private key with `openssl genpkey`.
    public func makeKey(_ name: String, kind: KeyKind) async throws -> String {
        let keyPath = path("\(name).key")
        switch kind {
        case .rsa(let bits):
            try await Self.openssl([
                "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:\(bits)", "-out", keyPath,
            ])
        case .ecP256:
            try await Self.openssl([
                "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyPath,
            ])
        }
        return keyPath
    }

    /// Makes a self-signed CA and the `openssl ca` database that issues from it.
    public func makeCA(_ name: String) async throws -> Identity {
        let key = try await makeKey(name, kind: .rsa(bits: 2048))
        let certificate = path("\(name).pem")
        try await Self.openssl([
            "req", "-x509", "-new", "-key", key, "-subj", "/O=Postern Test/CN=\(name)", "-days", "3650",
            "-sha256", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", certificate,
        ])
        try makeDatabase(for: name)
        return Identity(name: name, certificatePath: certificate, keyPath: key)
    }

    /// The files `openssl ca` needs to issue from the CA called `name`.
    private func makeDatabase(for name: String) throws {
        let database = path("\(name)-db")
        try FileManager.default.createDirectory(atPath: database, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: "\(database)/index.txt"))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: "\(database)/serial"))
        let config = """
            [ ca ]
            default_ca = test_ca
            [ test_ca ]
            database = \(database)/index.txt
            new_certs_dir = \(database)
            serial = \(database)/serial
            default_md = sha256
            policy = any_subject
            unique_subject = no
            email_in_dn = yes
            [ any_subject ]
            commonName = supplied
            emailAddress = optional

            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: "\(database)/ca.cnf"))
    }

    /// Issues an intermediate CA from `issuer` and sets up its own `openssl ca` database.
    public func makeIntermediateCA(_ name: String, issuer: Identity) async throws -> Identity {
        let intermediate = try await issue(
            name, issuer: issuer, sanEmails: [], keyUsage: "critical,keyCertSign,cRLSign", extendedKeyUsage: nil,
            basicConstraints: "critical,CA:TRUE")
        try makeDatabase(for: name)
        return intermediate
    }

    /// Issues a leaf certificate from `issuer` with `openssl ca`.
    ///
    /// - Parameters:
    ///   - sanEmails: rfc822Names for subjectAltName (none: no SAN extension).
    ///   - subjectEmail: an emailAddress in the subject DN.
    ///   - keyUsage: the keyUsage value; nil picks the usual one for the key kind.
    ///   - validity: `-startdate`/`-enddate` in `YYYYMMDDHHMMSSZ`; nil is now .. +10 years.
    public func issue(
        _ name: String, kind: KeyKind = .rsa(bits: 2048), issuer: Identity, sanEmails: [String],
        subjectEmail: String? = nil, keyUsage: String? = nil, extendedKeyUsage: String? = "emailProtection",
        validity: (start: String, end: String)? = nil, basicConstraints: String = "CA:FALSE"
    ) async throws -> Identity {
        let key = try await makeKey(name, kind: kind)
        let request = path("\(name).csr")
        var subject = "/CN=\(name)"
        if let subjectEmail { subject += "/emailAddress=\(subjectEmail)" }
        try await Self.openssl(["req", "-new", "-key", key, "-subj", subject, "-out", request])

        let usage: String
        if let keyUsage {
            usage = keyUsage
        } else if case .ecP256 = kind {
            usage = "critical,digitalSignature,keyAgreement"
        } else {
            usage = "critical,digitalSignature,keyEncipherment"
        }
        var extensions = [
            "basicConstraints=\(basicConstraints)", "keyUsage=\(usage)", "subjectKeyIdentifier=hash",
            "authorityKeyIdentifier=keyid",
        ]
        if let extendedKeyUsage { extensions.append("extendedKeyUsage=\(extendedKeyUsage)") }
        if !sanEmails.isEmpty {
            extensions.append("subjectAltName=" + sanEmails.map { "email:\($0)" }.joined(separator: ","))
        }
        let extensionFile = path("\(name).ext")
        try Data((extensions.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: extensionFile))

        let certificate = path("\(name).pem")
        let database = path("\(issuer.name)-db")
        var arguments = [
            "ca", "-batch", "-notext", "-config", "\(database)/ca.cnf", "-cert", issuer.certificatePath,
            "-keyfile", issuer.keyPath, "-in", request, "-out", certificate, "-extfile", extensionFile,
        ]
        if let validity {
            arguments += ["-startdate", validity.start, "-enddate", validity.end]
        } else {
            arguments += ["-days", "3650"]
        }
        try await Self.openssl(arguments)
        return Identity(name: name, certificatePath: certificate, keyPath: key)
    }

    /// Issues one S/MIME certificate per name from `issuer` (SAN `email(name)`) and copies each into a
    /// new directory `directory` (relative to this PKI) as `NAME.pem`, the layout `--smime-certs` reads.
    ///
    /// - Returns: the identities by name, and the directory's path.
    public func issueRecipients(
        _ names: [String], issuer: Identity, email: (String) -> String, directory: String = "certs"
    ) async throws -> (identities: [String: Identity], directory: String) {
        let certificates = path(directory)
        try FileManager.default.createDirectory(atPath: certificates, withIntermediateDirectories: true)
        var identities: [String: Identity] = [:]
        for name in names {
            let identity = try await issue(name, issuer: issuer, sanEmails: [email(name)])
            identities[name] = identity
            try FileManager.default.copyItem(atPath: identity.certificatePath, toPath: "\(certificates)/\(name).pem")
        }
        return (identities, certificates)
    }

    // MARK: - Running tools

    public struct ToolResult: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
    }

    /// Runs `openssl` with arguments (never secrets) and throws on a non-zero exit.
    @discardableResult
    public static func openssl(_ arguments: [String], stdin: Data? = nil) async throws -> Data {
        let result = try await run("/usr/bin/openssl", arguments, stdin: stdin)
        guard result.status == 0 else {
            throw ToolFailure(command: "openssl " + arguments.joined(separator: " "), stderr: result.stderr)
        }
        return result.stdout
    }

    /// Runs a tool and returns its status and output, whatever the status; waits on a ``DedicatedThread``.
    public static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]
    ) async throws -> ToolResult {
        try await DedicatedThread.run { try runBlocking(executable, arguments, stdin: stdin, environment: environment) }
    }

    private static func runBlocking(
        _ executable: String, _ arguments: [String], stdin: Data?, environment: [String: String]
    ) throws -> ToolResult {
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
        return ToolResult(
            status: process.terminationStatus, stdout: stdout, stderr: String(decoding: errorBox.get(), as: UTF8.self))
    }

    public struct ToolFailure: Error, CustomStringConvertible {
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
