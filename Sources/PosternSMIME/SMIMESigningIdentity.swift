/// The signer: a certificate, its private key, and the chain sent with signatures.
public struct SMIMESigningIdentity: Sendable {
    /// The signer's certificate (it carries the key's public half).
    public let certificate: SMIMECertificate
    /// Extra certificates (intermediates) included in every signature.
    public let chain: [SMIMECertificate]
    /// The signer's private key.
    public let key: SMIMEPrivateKey

    /// Creates an identity after checking that `key` belongs to `certificate`.
    ///
    /// - Throws: ``SMIMEError`` `key-certificate-mismatch`, or `unsupported-key`
    ///   for a key type other than RSA or EC.
    public init(certificate: SMIMECertificate, chain: [SMIMECertificate] = [], key: SMIMEPrivateKey) throws {
        guard key.matches(certificate) else {
            throw SMIMEError(
                code: .keyCertificateMismatch,
                message: "the private key does not belong to certificate \(certificate.subject)")
        }
        guard key.info.algorithm == .rsa || key.info.algorithm == .ec else {
            throw SMIMEError(code: .unsupportedKey, message: "signing key type \(key.info) is not supported")
        }
        self.certificate = certificate
        self.chain = chain
        self.key = key
    }

    /// Loads the signer from PEM files, as given by `--smime-cert` and `--smime-key`.
    ///
    /// The certificate file may hold the signer's certificate and its chain in
    /// any order: the certificate that matches the key is the signer, every
    /// other certificate is sent as chain.
    ///
    /// - Throws: ``SMIMEError`` naming the file on unreadable input, a
    ///   passphrase-protected key, or no certificate matching the key.
    public static func load(certificatePEMFile: String, keyPEMFile: String) throws -> SMIMESigningIdentity {
        let certificates = try SMIMECertificate.load(pemFile: certificatePEMFile)
        let key = try SMIMEPrivateKey.load(pemFile: keyPEMFile)
        guard let index = certificates.firstIndex(where: { key.matches($0) }) else {
            throw SMIMEError(
                code: .keyCertificateMismatch,
                message: "\(certificatePEMFile): no certificate matches the private key in \(keyPEMFile)")
        }
        var chain = certificates
        let signer = chain.remove(at: index)
        return try SMIMESigningIdentity(certificate: signer, chain: chain, key: key)
    }
}
