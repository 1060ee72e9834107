import Crypto
import Foundation
import SwiftASN1
import X509

/// A throw-away PKI generated at test time (ECDSA P-256): a root CA, an intermediate CA, and server certificates
/// for every case the TLS tests need, written as PEM files into a private temporary directory.
///
/// Names: the good server certificates carry SAN `DNS:localhost`, `IP:127.0.0.1` and `DNS:mail.test`.
/// Call ``remove()`` when done (or use ``withTestPKI(now:_:)``).
public final class TestPKI: Sendable {
    /// The reference time: validity periods are relative to it.
    public let now: Date
    /// The temporary directory holding the PEM files.
    public let directory: URL
    /// The root CA (trust anchor; give ``caFilePath`` as `--ca-file`).
    public let root: TestIdentity
    /// The intermediate CA that issues the CA-signed server certificates.
    public let intermediate: TestIdentity
    /// Valid now, names localhost / 127.0.0.1 / mail.test, chain [leaf, intermediate].
    public let valid: TestIdentity
    /// Same names and issuer as ``valid`` but a different key (pin mismatch against ``valid``'s pin).
    public let otherKey: TestIdentity
    /// Expired one day before ``now``; otherwise like ``valid``.
    public let expired: TestIdentity
    /// Valid only from one day after ``now``; otherwise like ``valid``.
    public let notYetValid: TestIdentity
    /// CA-issued and valid, but names only `wrong.example`.
    public let wrongName: TestIdentity
    /// CA-issued with the good names, but its extendedKeyUsage allows only client authentication.
    public let clientAuthOnly: TestIdentity
    /// Self-signed, with the good names.
    public let selfSigned: TestIdentity
    /// Issued (with the good names) by a root that is not a trust anchor.
    public let unknownCA: TestIdentity
    /// The root CA's PEM file.
    public var caFilePath: String { root.certificatePath }

    /// Every server identity with its name, for table-driven tests.
    public var serverIdentities: [TestIdentity] {
        [valid, otherKey, expired, notYetValid, wrongName, clientAuthOnly, selfSigned, unknownCA]
    }

    /// Generates the PKI and writes its files.
    /// - Throws: when key generation, signing or writing the files fails.
    public init(now: Date = Date()) throws {
        self.now = now
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("postern-pki-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        self.directory = directory
        let writer = IdentityWriter(directory: directory)
        let day: TimeInterval = 86_400
        let goodNames: [GeneralName] = [
            .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])), .dnsName("mail.test"),
        ]

        let rootKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName {
            OrganizationName("Postern tests")
            CommonName("Postern Test Root CA")
        }
        let rootCertificate = try CertificateFactory.ca(
            name: rootName, key: rootKey, issuerName: rootName, issuerKey: rootKey,
            notBefore: now - 365 * day, notAfter: now + 365 * day)
        root = try writer.write("root", chain: [rootCertificate], key: rootKey)

        let intermediateKey = P256.Signing.PrivateKey()
        let intermediateName = try DistinguishedName {
            OrganizationName("Postern tests")
            CommonName("Postern Test Intermediate CA")
        }
        let intermediateCertificate = try CertificateFactory.ca(
            name: intermediateName, key: intermediateKey, issuerName: rootName, issuerKey: rootKey,
            notBefore: now - 365 * day, notAfter: now + 365 * day)
        intermediate = try writer.write("intermediate", chain: [intermediateCertificate], key: intermediateKey)

        func issued(
            _ label: String, names: [GeneralName], from: Date, to: Date,
            usage: ExtendedKeyUsage.Usage = .serverAuth
        ) throws -> TestIdentity {
            let key = P256.Signing.PrivateKey()
            let leaf = try CertificateFactory.leaf(
                commonName: "\(label).server.test", names: names, key: key,
                issuerName: intermediateName, issuerKey: intermediateKey, notBefore: from, notAfter: to, usage: usage)
            return try writer.write(label, chain: [leaf, intermediateCertificate], key: key)
        }
        valid = try issued("valid", names: goodNames, from: now - 3600, to: now + 30 * day)
        otherKey = try issued("other-key", names: goodNames, from: now - 3600, to: now + 30 * day)
        expired = try issued("expired", names: goodNames, from: now - 30 * day, to: now - day)
        notYetValid = try issued("not-yet-valid", names: goodNames, from: now + day, to: now + 30 * day)
        wrongName = try issued("wrong-name", names: [.dnsName("wrong.example")], from: now - 3600, to: now + 30 * day)
        clientAuthOnly = try issued(
            "client-auth-only", names: goodNames, from: now - 3600, to: now + 30 * day, usage: .clientAuth)

        let selfKey = P256.Signing.PrivateKey()
        let selfName = try DistinguishedName { CommonName("self-signed.server.test") }
        let selfCertificate = try CertificateFactory.leaf(
            commonName: "self-signed.server.test", names: goodNames, key: selfKey,
            issuerName: selfName, issuerKey: selfKey, notBefore: now - 3600, notAfter: now + 30 * day)
        selfSigned = try writer.write("self-signed", chain: [selfCertificate], key: selfKey)

        let strangerKey = P256.Signing.PrivateKey()
        let strangerName = try DistinguishedName {
            OrganizationName("Somebody else")
            CommonName("Unknown Root CA")
        }
        let unknownKey = P256.Signing.PrivateKey()
        let unknownLeaf = try CertificateFactory.leaf(
            commonName: "unknown-ca.server.test", names: goodNames, key: unknownKey,
            issuerName: strangerName, issuerKey: strangerKey, notBefore: now - 3600, notAfter: now + 30 * day)
        unknownCA = try writer.write("unknown-ca", chain: [unknownLeaf], key: unknownKey)
    }

    /// Deletes the temporary directory and its files.
    public func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a fresh ``TestPKI`` and removes its files afterwards, whatever happens.
