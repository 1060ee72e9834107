import PosternMIME
import PosternOpenPGP
import PosternPolicy
import PosternSMIME

/// The protected octets of one seal: the main copy and one per blind recipient.
struct ProtectedCopies {
    var main: [UInt8]
    var mainEncryptedTo: [String]
    /// One per blind recipient, in envelope order; `nil` content means "same as main".
    var blind: [(bytes: [UInt8]?, encryptedTo: [String])]
}

/// The algorithms a seal uses, chosen from the policy's allowed lists.
struct SealAlgorithms: Sendable, Hashable {
    var digest: SMIMEDigest
    var cipher: SMIMEContentCipher
    var rsaKeyTransport: SMIMERSAKeyTransport
}

/// Applies a decided ``ProtectionPlan`` to a parsed message with the keys found.
///
/// Header protection (RFC 9788): encrypting puts the real header fields inside
/// (`hp="cipher"`) and shows `Subject: [...]` outside; signing only keeps them
/// visible (`hp="clear"` inner). `Bcc:` never appears in any copy.
enum SealProtector {
    static func protect(
        _ message: Message, plan: ProtectionPlan, envelope: DerivedEnvelope, smime: SMIMESealKeys?, pgp: PGPSealKeys?,
        algorithms: SealAlgorithms
    ) throws -> ProtectedCopies {
        guard plan.sign != nil || plan.encrypt != nil else {
            let plain = try message.removingHeader("Bcc").removingHeader("Resent-Bcc").serialized()
            return ProtectedCopies(
                main: plain, mainEncryptedTo: [], blind: envelope.bccRecipients.map { _ in (nil, []) })
        }
        let protection = try HeaderProtection.protect(message, as: plan.encrypt != nil ? .encrypted : .signed)
        let inner = try protection.inner.serialized(options: WriteOptions(sevenBitClean: true))
        let outer = protection.outerHeaders.serialized
        var boundaries = RandomBoundaryGenerator()

        switch plan.format {
        case .smime:
            guard let smime else { throw SealInternalError("S/MIME keys were not looked up") }
            var payload = inner
            if plan.sign != nil {
                guard let identity = smime.identity else { throw SealInternalError("no S/MIME signer") }
                payload = try SMIME.sign(
                    inner, identity: identity, digest: algorithms.digest, boundary: boundaries.nextBoundary())
            }
            guard plan.encrypt != nil else {
                return ProtectedCopies(
                    main: outer + payload, mainEncryptedTo: [], blind: envelope.bccRecipients.map { _ in (nil, []) })
            }
            let options = SMIMEEncryptionOptions(cipher: algorithms.cipher, rsaKeyTransport: algorithms.rsaKeyTransport)
            func sealed(for recipients: [String]) throws -> (bytes: [UInt8], encryptedTo: [String]) {
                let certificates = smime.encryptionCertificates(for: recipients)
                let encrypted = try SMIME.encrypt(payload, to: certificates, options: options)
                return (
                    outer + encrypted,
                    addresses(recipients, sender: envelope.sealingSender, self: smime.senderCertificate != nil)
                )
            }
            let main = try sealed(for: envelope.visibleRecipients)
            let blind = try envelope.bccRecipients.map { address -> ([UInt8]?, [String]) in
                let copy = try sealed(for: [address])
                return (copy.bytes, copy.encryptedTo)
            }
            return ProtectedCopies(main: main.bytes, mainEncryptedTo: main.encryptedTo, blind: blind)

        case .openpgp:
            guard let pgp else { throw SealInternalError("OpenPGP keys were not looked up") }
            let signer = plan.sign != nil ? pgp.signer : nil
            if plan.sign != nil, signer == nil { throw SealInternalError("no OpenPGP signer") }
            guard plan.encrypt != nil else {
                guard let signer else { throw SealInternalError("no OpenPGP signer") }
                let entity = try pgp.keyring.sign(inner: inner, boundary: boundaries.nextBoundary(), signer: signer)
                return ProtectedCopies(
                    main: outer + entity.serialized(), mainEncryptedTo: [],
                    blind: envelope.bccRecipients.map { _ in (nil, []) }
                )
            }
            func sealed(for recipients: [String]) throws -> (bytes: [UInt8], encryptedTo: [String]) {
                let keys = pgp.keys(for: recipients)
                // GPGME wants an encrypt-to-self key; without one of the sender's, a recipient's
                // own key stands in (never another copy's recipient).
                guard let selfKey = pgp.senderKey ?? keys.first else {
                    throw SealInternalError("no OpenPGP key to encrypt this copy to")
                }
                let entity = try pgp.keyring.encrypt(
                    inner: inner, boundary: boundaries.nextBoundary(), recipients: keys, encryptToSelf: selfKey,
                    signer: signer)
                return (
                    outer + entity.serialized(),
                    addresses(recipients, sender: envelope.sealingSender, self: pgp.senderKey != nil)
                )
            }
            let main = try sealed(for: envelope.visibleRecipients)
            let blind = try envelope.bccRecipients.map { address -> ([UInt8]?, [String]) in
                let copy = try sealed(for: [address])
                return (copy.bytes, copy.encryptedTo)
            }
            return ProtectedCopies(main: main.bytes, mainEncryptedTo: main.encryptedTo, blind: blind)

        case nil:
            throw SealInternalError("no protection format decided")
        }
    }

    /// The addresses a copy is encrypted to, the sender last when its own key was used.
    private static func addresses(_ recipients: [String], sender: String?, self includesSender: Bool) -> [String] {
        guard includesSender, let sender, !recipients.contains(where: { $0.lowercased() == sender.lowercased() })
        else { return recipients }
        return recipients + [sender]
    }
}

/// A broken invariant inside the seal pipeline (a bug, not bad input).
struct SealInternalError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
