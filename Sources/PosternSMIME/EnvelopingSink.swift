import CLibCrypto

/// Encrypts the bytes written to it into an application/pkcs7-mime entity
/// (RFC 8551 §3.3): EnvelopedData for CBC, AuthEnvelopedData for GCM.
///
/// Content is pushed through OpenSSL's streaming CMS encoder (`BIO_new_CMS`,
/// indefinite-length BER) into a memory BIO that is drained after every
/// write, then base64-encoded with CRLF lines: memory stays bounded by the
/// chunk size, whatever the message size.
///
/// Not `Sendable`: it owns a CMS structure and a BIO chain for one operation.
final class EnvelopingSink: ByteSink {
    private let next: ByteSink
    private let cms: CMSContentInfo
    private let encoded: MemoryBIO
    /// The head of the streaming chain ending in `encoded`; nil once finished.
    private var chain: OpaquePointer?

    init(recipients: [SMIMECertificate], options: SMIMEEncryptionOptions, output: ByteSink) throws {
        guard !recipients.isEmpty else {
            throw SMIMEError(code: .noRecipients, message: "encryption needs at least one recipient certificate")
        }
        guard let cipher = options.cipher.evp else {
            throw SMIMEError(code: .unsupportedAlgorithm, message: "cipher \(options.cipher) is not available")
        }
        OpenSSLErrorQueue.clear()
        let flags = postern_CMS_PARTIAL | postern_CMS_STREAM | postern_CMS_BINARY
        guard let created = CMS_encrypt(nil, nil, cipher, flags) else {
            throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot create \(options.cipher.smimeType)")
        }
        cms = CMSContentInfo(taking: created)
        for recipient in recipients {
            try Self.addRecipient(recipient, options: options, to: cms)
        }
        encoded = try MemoryBIO()
        guard let head = BIO_new_CMS(encoded.pointer, cms.pointer) else {
            throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot start the encryption stream")
        }
        chain = head
        next = Base64LineSink(next: output)
        try output.write(
            "Content-Type: application/pkcs7-mime; smime-type=\(options.cipher.smimeType);\r\n"
                + " name=\"smime.p7m\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"smime.p7m\"\r\n"
                + "\r\n")
    }

    deinit { freeChain() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let chain else {
            throw SMIMEError(code: .internalFailure, message: "write after encryption was finished")
        }
        // Slices keep the ciphertext waiting in the memory BIO small even when
        // the caller hands over a whole message at once.
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + Self.sliceSize, bytes.count)
            OpenSSLErrorQueue.clear()
            guard MemoryBIO.write(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), to: chain) else {
                throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot encrypt the content")
            }
            try next.write(encoded.drain())
            offset = end
        }
    }

    private static let sliceSize = 64 * 1024

    func finish() throws {
        guard let chain else {
            throw SMIMEError(code: .internalFailure, message: "encryption was already finished")
        }
        OpenSSLErrorQueue.clear()
        // The flush finalises the cipher (and the GCM tag) and writes the BER trailer.
        guard postern_BIO_flush(chain) == 1 else {
            throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot finish the encrypted content")
        }
        freeChain()
        try next.write(encoded.drain())
        try next.finish()
    }

    /// Frees the streaming filters, stopping at the memory BIO this object owns.
    private func freeChain() {
        var current = chain
        while let bio = current, bio != encoded.pointer {
            current = BIO_pop(bio)
            BIO_free(bio)
        }
        chain = nil
    }

    private static func addRecipient(
        _ recipient: SMIMECertificate, options: SMIMEEncryptionOptions, to cms: CMSContentInfo
    ) throws {
        let key = recipient.publicKey
        // CMS_KEY_PARAM: create the key context now so its parameters can be set.
        guard let info = CMS_add1_recipient_cert(cms.pointer, recipient.pointer, postern_CMS_KEY_PARAM),
            let context = CMS_RecipientInfo_get0_pkey_ctx(info)
        else {
            throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot add recipient \(recipient.subject)")
        }
        switch key.algorithm {
        case .rsa:
            guard options.rsaKeyTransport == .oaep else { return }
            guard EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_OAEP_PADDING) > 0,
                EVP_PKEY_CTX_set_rsa_oaep_md(context, EVP_sha256()) > 0,
                EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) > 0
            else {
                throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot select RSA-OAEP for \(recipient.subject)")
            }
        case .ec:
            // OpenSSL's default KDF digest for CMS ECDH is SHA-1; use RFC 5753's
            // dhSinglePass-stdDH-sha256kdf-scheme instead.
            guard EVP_PKEY_CTX_set_ecdh_kdf_md(context, EVP_sha256()) > 0 else {
                throw OpenSSLErrorQueue.error(.encryptionFailed, "cannot select the ECDH KDF for \(recipient.subject)")
            }
        default:
            throw SMIMEError(
                code: .unsupportedKey,
                message: "recipient \(recipient.subject) has a \(key) key; only RSA and EC can be encrypted to")
        }
    }
}
