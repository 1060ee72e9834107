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

    /// Runs `openssl` with arguments (never secrets) and throws on a non-zero exit.
    @discardableResult
    public static func openssl(_ arguments: [String], stdin: Data? = nil) async throws -> Data {
        let result = try await ToolProcess.run("/usr/bin/openssl", arguments, stdin: stdin)
        guard result.status == 0 else {
            throw ToolProcess.Failure(command: "openssl " + arguments.joined(separator: " "), stderr: result.stderr)
        }
        return result.stdout
    }
}