public func withTestPKI<T>(now: Date = Date(), _ body: (TestPKI) async throws -> T) async throws -> T {
    let pki = try TestPKI(now: now)
    defer { pki.remove() }
    return try await body(pki)
}

/// Builds and signs the certificates.
enum CertificateFactory {
    static func ca(
        name: DistinguishedName, key: P256.Signing.PrivateKey,
        issuerName: DistinguishedName, issuerKey: P256.Signing.PrivateKey,
        notBefore: Date, notAfter: Date
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        let issuerPublicKey = Certificate.PublicKey(issuerKey.publicKey)
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuerName,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: issuerPublicKey).keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey)
        )
    }

    static func leaf(
        commonName: String, names: [GeneralName], key: P256.Signing.PrivateKey,
        issuerName: DistinguishedName, issuerKey: P256.Signing.PrivateKey,
        notBefore: Date, notAfter: Date, usage: ExtendedKeyUsage.Usage = .serverAuth
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        let issuerPublicKey = Certificate.PublicKey(issuerKey.publicKey)
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuerName,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: issuerPublicKey).keyIdentifier)
            },
            issuerPrivateKey: Certificate.PrivateKey(issuerKey)
        )
    }
}

/// Writes an identity's PEM files.
struct IdentityWriter {
    let directory: URL

    func write(_ label: String, chain: [Certificate], key: P256.Signing.PrivateKey) throws -> TestIdentity {
        let certificatePath = directory.appendingPathComponent("\(label).crt").path
        let chainPath = directory.appendingPathComponent("\(label)-chain.pem").path
        let keyPath = directory.appendingPathComponent("\(label).key").path
        let pems = try chain.map { try $0.serializeAsPEM().pemString + "\n" }
        try Data(pems[0].utf8).write(to: URL(fileURLWithPath: certificatePath))
        try Data(pems.joined().utf8).write(to: URL(fileURLWithPath: chainPath))
        let keyPEM = key.pemRepresentation
        guard
            FileManager.default.createFile(
                atPath: keyPath, contents: Data(keyPEM.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown)
        }
        return TestIdentity(
            name: label, chain: chain, privateKeyPEM: keyPEM,
            certificatePath: certificatePath, chainPath: chainPath, privateKeyPath: keyPath)
    }
}
