import PosternOpenPGP

/// The OpenPGP keys for one send: the signer, each recipient's key and the sender's
/// own encryption key for encrypt-to-self.
struct PGPSealKeys: SealFormatKeys {
    var keyring: PGPKeyring
    var signer: PGPKey?
    var signerProblem: String?
    /// Usable keys by lower-cased recipient address.
    var recipientKeys: [String: PGPKey] = [:]
    var findings: [SealKeyFinding] = []
    /// The sender's own encryption key: the sender address's key, else the signer when it can encrypt.
    var senderKey: PGPKey?
    /// The keyring could not be used at all (no such home, no access, gpg failed): see ``SealFormatKeys``.
    var keyStoreUnavailable = false

    /// Looks every key up in the keyring. Never throws: problems become findings.
    static func lookUp(
        _ material: SealKeyMaterial, sender: String?, recipients: [String], minimumRSABits: Int, signing: Bool
    ) -> PGPSealKeys {
        var keys = PGPSealKeys(
            keyring: PGPKeyring(homeDirectory: material.gnupgHome, minimumRSABits: minimumRSABits))
        if let selector = material.pgpSigner ?? sender {
            do {
                keys.signer = try keys.keyring.selectSigner(selector)
            } catch {
                keys.signerProblem = "no usable OpenPGP signing key for \(selector): \(error)"
                keys.keyStoreUnavailable = Self.isKeyringFailure(error)
            }
        } else if signing {
            keys.signerProblem = "no OpenPGP signer: give --pgp-signer or a From: address"
        }
        do {
            let wanted = recipients + (sender.map { [$0] } ?? [])
            let resolutions = try keys.keyring.resolveRecipients(wanted)
            for (index, resolution) in resolutions.enumerated() {
                let isRecipient = index < recipients.count
                if let key = resolution.key {
                    if isRecipient {
                        keys.recipientKeys[resolution.address.lowercased()] = key
                    } else {
                        keys.senderKey = key
                    }
                } else if isRecipient {
                    let problem = resolution.problem
                    keys.findings.append(
                        SealKeyFinding(
                            code: problem?.violationCode ?? SealKeyFinding.missing, address: resolution.address,
                            reason: problem?.detail ?? "no usable OpenPGP key"))
                }
            }
        } catch {
            keys.keyStoreUnavailable = true
            keys.findings = recipients.map {
                SealKeyFinding(
                    code: SealKeyFinding.missing, address: $0, reason: "the keyring cannot be read: \(error)")
            }
        }
        if keys.senderKey == nil, let signer = keys.signer, signer.canEncrypt {
            keys.senderKey = signer
        }
        return keys
    }

    /// Whether a signer lookup failed because of the keyring (its home, gpg) rather than the keys in it.
    private static func isKeyringFailure(_ error: any Error) -> Bool {
        guard let error = error as? PGPError else { return true }
        return error.code == .ioFailure || error.code == .engineFailure
    }

    /// The recipients' keys for a copy, in order.
    func keys(for recipients: [String]) -> [PGPKey] {
        recipients.compactMap { recipientKeys[$0.lowercased()] }
    }
}
