import CLibCrypto
import Foundation

/// S/MIME (RFC 8551) protection of canonical MIME entities with OpenSSL CMS.
///
/// Every function takes the *canonical* entity: CRLF line ends, headers and
/// body exactly as they must be signed or encrypted. Producing that form is
/// the MIME layer's job; the bytes are used exactly as given.
///
/// The file variants stream in chunks and keep memory bounded, so a 25 MiB
/// message is sealed without holding copies of it.
public enum SMIME {
    /// Signs an entity with a detached signature and returns a complete
    /// `multipart/signed` entity (RFC 8551 §3.5.3): the inner bytes exactly as
    /// given, then an `application/pkcs7-signature` part in base64 with CRLF lines.
    ///
    /// - Parameters:
    ///   - entity: The canonical inner entity (headers, blank line, body; CRLF).
    ///   - identity: The signer; its chain is included in the signature.
    ///   - digest: The message digest; also written as `micalg`.
    ///   - boundary: The multipart boundary (1-70 RFC 2046 characters) that
    ///     must not start a line of `entity`; the caller owns its randomness.
    /// - Returns: The entity's `Content-Type` header, a blank line and the body.
    ///   The caller adds the message headers (and `MIME-Version`).
    /// - Throws: ``SMIMEError`` `invalid-boundary`, `boundary-in-content`,
    ///   `non-canonical-content` (a bare CR or LF, or a line over 998 octets,
    ///   which transport would alter and so break the signature), `signing-failed`.
    public static func sign(
        _ entity: [UInt8], identity: SMIMESigningIdentity, digest: SMIMEDigest = .sha256, boundary: String
    ) throws -> [UInt8] {
        let output = ArraySink(reservingCapacity: entity.count + 16_384)
        let writer = try SignedEntityWriter(identity: identity, digest: digest, boundary: boundary, output: output)
        try entity.withUnsafeBytes { try writer.write($0) }
        try writer.finish()
        return output.bytes
    }

    /// Encrypts an entity to every recipient and returns a complete
    /// `application/pkcs7-mime` entity (`smime-type=enveloped-data`, or
    /// `authEnveloped-data` for AES-GCM) with a base64 body in CRLF lines.
    ///
    /// - Important: Only the listed certificates can decrypt the result; add
    ///   the sender's own certificate if the sender must read it later.
    ///   Recipient certificates are used as given: select and check them first
    ///   with ``SMIMERecipientSelector``.
    /// - Throws: ``SMIMEError`` `no-recipients`, `unsupported-key`, `encryption-failed`.
    public static func encrypt(
        _ entity: [UInt8], to recipients: [SMIMECertificate], options: SMIMEEncryptionOptions = .init()
    ) throws -> [UInt8] {
        let output = ArraySink(reservingCapacity: ArraySink.sealedSize(of: entity.count))
        let sink = try EnvelopingSink(recipients: recipients, options: options, output: output)
        try sink.write(entity)
        try sink.finish()
        return output.bytes
    }

    /// Signs, then encrypts the signed entity: `encrypt(sign(entity))`.
    public static func signThenEncrypt(
        _ entity: [UInt8], identity: SMIMESigningIdentity, digest: SMIMEDigest = .sha256, boundary: String,
        to recipients: [SMIMECertificate], options: SMIMEEncryptionOptions = .init()
    ) throws -> [UInt8] {
        let output = ArraySink(reservingCapacity: ArraySink.sealedSize(of: entity.count + 16_384))
        let envelope = try EnvelopingSink(recipients: recipients, options: options, output: output)
        let writer = try SignedEntityWriter(identity: identity, digest: digest, boundary: boundary, output: envelope)
        try entity.withUnsafeBytes { try writer.write($0) }
        try writer.finish()
        return output.bytes
    }

    // MARK: - Streaming file variants

    /// ``sign(_:identity:digest:boundary:)`` from file to file, in bounded memory.
    ///
    /// On failure the partial output file is removed.
    public static func sign(
        inputFile: String, outputFile: String, identity: SMIMESigningIdentity, digest: SMIMEDigest = .sha256,
        boundary: String
    ) throws {
        try stream(inputFile, to: outputFile) { output in
            try SignedEntityWriter(identity: identity, digest: digest, boundary: boundary, output: output)
        }
    }

    /// ``encrypt(_:to:options:)`` from file to file, in bounded memory.
    ///
    /// On failure the partial output file is removed.
    public static func encrypt(
        inputFile: String, outputFile: String, to recipients: [SMIMECertificate],
        options: SMIMEEncryptionOptions = .init()
    ) throws {
        try stream(inputFile, to: outputFile) { output in
            try EnvelopingSink(recipients: recipients, options: options, output: output)
        }
    }

