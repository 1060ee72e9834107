import CLibCrypto
import Foundation

/// Finds a usable encryption certificate for each recipient address (CONTRACT §3.4).
///
/// A certificate is a candidate for an address only when an rfc822Name in its
/// subjectAltName matches it. The local part is compared exactly, byte for
/// byte (RFC 5321 §2.4 makes it case-sensitive, and encrypting to the wrong
/// mailbox's key is worse than refusing); the domain is compared
/// ASCII-case-insensitively; the split is at the last `@`; nothing else is
/// normalised (no trimming, no `+tag` stripping, no Unicode folding).
/// An address that appears only in the subject DN does not count.
///
/// A candidate is usable when, at the given time, it is within its validity
/// period, chains to a trust anchor, carries an RSA key of at least
/// ``minimumRSABits`` or an EC key of at least ``minimumECBits``, allows
/// keyEncipherment (RSA) or keyAgreement (EC) when it has a keyUsage
/// extension, and lists emailProtection (or anyExtendedKeyUsage) when it has
/// an extendedKeyUsage extension.
///
/// The usage checks are done here rather than with OpenSSL's
/// `smimeencrypt` purpose, which demands keyEncipherment even from EC keys
/// that can only do key agreement.
public struct SMIMERecipientSelector: Sendable {
    /// The anchors that recipient certificates must chain to.
    public var trust: SMIMETrustStore
    /// The smallest RSA modulus accepted (policy `min-rsa-bits`).
    public var minimumRSABits: Int
    /// The smallest EC key accepted.
    public var minimumECBits: Int

    /// Creates a selector.
    public init(trust: SMIMETrustStore, minimumRSABits: Int = 2048, minimumECBits: Int = 256) {
        self.trust = trust
        self.minimumRSABits = minimumRSABits
        self.minimumECBits = minimumECBits
    }

    /// Selects certificates from a directory of PEM files (`--smime-certs DIR`).
    ///
    /// Every certificate in the directory also serves as a possible
    /// intermediate when building chains (never as a trust anchor).
    ///
    /// - Throws: ``SMIMEError`` `io` only when the directory cannot be listed;
    ///   unreadable files are reported in ``SMIMERecipientSelection/skippedFiles``.
    public func select(addresses: [String], certificateDirectory: String, at time: Date = Date()) throws
        -> SMIMERecipientSelection
    {
        let directory = try SMIMECertificateDirectory.load(certificateDirectory)
        var selection = select(addresses: addresses, candidates: directory.certificates, at: time)
        selection.skippedFiles = directory.skipped
        return selection
    }

    /// Selects certificates from a list of candidates.
    public func select(addresses: [String], candidates: [SMIMECertificate], at time: Date = Date())
        -> SMIMERecipientSelection
    {
        let store = try? X509TrustStore(trust, at: time)
        let untrusted = try? X509Stack(candidates)
        let results = addresses.map { address in
            result(for: address, candidates: candidates, store: store, untrusted: untrusted, at: time)
        }
        return SMIMERecipientSelection(results: results, skippedFiles: [])
    }

    /// Why `certificate` cannot be used for encryption at `time`, or `nil` when it can.
    public func problem(
        with certificate: SMIMECertificate, intermediates: [SMIMECertificate] = [], at time: Date = Date()
    )
        -> String?
    {
        let store = try? X509TrustStore(trust, at: time)
        let untrusted = try? X509Stack(intermediates)
        return problem(with: certificate, store: store, untrusted: untrusted, at: time)
    }

    private func result(
        for address: String, candidates: [SMIMECertificate], store: X509TrustStore?, untrusted: X509Stack?,
        at time: Date
    ) -> SMIMERecipientResult {
        let matching = candidates.filter { certificate in
            certificate.rfc822Names.contains { RFC822AddressMatch.matches(address: address, certificateName: $0) }
        }
        guard !matching.isEmpty else {
            return .finding(
                SMIMERecipientFinding(
                    code: SMIMERecipientFinding.missing, address: address,
                    reason: "no certificate names \(address) in its subjectAltName"))
        }
        var problems: [String] = []
        var usable: [SMIMECertificate] = []
        for certificate in matching {
            if let problem = problem(with: certificate, store: store, untrusted: untrusted, at: time) {
                problems.append(
                    "certificate \(certificate.subject) [sha256 \(certificate.sha256Fingerprint.prefix(16))]: \(problem)"
                )
            } else {
                usable.append(certificate)
            }
        }
        // Several usable certificates: the one valid longest is the most likely current one.
        if let best = usable.max(by: { ($0.notAfter ?? .distantPast) < ($1.notAfter ?? .distantPast) }) {
            return .usable(best)
        }
        return .finding(
            SMIMERecipientFinding(
                code: SMIMERecipientFinding.invalid, address: address, reason: problems.joined(separator: "; ")))
    }

