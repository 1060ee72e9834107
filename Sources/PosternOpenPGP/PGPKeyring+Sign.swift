import CGPGME

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension PGPKeyring {
    /// Signs an inner MIME entity as `multipart/signed` (RFC 3156 §5).
    ///
    /// The first part is `inner` byte for byte; the second an `application/pgp-signature`
    /// part with a detached, armored signature over exactly those bytes (binary mode, no
    /// text canonicalisation). `micalg` names the hash gpg actually used, read back from
    /// the signing result.
    ///
    /// - Parameters:
    ///   - inner: the complete inner entity (headers and body) in canonical form: CRLF
    ///     line endings, lines of at most 998 octets, no line starting with `--boundary`.
    ///     Transfer-encode it to 7 bit beforehand (RFC 3156 §3) — this is not checked.
    ///   - boundary: the multipart boundary (RFC 2046 `bchars`, 1–70 characters).
    ///   - signer: a key from ``selectSigner(_:)``.
    /// - Throws: ``PGPError`` (`invalid-input`, `signing-key-missing`, `engine-failure`).
    public func sign(inner: [UInt8], boundary: String, signer: PGPKey) throws -> PGPMIMEEntity {
        try PGPMIMEFormat.validateBoundary(boundary)
        var checker = InnerEntityChecker(boundary: boundary, maxLineLength: 998)
        try inner.withUnsafeBytes { try checker.feed($0) }
        try checker.finish()

        let sink = OutputSink(normalisingLineEndings: true)
        try sink.appendRaw(PGPMIMEFormat.signedPrologue(boundary: boundary))
        try sink.appendRaw(inner)
        try sink.appendRaw(PGPMIMEFormat.signedMiddle(boundary: boundary))
        let micalg = try inner.withUnsafeBytes { buffer in
            try detachedSignature(of: GPGMEData.borrowing(buffer), signer: signer, into: sink)
        }
        try sink.appendRaw(PGPMIMEFormat.epilogue(boundary: boundary))
        return PGPMIMEEntity(
            contentType: PGPMIMEFormat.signedContentType(micalg: micalg, boundary: boundary), body: sink.bytes)
    }

    /// Signs the inner entity in the file `innerFile` and writes the `multipart/signed`
    /// body to `outputFile` (created or truncated, mode 0600), streaming: the inner entity
    /// is never held in memory whole.
    ///
    /// Same rules as ``sign(inner:boundary:signer:)``. On failure the output file is removed.
    /// - Returns: the `Content-Type` value for the body and its size.
    public func sign(innerFile: String, boundary: String, signer: PGPKey, outputFile: String) throws
        -> PGPMIMEFileOutput
    {
        try PGPMIMEFormat.validateBoundary(boundary)
        let input = try OpenFile.reading(innerFile)
        var checker = InnerEntityChecker(boundary: boundary, maxLineLength: 998)
        try input.forEachChunk { try checker.feed($0) }
        try checker.finish()
        try input.rewind()

        let output = try OpenFile.creating(outputFile)
        do {
            let sink = OutputSink(fileDescriptor: output.fd, normalisingLineEndings: true)
            try sink.appendRaw(PGPMIMEFormat.signedPrologue(boundary: boundary))
            try input.forEachChunk { chunk in try writeAll(fd: output.fd, chunk) }
            try sink.appendRaw(PGPMIMEFormat.signedMiddle(boundary: boundary))
            try input.rewind()
            let micalg = try detachedSignature(of: GPGMEData.fileDescriptor(input.fd), signer: signer, into: sink)
            try sink.appendRaw(PGPMIMEFormat.epilogue(boundary: boundary))
            let size = lseek(output.fd, 0, SEEK_END)
            return PGPMIMEFileOutput(
                contentType: PGPMIMEFormat.signedContentType(micalg: micalg, boundary: boundary),
                byteCount: Int(size))
        } catch {
            OpenFile.remove(outputFile)
            throw error
        }
    }

    /// Writes a detached armored signature of `input` to `sink`; returns the micalg.
    private func detachedSignature(of input: GPGMEData, signer: PGPKey, into sink: OutputSink) throws -> String {
        let ctx = try makeContext()
        let key = try reloadForSigning(signer, in: ctx)
        try ctx.setSigner(key)
        let output = try GPGMEData.writing(to: sink)
        let err = gpgme_op_sign(ctx.raw, input.raw, output.raw, GPGME_SIG_MODE_DETACH)
        try checkGPGME(err, code: signingErrorCode(err), "signing with \(signer.fingerprint) failed")
        try sink.finishEngineOutput()
        return try signingHash(ctx, signer: key.facts)
    }

    /// Reads the hash of the one signature just made and checks who made it.
    func signingHash(_ ctx: GPGMEContext, signer: KeyFacts) throws -> String {
        guard let result = gpgme_op_sign_result(ctx.raw) else {
            throw PGPError(code: .engineFailure, message: "GPGME returned no signing result")
        }
        if let invalid = result.pointee.invalid_signers {
            throw PGPError.gpgme(
                invalid.pointee.reason, code: .signingKeyMissing,
                "gpg refused signing key \(invalid.pointee.fpr.map { String(cString: $0) } ?? signer.fingerprint)")
        }
        guard let signature = result.pointee.signatures, signature.pointee.next == nil else {
            throw PGPError(code: .engineFailure, message: "gpg did not make exactly one signature")
        }
        let madeBy = signature.pointee.fpr.map { String(cString: $0) } ?? ""
        guard signer.subkeys.contains(where: { $0.fingerprint == madeBy }) else {
            throw PGPError(code: .engineFailure, message: "gpg signed with \(madeBy), not with \(signer.fingerprint)")
        }
        guard let name = gpgme_hash_algo_name(signature.pointee.hash_algo) else {
            throw PGPError(
                code: .engineFailure, message: "unknown hash algorithm \(signature.pointee.hash_algo.rawValue)")
        }
        return PGPMIMEFormat.micalg(hashName: String(cString: name))
    }

    private func signingErrorCode(_ err: gpgme_error_t) -> PGPError.Code {
        switch postern_gpgme_err_code(err) {
        case UInt32(GPG_ERR_NO_SECKEY.rawValue), UInt32(GPG_ERR_CANCELED.rawValue),
            UInt32(GPG_ERR_BAD_PASSPHRASE.rawValue), UInt32(GPG_ERR_UNUSABLE_SECKEY.rawValue),
            UInt32(GPG_ERR_NO_PIN_ENTRY.rawValue):
            return .signingKeyMissing
        default:
            return .engineFailure
        }
    }
}
