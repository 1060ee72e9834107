import CLibCrypto

/// Writes a multipart/signed entity (RFC 8551 §3.5.3) while the content streams through.
///
/// The header and the first delimiter go out at once; each content chunk is
/// digested and passed on unchanged; the detached signature part follows in
/// ``finish()``. Only the signature (a few KiB) is ever held in memory.
///
/// Not `Sendable`: it owns a CMS structure and a BIO chain for one operation.
final class SignedEntityWriter: ByteSink {
    private let output: ByteSink
    private let boundary: String
    private let cms: CMSContentInfo
    private var scanner: BoundaryScanner
    private var canonicalForm = CanonicalFormScanner()
    /// The digest BIO chain from `CMS_dataInit`; nil once finished.
    private var digestChain: OpaquePointer?

    init(identity: SMIMESigningIdentity, digest: SMIMEDigest, boundary: String, output: ByteSink) throws {
        try MultipartBoundary.validate(boundary)
        self.output = output
        self.boundary = boundary
        scanner = BoundaryScanner(boundary: boundary)

        OpenSSLErrorQueue.clear()
        let chain = try X509Stack(identity.chain)
        let flags = postern_CMS_PARTIAL | postern_CMS_DETACHED | postern_CMS_BINARY
        guard let created = CMS_sign(nil, nil, chain.pointer, nil, flags) else {
            throw OpenSSLErrorQueue.error(.signingFailed, "cannot create SignedData")
        }
        cms = CMSContentInfo(taking: created)
        guard let md = digest.evp else {
            throw SMIMEError(code: .unsupportedAlgorithm, message: "digest \(digest) is not available")
        }
        // Signing happens at CMS_dataFinal; the default flags add signingTime,
        // SMIMECapabilities and the signer certificate.
        guard CMS_add1_signer(cms.pointer, identity.certificate.pointer, identity.key.pointer, md, 0) != nil else {
            throw OpenSSLErrorQueue.error(.signingFailed, "cannot add signer \(identity.certificate.subject)")
        }
        // Detached content: the chain digests what is written and discards it (null BIO).
        guard let dataBIO = CMS_dataInit(cms.pointer, nil) else {
            throw OpenSSLErrorQueue.error(.signingFailed, "cannot start the signature digest")
        }
        digestChain = dataBIO

        try output.write(
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n"
                + " micalg=\(digest.micalg); boundary=\"\(boundary)\"\r\n"
                + "\r\n"
                + "This is an S/MIME signed message\r\n"
                + "\r\n"
                + "--\(boundary)\r\n")
    }

    deinit {
        if let digestChain { BIO_free_all(digestChain) }
    }

    /// Passes the next bytes of the canonical (CRLF) inner entity.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let digestChain else {
            throw SMIMEError(code: .internalFailure, message: "write after the signature was finished")
        }
        scanner.scan(bytes)
        if scanner.found {
            throw SMIMEError(
                code: .boundaryInContent,
                message: "the content contains a line starting with the boundary \"--\(boundary)\"")
        }
        canonicalForm.scan(bytes)
        if let problem = canonicalForm.problem {
            throw SMIMEError(
                code: .nonCanonicalContent, message: "the content to sign is not in canonical CRLF form: \(problem)")
        }
        OpenSSLErrorQueue.clear()
        guard MemoryBIO.write(bytes, to: digestChain) else {
            throw OpenSSLErrorQueue.error(.signingFailed, "cannot digest the content")
        }
        try output.write(bytes)
    }

    /// Signs the digest and writes the signature part and the closing delimiter.
    func finish() throws {
        guard let chain = digestChain else {
            throw SMIMEError(code: .internalFailure, message: "the signature was already finished")
        }
        canonicalForm.finish()
        if let problem = canonicalForm.problem {
            throw SMIMEError(
                code: .nonCanonicalContent, message: "the content to sign is not in canonical CRLF form: \(problem)")
        }
        OpenSSLErrorQueue.clear()
        _ = postern_BIO_flush(chain)
        let finalised = CMS_dataFinal(cms.pointer, chain)
        BIO_free_all(chain)
        digestChain = nil
        guard finalised == 1 else {
            throw OpenSSLErrorQueue.error(.signingFailed, "cannot sign the content")
        }
        let der = try MemoryBIO()
        guard i2d_CMS_bio(der.pointer, cms.pointer) == 1 else {
            throw OpenSSLErrorQueue.error(.signingFailed, "cannot encode the signature")
        }
        let encoded = ArraySink()
        let base64 = Base64LineSink(next: encoded)
        try base64.write(der.drain())
        try base64.finish()

        try output.write(
            "\r\n--\(boundary)\r\n"
                + "Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"smime.p7s\"\r\n"
                + "\r\n")
        try output.write(encoded.bytes)
        try output.write("\r\n--\(boundary)--\r\n")
        try output.finish()
    }
}
