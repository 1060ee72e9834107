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
/// A candidate is usable when it passes
/// ``SMIMECertificateValidator/encryptionProblem(with:intermediates:at:)``
/// at the given time (validity, chain, key strength, keyUsage, extendedKeyUsage).
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

    /// The checks applied to each candidate.
    public var validator: SMIMECertificateValidator {
        SMIMECertificateValidator(trust: trust, minimumRSABits: minimumRSABits, minimumECBits: minimumECBits)
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
            if let problem = validator.problem(
                with: certificate, for: .encryption, store: store, untrusted: untrusted, at: time)
            {
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
