import CGPGME

/// One signature as gpg judged it.
public struct PGPSignatureCheck: Sendable, Hashable {
    /// Fingerprint of the key that made it (or its key ID when the key is unknown).
    public let fingerprint: String
    /// The signature is mathematically correct over the data (gpg status "good").
    public let isGood: Bool
    /// Good, and the key is valid in the keyring (GPGME summary "valid"): what a person
    /// should rely on.
    public let isValid: Bool
    /// The hash used, e.g. "SHA256".
    public let hashAlgorithm: String?
    /// GPGME's text for the signature status, e.g. "Success" or "Bad signature".
    public let statusText: String
}

/// The result of checking a `multipart/signed` entity.
public struct PGPVerification: Sendable, Hashable {
    /// The signed part, byte for byte.
    public let signedContent: [UInt8]
    /// The `micalg` parameter the entity declared.
    public let declaredMicalg: String?
    /// Each signature found.
    public let signatures: [PGPSignatureCheck]

    /// At least one signature, all of them valid, and `micalg` naming the hash used.
    public var isValid: Bool {
        !signatures.isEmpty && signatures.allSatisfy(\.isValid)
            && signatures.allSatisfy { sig in
                sig.hashAlgorithm.map { PGPMIMEFormat.micalg(hashName: $0) == declaredMicalg?.lowercased() } ?? false
            }
    }
}

/// The result of decrypting a `multipart/encrypted` entity.
public struct PGPDecryption: Sendable, Hashable {
    /// The decrypted inner entity, byte for byte (empty from the file-based variant,
    /// which writes it to a file instead).
    public let inner: [UInt8]
    /// Signatures made inside the encryption (empty when it was not signed).
    public let signatures: [PGPSignatureCheck]
    /// Key IDs of the subkeys the message was encrypted to.
    public let recipientKeyIDs: [String]

    /// Signed inside the encryption, and every signature valid.
    public var isSignedAndValid: Bool { !signatures.isEmpty && signatures.allSatisfy(\.isValid) }
}

extension PGPKeyring {
    /// Checks a `multipart/signed` PGP/MIME entity (headers, empty line, body; CRLF).
    ///
    /// - Returns: the signed bytes and each signature's status. A bad signature is a
    ///   result (``PGPSignatureCheck/isGood`` false), not an error.
    /// - Throws: ``PGPError`` `invalid-input` when the entity is not PGP/MIME signed.
    public func verify(entity: [UInt8]) throws -> PGPVerification {
        let top = try PGPMIMEParser.entity(entity, in: entity.indices)
        guard top.contentType.mediaType == "multipart/signed",
            top.contentType.parameters["protocol"]?.lowercased() == PGPMIMEFormat.signatureProtocol,
            let boundary = top.contentType.parameters["boundary"]
        else {
            throw PGPError(code: .invalidInput, message: "not a PGP/MIME multipart/signed entity")
        }
        let parts = try PGPMIMEParser.parts(entity, in: top.body, boundary: boundary)
        guard parts.count == 2 else {
            throw PGPError(
                code: .invalidInput, message: "multipart/signed must have exactly two parts, not \(parts.count)")
        }
        let signaturePart = try PGPMIMEParser.entity(entity, in: parts[1])
        guard signaturePart.contentType.mediaType == PGPMIMEFormat.signatureProtocol else {
            throw PGPError(code: .invalidInput, message: "the second part is not application/pgp-signature")
        }
        let ctx = try makeContext()
        let checks: [PGPSignatureCheck] = try entity.withUnsafeBytes { all in
            let signed = try GPGMEData.borrowing(UnsafeRawBufferPointer(rebasing: all[parts[0]]))
            let signature = try GPGMEData.borrowing(UnsafeRawBufferPointer(rebasing: all[signaturePart.body]))
            try checkGPGME(gpgme_op_verify(ctx.raw, signature.raw, signed.raw, nil), "verification failed")
            return signatureChecks(ctx)
        }
        return PGPVerification(
            signedContent: Array(entity[parts[0]]), declaredMicalg: top.contentType.parameters["micalg"],
            signatures: checks)
    }

    /// Decrypts a `multipart/encrypted` PGP/MIME entity (headers, empty line, body; CRLF)
    /// and checks any signature inside.
    ///
    /// - Parameter maxInnerBytes: the most plaintext accepted (default 64 MiB): a small
    ///   compressed message can expand without bound, so decryption stops beyond this.
    /// - Throws: ``PGPError`` `invalid-input` when the entity is not PGP/MIME encrypted or
    ///   the plaintext is too large, `decryption-failed` when gpg cannot decrypt it (no
    ///   secret key, tampered data).
    public func decrypt(entity: [UInt8], maxInnerBytes: Int = 64 << 20) throws -> PGPDecryption {
        let sink = OutputSink(normalisingLineEndings: false, limit: maxInnerBytes)
        let (signatures, recipients) = try entity.withUnsafeBytes { all in
            try decryptCore(all, output: GPGMEData.writing(to: sink)) {
                sink.limitExceeded
                    ? PGPError(
                        code: .invalidInput,
                        message: "the decrypted content exceeds the limit of \(maxInnerBytes) bytes")
                    : nil
            }
        }
        return PGPDecryption(inner: sink.bytes, signatures: signatures, recipientKeyIDs: recipients)
    }

