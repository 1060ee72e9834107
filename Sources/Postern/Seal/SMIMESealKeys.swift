import Foundation
import PosternSMIME

/// The S/MIME keys for one send: the signer, each recipient's certificate and the
/// sender's own certificate for encrypt-to-self.
struct SMIMESealKeys: SealFormatKeys {
    var identity: SMIMESigningIdentity?
    var signerProblem: String?
    /// Usable certificates by lower-cased recipient address.
    var certificates: [String: SMIMECertificate] = [:]
    var findings: [SealKeyFinding] = []
    /// The sender's certificate for encrypt-to-self: the signer's, else one from the directory.
    var senderCertificate: SMIMECertificate?
    /// The CA file or the certificate directory could not be read: see ``SealFormatKeys``.
    var keyStoreUnavailable = false

    /// Loads and checks everything against the trust anchors and `minimumRSABits`.
    ///
    /// Never throws: an unreadable file or a bad certificate is a finding, so the
    /// policy decides (CONTRACT §4 `signing-key-missing`, `recipient-key-*`).
    static func lookUp(
        _ material: SealKeyMaterial, sender: String?, recipients: [String], minimumRSABits: Int, signing: Bool
    ) -> SMIMESealKeys {
        var keys = SMIMESealKeys()
        let trust: SMIMETrustStore
        do {
            trust = try material.caFile.map { try SMIMETrustStore.systemAnd(caFile: $0) } ?? SMIMETrustStore()
        } catch {
            let reason = "the CA file cannot be used: \(error)"
            keys.keyStoreUnavailable = true
            keys.signerProblem = reason
            keys.findings = recipients.map { SealKeyFinding(code: SealKeyFinding.missing, address: $0, reason: reason) }
            return keys
        }
        let selector = SMIMERecipientSelector(trust: trust, minimumRSABits: max(minimumRSABits, 0))

        if let certificateFile = material.smimeCertificateFile, let keyFile = material.smimeKeyFile {
            do {
                let identity = try SMIMESigningIdentity.load(certificatePEMFile: certificateFile, keyPEMFile: keyFile)
                if let problem = selector.validator.signingProblem(with: identity) {
                    keys.signerProblem = "the S/MIME signer \(identity.certificate.subject) is not usable: \(problem)"
                } else {
                    keys.identity = identity
                }
                // The sender can read its own copy only with a certificate valid for encryption.
                let own = selector.select(addresses: sender.map { [$0] } ?? [], candidates: [identity.certificate])
                keys.senderCertificate = own.certificates.first
            } catch {
                keys.signerProblem = "the S/MIME signer cannot be loaded: \(error)"
            }
        } else if signing {
            keys.signerProblem = "no S/MIME signer given (--smime-cert and --smime-key)"
        }

        guard let directory = material.smimeCertificateDirectory else {
            keys.findings = recipients.map {
                SealKeyFinding(
                    code: SealKeyFinding.missing, address: $0,
                    reason: "no recipient certificate directory given (--smime-certs)")
            }
            return keys
        }
        do {
            let wanted = recipients + (keys.senderCertificate == nil ? (sender.map { [$0] } ?? []) : [])
            let selection = try selector.select(addresses: wanted, certificateDirectory: directory)
            for (index, result) in selection.results.enumerated() {
                let address = wanted[index]
                let isRecipient = index < recipients.count
                switch result {
                case .usable(let certificate):
                    if isRecipient {
                        keys.certificates[address.lowercased()] = certificate
                    } else {
                        keys.senderCertificate = certificate
                    }
                case .finding(let finding) where isRecipient:
                    keys.findings.append(
                        SealKeyFinding(code: finding.code, address: finding.address, reason: finding.reason))
                case .finding:
                    break  // no certificate for the sender: the sender just cannot read its own copy
                }
            }
        } catch {
            keys.keyStoreUnavailable = true
            keys.findings = recipients.map {
                SealKeyFinding(
                    code: SealKeyFinding.missing, address: $0,
                    reason: "the certificate directory cannot be read: \(error)")
            }
        }
        return keys
    }

    /// The certificates to encrypt a copy for `recipients` to: theirs and the sender's, each once.
    func encryptionCertificates(for recipients: [String]) -> [SMIMECertificate] {
        var seen = Set<String>()
        let all = recipients.compactMap { certificates[$0.lowercased()] } + [senderCertificate].compactMap { $0 }
        return all.filter { seen.insert($0.sha256Fingerprint).inserted }
    }
}
