import CLibCrypto

/// A private key for signing or decrypting.
///
/// Owns one OpenSSL `EVP_PKEY` and frees it in `deinit`.
///
/// `@unchecked Sendable` because the key is never modified after `init`:
/// openssl-threads(7) allows concurrent use of an object through APIs that do
/// not modify it; every operation here makes its own `EVP_PKEY_CTX`, the
/// provider-key cache inside the `EVP_PKEY` is filled under its own lock,
/// and CMS takes its own reference.
///
/// - Important: Only unencrypted PEM keys are supported for now. A key
///   protected by a passphrase is refused with `encrypted-private-key`; the
///   passphrase is never asked for on the terminal.
public final class SMIMEPrivateKey: @unchecked Sendable {
    /// The owned `EVP_PKEY`; never escapes this module.
    let pointer: OpaquePointer

    private init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// Reads the first private key in PEM text (PKCS#8 or traditional RSA/EC form).
    ///
    /// - Throws: ``SMIMEError`` `encrypted-private-key` for a passphrase-protected
    ///   key, `invalid-pem` when there is no readable key.
    public static func parse(pem: some Collection<UInt8>, source: String = "PEM input") throws -> SMIMEPrivateKey {
        let bytes = Array(pem)
        if isPassphraseProtected(bytes) {
            throw SMIMEError(
                code: .encryptedPrivateKey,
                message: "\(source): the private key is passphrase-protected; "
                    + "passphrase-protected keys are not supported yet, give an unencrypted key")
        }
        OpenSSLErrorQueue.clear()
        let bio = try MemoryBIO(copying: bytes)
        // A callback that supplies no passphrase: without one OpenSSL would prompt on the terminal.
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, { _, _, _, _ in 0 }, nil) else {
            throw OpenSSLErrorQueue.error(.invalidPEM, "\(source): no readable private key")
        }
        return SMIMEPrivateKey(taking: key)
    }

    /// Reads the first private key in a PEM file.
    public static func load(pemFile path: String) throws -> SMIMEPrivateKey {
        try parse(pem: PEMFile.read(path), source: path)
    }

    /// The key's algorithm and size.
    public var info: SMIMEPublicKeyInfo { SMIMEPublicKeyInfo(pointer) }

    /// Whether `certificate` carries this key's public half.
    public func matches(_ certificate: SMIMECertificate) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        return X509_check_private_key(certificate.pointer, pointer) == 1
    }

    /// Detects the PKCS#8 `ENCRYPTED PRIVATE KEY` label and the legacy
    /// `Proc-Type: 4,ENCRYPTED` header, so the user gets a clear message
    /// instead of a decoder failure.
    private static func isPassphraseProtected(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED")
    }
}