    private func problem(
        with certificate: SMIMECertificate, store: X509TrustStore?, untrusted: X509Stack?, at time: Date
    )
        -> String?
    {
        if certificate.hasInvalidExtensions { return "it has a malformed extension" }
        guard let notBefore = certificate.notBefore, let notAfter = certificate.notAfter else {
            return "its validity period cannot be read"
        }
        if time < notBefore { return "not valid before \(Self.format(notBefore))" }
        if time > notAfter { return "expired on \(Self.format(notAfter))" }

        let key = certificate.publicKey
        let requiredUsage: UInt32
        switch key.algorithm {
        case .rsa:
            if key.bits < minimumRSABits {
                return "its \(key) key is weaker than the minimum of \(minimumRSABits) bits"
            }
            requiredUsage = postern_KU_KEY_ENCIPHERMENT
        case .ec:
            if key.bits < minimumECBits {
                return "its \(key) key is weaker than the minimum of \(minimumECBits) bits"
            }
            requiredUsage = postern_KU_KEY_AGREEMENT
        default:
            return "its \(key.algorithm) key cannot be used for S/MIME encryption"
        }
        if let usage = certificate.keyUsage, usage & requiredUsage == 0 {
            let name = requiredUsage == postern_KU_KEY_ENCIPHERMENT ? "keyEncipherment" : "keyAgreement"
            return "its keyUsage does not allow \(name)"
        }
        if let extended = certificate.extendedKeyUsage, extended & (postern_XKU_SMIME | postern_XKU_ANYEKU) == 0 {
            return "its extendedKeyUsage does not include emailProtection"
        }
        return chainProblem(certificate, store: store, untrusted: untrusted)
    }

    /// Builds and checks the chain with OpenSSL, without a purpose (see the type's documentation).
    private func chainProblem(_ certificate: SMIMECertificate, store: X509TrustStore?, untrusted: X509Stack?) -> String?
    {
        guard let store, let context = X509_STORE_CTX_new() else {
            OpenSSLErrorQueue.clear()
            return "the trust store could not be set up"
        }
        defer {
            X509_STORE_CTX_free(context)
            OpenSSLErrorQueue.clear()
        }
        guard X509_STORE_CTX_init(context, store.pointer, certificate.pointer, untrusted?.pointer) == 1 else {
            return "the chain check could not be set up"
        }
        if X509_verify_cert(context) == 1 { return nil }
        let code = X509_STORE_CTX_get_error(context)
        let reason = X509_verify_cert_error_string(Int(code)).map { String(cString: $0) } ?? "error \(code)"
        return "it does not chain to a trust anchor: \(reason)"
    }

    private static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// The outcome of ``SMIMERecipientSelector`` for a list of addresses.
public struct SMIMERecipientSelection: Sendable {
    /// One result per address, in the order asked.
    public var results: [SMIMERecipientResult]
    /// Files in the certificate directory that held no readable certificate, with the reason.
    public var skippedFiles: [String]

    /// The usable certificates, in address order (fewer than addresses when some failed).
    public var certificates: [SMIMECertificate] {
        results.compactMap { if case .usable(let certificate) = $0 { certificate } else { nil } }
    }

    /// The findings for addresses without a usable certificate.
    public var findings: [SMIMERecipientFinding] {
        results.compactMap { if case .finding(let finding) = $0 { finding } else { nil } }
    }
}

/// The outcome for one address.
public enum SMIMERecipientResult: Sendable {
    /// A certificate that passed every check.
    case usable(SMIMECertificate)
    /// No usable certificate, and why.
    case finding(SMIMERecipientFinding)
}

/// Why an address has no usable certificate, as a policy violation (CONTRACT §4).
public struct SMIMERecipientFinding: Hashable, Sendable, CustomStringConvertible {
    /// The CONTRACT §4 code: nothing matched the address.
    public static let missing = "recipient-key-missing"
    /// The CONTRACT §4 code: a certificate matched but failed a check.
    public static let invalid = "recipient-key-invalid"

    /// ``missing`` or ``invalid``.
    public let code: String
    /// The recipient address.
    public let address: String
    /// What was wrong, naming each matching certificate and its problem.
    public let reason: String

    /// Creates a finding.
    public init(code: String, address: String, reason: String) {
        self.code = code
        self.address = address
        self.reason = reason
    }

    public var description: String { "\(code) for \(address): \(reason)" }
}
