import CGPGME

extension PGPKeyring {
    /// Encrypts an inner MIME entity as `multipart/encrypted` (RFC 3156 §4), optionally
    /// signing it in the same pass (RFC 3156 §6.2, combined format).
    ///
    /// The first part is `application/pgp-encrypted` holding `Version: 1`; the second an
    /// `application/octet-stream` part with the armored OpenPGP message. The message is
    /// encrypted to every key in `recipients` and to `encryptToSelf`, and to no one else:
    /// `encrypt-to` entries of the keyring's gpg.conf are suppressed.
    ///
    /// - Parameters:
    ///   - inner: the complete inner entity with CRLF line endings.
    ///   - boundary: the multipart boundary (RFC 2046 `bchars`, 1–70 characters).
    ///   - recipients: keys from ``resolveRecipients(_:)``.
    ///   - encryptToSelf: the sender's own encryption key, so the sender can read what it sent.
    ///   - signer: when given, the message is signed with this key inside the encryption.
    /// - Throws: ``PGPError`` (`invalid-input`, `recipient-key-invalid`,
    ///   `recipient-key-missing`, `signing-key-missing`, `engine-failure`).
    /// - Important: with ``PGPTrustModel/always`` gpg's own validity check is switched off
    ///   too (always-trust); otherwise gpg checks each key's validity once more.
    public func encrypt(
        inner: [UInt8], boundary: String, recipients: [PGPKey], encryptToSelf: PGPKey, signer: PGPKey? = nil
    ) throws -> PGPMIMEEntity {
        try PGPMIMEFormat.validateBoundary(boundary)
        var checker = InnerEntityChecker(boundary: nil, maxLineLength: nil)
        try inner.withUnsafeBytes { try checker.feed($0) }
        try checker.finish()

        let sink = OutputSink(normalisingLineEndings: true)
        try sink.appendRaw(PGPMIMEFormat.encryptedPrologue(boundary: boundary))
        try inner.withUnsafeBytes { buffer in
            try encryptArmored(
                GPGMEData.borrowing(buffer), recipients: recipients, encryptToSelf: encryptToSelf, signer: signer,
                into: sink)
        }
        try sink.appendRaw(PGPMIMEFormat.epilogue(boundary: boundary))
        return PGPMIMEEntity(contentType: PGPMIMEFormat.encryptedContentType(boundary: boundary), body: sink.bytes)
    }

    /// Encrypts the inner entity in `innerFile` and writes the `multipart/encrypted` body
    /// to `outputFile` (created or truncated, mode 0600), streaming through file
    /// descriptors: neither the inner entity nor the ciphertext is held in memory whole.
    ///
    /// Same rules as ``encrypt(inner:boundary:recipients:encryptToSelf:signer:)``. On
    /// failure the output file is removed.
    public func encrypt(
        innerFile: String, boundary: String, recipients: [PGPKey], encryptToSelf: PGPKey, signer: PGPKey? = nil,
        outputFile: String
    ) throws -> PGPMIMEFileOutput {
        try PGPMIMEFormat.validateBoundary(boundary)
        let input = try OpenFile.reading(innerFile)
        var checker = InnerEntityChecker(boundary: nil, maxLineLength: nil)
        try input.forEachChunk { try checker.feed($0) }
        try checker.finish()
        try input.rewind()

        let output = try OpenFile.creating(outputFile)
        do {
            let sink = OutputSink(fileDescriptor: output.fd, normalisingLineEndings: true)
            try sink.appendRaw(PGPMIMEFormat.encryptedPrologue(boundary: boundary))
            try encryptArmored(
                GPGMEData.fileDescriptor(input.fd), recipients: recipients, encryptToSelf: encryptToSelf,
                signer: signer, into: sink)
            try sink.appendRaw(PGPMIMEFormat.epilogue(boundary: boundary))
            return PGPMIMEFileOutput(
                contentType: PGPMIMEFormat.encryptedContentType(boundary: boundary), byteCount: sink.byteCount)
        } catch {
            OpenFile.remove(outputFile)
            throw error
        }
    }

    private func encryptArmored(
        _ input: GPGMEData, recipients: [PGPKey], encryptToSelf: PGPKey, signer: PGPKey?, into sink: OutputSink
    ) throws {
        let ctx = try makeContext()
        var seen = Set<String>()
        let wanted = (recipients + [encryptToSelf]).filter { seen.insert($0.fingerprint).inserted }
        let keys = try reloadForEncryption(wanted, in: ctx)
        var signerFacts: KeyFacts?
        if let signer {
            let key = try reloadForSigning(signer, in: ctx)
            try ctx.setSigner(key)
            signerFacts = key.facts
        }
        // No compression: mail bodies are mostly base64 attachments that do not shrink, compressing
        // made sealing a 25 MB message 5x slower than `gpg -z 0`, and compressing before encrypting
        // can leak content through the length (RFC 9580 §13.1 advises care).
        var flags = GPGME_ENCRYPT_NO_ENCRYPT_TO.rawValue | GPGME_ENCRYPT_NO_COMPRESS.rawValue
        if trustModel == .always { flags |= GPGME_ENCRYPT_ALWAYS_TRUST.rawValue }

        let output = try GPGMEData.writing(to: sink)
        // GPGME wants a NULL-terminated array of key handles; `keys` keeps them alive.
        var array: [gpgme_key_t?] = keys.map { $0.raw }
        array.append(nil)
        let err = array.withUnsafeMutableBufferPointer { buffer in
            if signer != nil {
                return gpgme_op_encrypt_sign(
                    ctx.raw, buffer.baseAddress, gpgme_encrypt_flags_t(flags), input.raw, output.raw)
            }
            return gpgme_op_encrypt(ctx.raw, buffer.baseAddress, gpgme_encrypt_flags_t(flags), input.raw, output.raw)
        }
        try checkInvalidRecipients(ctx)
        try checkGPGME(err, code: encryptionErrorCode(err), "encryption failed")
        try sink.finishEngineOutput()
        withExtendedLifetime(keys) {}
        if let signerFacts {
            _ = try signingHash(ctx, signer: signerFacts)
        }
    }

    private func checkInvalidRecipients(_ ctx: GPGMEContext) throws {
        guard let result = gpgme_op_encrypt_result(ctx.raw), let invalid = result.pointee.invalid_recipients else {
            return
        }
        let fpr = invalid.pointee.fpr.map { String(cString: $0) } ?? "?"
        throw PGPError.gpgme(invalid.pointee.reason, code: .recipientKeyInvalid, "gpg refused recipient key \(fpr)")
    }

    private func encryptionErrorCode(_ err: gpgme_error_t) -> PGPError.Code {
        switch postern_gpgme_err_code(err) {
        case UInt32(GPG_ERR_UNUSABLE_PUBKEY.rawValue): return .recipientKeyInvalid
        case UInt32(GPG_ERR_NO_PUBKEY.rawValue): return .recipientKeyMissing
        case UInt32(GPG_ERR_NO_SECKEY.rawValue), UInt32(GPG_ERR_UNUSABLE_SECKEY.rawValue),
            UInt32(GPG_ERR_CANCELED.rawValue), UInt32(GPG_ERR_BAD_PASSPHRASE.rawValue):
            return .signingKeyMissing
        default: return .engineFailure
        }
    }
}
