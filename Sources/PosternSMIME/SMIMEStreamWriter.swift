/// Seals a canonical entity that arrives in chunks, passing the sealed bytes
/// on as soon as they are ready: memory stays bounded whatever the size.
///
/// Write the canonical (CRLF) entity with ``write(_:)``, then call
/// ``finish()`` exactly once; the output closure receives the complete sealed
/// entity in order, in pieces. If any call throws, the output so far is
/// incomplete and must be discarded.
///
/// Not `Sendable`: one writer belongs to one sealing operation on one task;
/// it owns OpenSSL CMS structures and BIO chains that are not thread-safe.
public final class SMIMEStreamWriter {
    private let head: ByteSink

    private init(head: ByteSink) { self.head = head }

    /// A writer producing `multipart/signed`, as ``SMIME/sign(_:identity:digest:boundary:)``.
    public static func signing(
        identity: SMIMESigningIdentity, digest: SMIMEDigest = .sha256, boundary: String,
        output: @escaping ([UInt8]) throws -> Void
    ) throws -> SMIMEStreamWriter {
        SMIMEStreamWriter(
            head: try SignedEntityWriter(
                identity: identity, digest: digest, boundary: boundary, output: ClosureSink(output)))
    }

    /// A writer producing `application/pkcs7-mime`, as ``SMIME/encrypt(_:to:options:)``.
    public static func encrypting(
        to recipients: [SMIMECertificate], options: SMIMEEncryptionOptions = .init(),
        output: @escaping ([UInt8]) throws -> Void
    ) throws -> SMIMEStreamWriter {
        SMIMEStreamWriter(
            head: try EnvelopingSink(recipients: recipients, options: options, output: ClosureSink(output)))
    }

    /// A writer that signs and then encrypts in one pass, as
    /// ``SMIME/signThenEncrypt(_:identity:digest:boundary:to:options:)``.
    public static func signingThenEncrypting(
        identity: SMIMESigningIdentity, digest: SMIMEDigest = .sha256, boundary: String,
        to recipients: [SMIMECertificate], options: SMIMEEncryptionOptions = .init(),
        output: @escaping ([UInt8]) throws -> Void
    ) throws -> SMIMEStreamWriter {
        let envelope = try EnvelopingSink(recipients: recipients, options: options, output: ClosureSink(output))
        return SMIMEStreamWriter(
            head: try SignedEntityWriter(identity: identity, digest: digest, boundary: boundary, output: envelope))
    }

    /// Passes the next bytes of the canonical entity.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try head.write(bytes)
    }

    /// Passes the next bytes of the canonical entity.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try head.write($0) }
    }

    /// Completes the sealed entity (signature, cipher padding or tag, trailer).
    public func finish() throws {
        try head.finish()
    }
}

/// Hands sealed bytes to a caller's closure.
final class ClosureSink: ByteSink {
    private let output: ([UInt8]) throws -> Void

    init(_ output: @escaping ([UInt8]) throws -> Void) { self.output = output }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        try output(Array(bytes))
    }

    func finish() throws {}
}