    /// ``signThenEncrypt(_:identity:digest:boundary:to:options:)`` from file to
    /// file in one pass: the signed entity streams straight into the encryptor.
    ///
    /// On failure the partial output file is removed.
    public static func signThenEncrypt(
        inputFile: String, outputFile: String, identity: SMIMESigningIdentity, digest: SMIMEDigest = .sha256,
        boundary: String, to recipients: [SMIMECertificate], options: SMIMEEncryptionOptions = .init()
    ) throws {
        try stream(inputFile, to: outputFile) { output in
            let envelope = try EnvelopingSink(recipients: recipients, options: options, output: output)
            return try SignedEntityWriter(identity: identity, digest: digest, boundary: boundary, output: envelope)
        }
    }

    /// Streams `inputFile` through the pipeline built on a sink of `outputFile`.
    private static func stream(
        _ inputFile: String, to outputFile: String, pipeline: (ByteSink) throws -> ByteSink
    ) throws {
        let resolved = [inputFile, outputFile].map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        guard resolved[0] != resolved[1] else {
            throw SMIMEError(code: .io, message: "\(outputFile): the output file must differ from the input file")
        }
        do {
            let head = try pipeline(try FileSink(path: outputFile))
            try FileChunks.read(inputFile) { try head.write($0) }
            try head.finish()
        } catch {
            try? FileManager.default.removeItem(atPath: outputFile)
            throw error
        }
    }

    // MARK: - Verify and decrypt

    /// Verifies a signed entity (multipart/signed, or opaque signed-data) and
    /// returns the signed content with the signers' certificates.
    ///
    /// The signers must chain to `trust` with the S/MIME signing purpose.
    ///
    /// - Parameters:
    ///   - time: The verification time; `nil` means now.
    /// - Throws: ``SMIMEError`` `malformed-entity` or `verification-failed`.
    public static func verify(_ entity: [UInt8], trust: SMIMETrustStore, at time: Date? = nil) throws
        -> SMIMEVerifiedContent
    {
        OpenSSLErrorQueue.clear()
        let input = try MemoryBIO(copying: entity)
        var detached: OpaquePointer?
        guard let parsed = SMIME_read_CMS(input.pointer, &detached) else {
            throw OpenSSLErrorQueue.error(.malformedEntity, "not an S/MIME entity")
        }
        let cms = CMSContentInfo(taking: parsed)
        defer { if let detached { BIO_free(detached) } }
        guard OBJ_obj2nid(CMS_get0_type(cms.pointer)) == NID_pkcs7_signed else {
            throw SMIMEError(code: .malformedEntity, message: "the entity is not signed-data")
        }
        let store = try X509TrustStore(trust, at: time)
        let content = try MemoryBIO()
        guard CMS_verify(cms.pointer, nil, store.pointer, detached, content.pointer, 0) == 1 else {
            throw OpenSSLErrorQueue.error(.verificationFailed, "the signature does not verify")
        }
        var signers: [SMIMECertificate] = []
        if let stack = CMS_get0_signers(cms.pointer) {
            for index in 0..<max(0, postern_sk_X509_num(stack)) {
                if let x509 = postern_sk_X509_value(stack, index) { signers.append(.retaining(x509)) }
            }
            postern_sk_X509_free(stack)
        }
        return SMIMEVerifiedContent(content: content.drain(), signers: signers)
    }

    /// Decrypts an `application/pkcs7-mime` enveloped or authEnveloped entity.
    ///
    /// - Parameters:
    ///   - certificate: The recipient certificate that goes with `key`; it
    ///     selects the matching RecipientInfo.
    /// - Throws: ``SMIMEError`` `malformed-entity` or `decryption-failed`.
    public static func decrypt(_ entity: [UInt8], key: SMIMEPrivateKey, certificate: SMIMECertificate) throws
        -> [UInt8]
    {
        OpenSSLErrorQueue.clear()
        let input = try MemoryBIO(copying: entity)
        guard let parsed = SMIME_read_CMS(input.pointer, nil) else {
            throw OpenSSLErrorQueue.error(.malformedEntity, "not an S/MIME entity")
        }
        let cms = CMSContentInfo(taking: parsed)
        let content = try MemoryBIO()
        guard CMS_decrypt(cms.pointer, key.pointer, certificate.pointer, nil, content.pointer, 0) == 1 else {
            throw OpenSSLErrorQueue.error(.decryptionFailed, "cannot decrypt for \(certificate.subject)")
        }
        return content.drain()
    }
}

/// What a successful ``SMIME/verify(_:trust:at:)`` proved.
public struct SMIMEVerifiedContent: Sendable {
    /// The signed content (the inner entity, canonical form).
    public let content: [UInt8]
    /// The certificates of the signers whose signatures verified.
    public let signers: [SMIMECertificate]
}

/// Reads a file in fixed-size chunks.
enum FileChunks {
    static let chunkSize = 64 * 1024

    static func read(_ path: String, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SMIMEError(code: .io, message: "\(path): cannot open for reading")
        }
        defer { try? handle.close() }
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw SMIMEError(code: .io, message: "\(path): \(error.localizedDescription)")
            }
            if chunk.isEmpty { return }
            try chunk.withUnsafeBytes { try body($0) }
        }
    }
}
