import CLibCrypto
import Foundation

/// Decides whether a certificate may be used for S/MIME encryption or signing
/// at a given time (CONTRACT §3.4).
///
/// A certificate passes when it is within its validity period, chains to a
/// trust anchor, carries an RSA key of at least ``minimumRSABits`` or an EC key
/// of at least ``minimumECBits``, allows the operation in its keyUsage (when the
/// extension is present: keyEncipherment for RSA encryption, keyAgreement for
/// EC encryption, digitalSignature or nonRepudiation for signing), and lists
/// emailProtection or anyExtendedKeyUsage in its extendedKeyUsage (when present).
///
/// The usage checks are done here rather than with OpenSSL's `smimeencrypt`
/// purpose, which demands keyEncipherment even from EC keys that can only do
/// key agreement. The chain is built by OpenSSL (`X509_verify_cert`) with no
/// purpose set.
///
/// - Important: Revocation (CRL, OCSP) is not checked yet.
public struct SMIMECertificateValidator: Sendable {
    /// What the certificate is about to be used for.
    enum Usage {
        case encryption
        case signing
    }

    /// The anchors certificates must chain to.
    public var trust: SMIMETrustStore
    /// The smallest RSA modulus accepted (policy `min-rsa-bits`).
    public var minimumRSABits: Int
    /// The smallest EC key accepted.
    public var minimumECBits: Int

    /// Creates a validator.
    public init(trust: SMIMETrustStore, minimumRSABits: Int = 2048, minimumECBits: Int = 256) {
        self.trust = trust
        self.minimumRSABits = minimumRSABits
        self.minimumECBits = minimumECBits
    }

    /// Why `certificate` cannot be encrypted to at `time`, or `nil` when it can.
    ///
    /// - Parameter intermediates: Certificates that may complete the chain (never anchors).
    public func encryptionProblem(
        with certificate: SMIMECertificate, intermediates: [SMIMECertificate] = [], at time: Date = Date()
    ) -> String? {
        problem(with: certificate, for: .encryption, intermediates: intermediates, at: time)
    }

    /// Why `identity` cannot sign at `time` (its certificate checked with its own
    /// chain as intermediates), or `nil` when it can; for `signing-key-missing`.
    public func signingProblem(with identity: SMIMESigningIdentity, at time: Date = Date()) -> String? {
        problem(with: identity.certificate, for: .signing, intermediates: identity.chain, at: time)
    }

    private func problem(
        with certificate: SMIMECertificate, for usage: Usage, intermediates: [SMIMECertificate], at time: Date
    ) -> String? {
        let store = try? X509TrustStore(trust, at: time)
        let untrusted = try? X509Stack(intermediates)
        return problem(with: certificate, for: usage, store: store, untrusted: untrusted, at: time)
    }

    /// The checks, with the store and intermediates built once by the caller.
    func problem(
        with certificate: SMIMECertificate, for usage: Usage, store: X509TrustStore?, untrusted: X509Stack?,
        at time: Date
    ) -> String? {
        if certificate.hasInvalidExtensions { return "it has a malformed extension" }
        guard let notBefore = certificate.notBefore, let notAfter = certificate.notAfter else {
            return "its validity period cannot be read"
        }
        if time < notBefore { return "not valid before \(Self.format(notBefore))" }
        if time > notAfter { return "expired on \(Self.format(notAfter))" }
        if let problem = keyProblem(certificate.publicKey) { return problem }
        if let problem = usageProblem(certificate, for: usage) { return problem }
        return chainProblem(certificate, store: store, untrusted: untrusted)
    }

    private func keyProblem(_ key: SMIMEPublicKeyInfo) -> String? {
        switch key.algorithm {
        case .rsa where key.bits < minimumRSABits:
            return "its \(key) key is weaker than the minimum of \(minimumRSABits) bits"
        case .ec where key.bits < minimumECBits:
            return "its \(key) key is weaker than the minimum of \(minimumECBits) bits"
        case .rsa, .ec:
            return nil
        default:
            return "its \(key.algorithm) key cannot be used for S/MIME"
        }
    }

    private func usageProblem(_ certificate: SMIMECertificate, for usage: Usage) -> String? {
        if let keyUsage = certificate.keyUsage {
            let required: (bits: UInt32, name: String)
            switch usage {
            case .signing:
                required = (postern_KU_DIGITAL_SIGNATURE | postern_KU_NON_REPUDIATION, "digitalSignature")
            case .encryption where certificate.publicKey.algorithm == .ec:
                required = (postern_KU_KEY_AGREEMENT, "keyAgreement")
            case .encryption:
                required = (postern_KU_KEY_ENCIPHERMENT, "keyEncipherment")
            }
            if keyUsage & required.bits == 0 { return "its keyUsage does not allow \(required.name)" }
        }
        if let extended = certificate.extendedKeyUsage, extended & (postern_XKU_SMIME | postern_XKU_ANYEKU) == 0 {
            return "its extendedKeyUsage does not include emailProtection"
        }
        return nil
    }

    /// Builds and checks the chain with OpenSSL, without a purpose (see the type's documentation).
    private func chainProblem(_ certificate: SMIMECertificate, store: X509TrustStore?, untrusted: X509Stack?)
        -> String?
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