    /// Decrypts the `multipart/encrypted` entity in `entityFile` (memory-mapped, not read
    /// into a buffer) and streams the inner entity into `outputFile` (created or
    /// truncated, mode 0600) through a file descriptor. On failure the output is removed.
    ///
    /// - Returns: the signatures found inside (empty: not signed), the recipients' key IDs
    ///   and the size of the inner entity; ``PGPDecryption/inner`` is left empty.
    public func decrypt(entityFile: String, outputFile: String) throws -> PGPDecryption {
        let input = try OpenFile.reading(entityFile)
        let output = try OpenFile.creating(outputFile)
        do {
            let (signatures, recipients) = try input.mapped { all in
                try decryptCore(all, output: GPGMEData.fileDescriptor(output.fd)) { nil }
            }
            return PGPDecryption(inner: [], signatures: signatures, recipientKeyIDs: recipients)
        } catch {
            OpenFile.remove(outputFile)
            throw error
        }
    }

    private func decryptCore(
        _ entity: UnsafeRawBufferPointer, output: GPGMEData, outputProblem: () -> PGPError?
    ) throws -> ([PGPSignatureCheck], [String]) {
        let top = try PGPMIMEParser.entity(entity, in: entity.indices)
        guard top.contentType.mediaType == "multipart/encrypted",
            top.contentType.parameters["protocol"]?.lowercased() == PGPMIMEFormat.encryptionProtocol,
            let boundary = top.contentType.parameters["boundary"]
        else {
            throw PGPError(code: .invalidInput, message: "not a PGP/MIME multipart/encrypted entity")
        }
        let parts = try PGPMIMEParser.parts(entity, in: top.body, boundary: boundary)
        guard parts.count == 2 else {
            throw PGPError(
                code: .invalidInput, message: "multipart/encrypted must have exactly two parts, not \(parts.count)")
        }
        let control = try PGPMIMEParser.entity(entity, in: parts[0])
        let controlText = String(decoding: entity[control.body], as: UTF8.self)
        guard control.contentType.mediaType == PGPMIMEFormat.encryptionProtocol,
            controlText.split(separator: "\r\n").contains(where: { $0.trimmingSpaces() == "Version: 1" })
        else {
            throw PGPError(code: .invalidInput, message: "the first part is not application/pgp-encrypted Version: 1")
        }
        let payload = try PGPMIMEParser.entity(entity, in: parts[1])
        guard payload.contentType.mediaType == "application/octet-stream" else {
            throw PGPError(code: .invalidInput, message: "the second part is not application/octet-stream")
        }
        let ctx = try makeContext()
        let cipher = try GPGMEData.borrowing(UnsafeRawBufferPointer(rebasing: entity[payload.body]))
        let err = gpgme_op_decrypt_verify(ctx.raw, cipher.raw, output.raw)
        if let problem = outputProblem() { throw problem }
        try checkGPGME(err, code: .decryptionFailed, "decryption failed")
        var recipients: [String] = []
        if let result = gpgme_op_decrypt_result(ctx.raw) {
            if result.pointee.unsupported_algorithm != nil {
                throw PGPError(code: .decryptionFailed, message: "unsupported encryption algorithm")
            }
            var r = result.pointee.recipients
            while let recipient = r {
                recipients.append(recipient.pointee.keyid.map { String(cString: $0) } ?? "")
                r = recipient.pointee.next
            }
        }
        return (signatureChecks(ctx), recipients)
    }

    private func signatureChecks(_ ctx: GPGMEContext) -> [PGPSignatureCheck] {
        guard let result = gpgme_op_verify_result(ctx.raw) else { return [] }
        var checks: [PGPSignatureCheck] = []
        var s = result.pointee.signatures
        while let sig = s {
            let status = sig.pointee.status
            let good = postern_gpgme_err_code(status) == postern_gpg_err_code_no_error()
            let summary = sig.pointee.summary.rawValue
            checks.append(
                PGPSignatureCheck(
                    fingerprint: sig.pointee.fpr.map { String(cString: $0) } ?? "",
                    isGood: good,
                    isValid: good && (summary & GPGME_SIGSUM_VALID.rawValue) != 0
                        && (summary & GPGME_SIGSUM_RED.rawValue) == 0,
                    hashAlgorithm: gpgme_hash_algo_name(sig.pointee.hash_algo).map { String(cString: $0) },
                    statusText: gpgme_strerror(status).map { String(cString: $0) } ?? ""))
            s = sig.pointee.next
        }
        return checks
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
