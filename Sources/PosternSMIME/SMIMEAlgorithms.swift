import CLibCrypto

/// A message digest for S/MIME signatures.
public struct SMIMEDigest: Hashable, Sendable, CustomStringConvertible {
    /// The name used in policy files (`sha256`).
    public let policyName: String
    /// The `micalg` parameter value of multipart/signed (RFC 8551 §3.5.3.2, `sha-256`).
    public let micalg: String

    private init(policyName: String, micalg: String) {
        self.policyName = policyName
        self.micalg = micalg
    }

    /// SHA-256, the default.
    public static let sha256 = SMIMEDigest(policyName: "sha256", micalg: "sha-256")
    /// SHA-384.
    public static let sha384 = SMIMEDigest(policyName: "sha384", micalg: "sha-384")
    /// SHA-512.
    public static let sha512 = SMIMEDigest(policyName: "sha512", micalg: "sha-512")

    /// Every supported digest.
    public static let all: [SMIMEDigest] = [.sha256, .sha384, .sha512]

    /// The digest a policy file names (`sha256`, `sha384`, `sha512`), or `nil`.
    public init?(policyName: String) {
        guard let found = Self.all.first(where: { $0.policyName == policyName }) else { return nil }
        self = found
    }

    public var description: String { policyName }

    var evp: OpaquePointer? {
        switch policyName {
        case "sha384": EVP_sha384()
        case "sha512": EVP_sha512()
        default: EVP_sha256()
        }
    }
}

/// A content-encryption algorithm.
public struct SMIMEContentCipher: Hashable, Sendable, CustomStringConvertible {
    /// The name used in policy files (`aes-256-cbc`).
    public let policyName: String

    private init(name: String) { policyName = name }

    /// AES-256-CBC in EnvelopedData (RFC 5652): readable by every S/MIME client.
    public static let aes256CBC = SMIMEContentCipher(name: "aes-256-cbc")
    /// AES-256-GCM in AuthEnvelopedData (RFC 5083, RFC 5084): authenticated.
    ///
    /// - Important: gpgsm 2.2 and Outlook cannot read AuthEnvelopedData.
    public static let aes256GCM = SMIMEContentCipher(name: "aes-256-gcm")

    /// Every supported cipher.
    public static let all: [SMIMEContentCipher] = [.aes256CBC, .aes256GCM]

    /// The cipher a policy file names, or `nil`.
    public init?(policyName: String) {
        guard let found = Self.all.first(where: { $0.policyName == policyName }) else { return nil }
        self = found
    }

    public var description: String { policyName }

    /// The `smime-type` parameter of application/pkcs7-mime (RFC 8551 §3.2.2).
    public var smimeType: String { self == .aes256GCM ? "authEnveloped-data" : "enveloped-data" }

    var evp: OpaquePointer? { self == .aes256GCM ? EVP_aes_256_gcm() : EVP_aes_256_cbc() }
}

/// How the content-encryption key is wrapped for an RSA recipient.
public struct SMIMERSAKeyTransport: Hashable, Sendable, CustomStringConvertible {
    /// The padding's name.
    public let name: String

    private init(name: String) { self.name = name }

    /// RSAES-PKCS1-v1_5: the interoperable default.
    public static let pkcs1v15 = SMIMERSAKeyTransport(name: "pkcs1")
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 4055, RFC 8017).
    public static let oaep = SMIMERSAKeyTransport(name: "oaep")

    public var description: String { name }
}

/// Options for S/MIME encryption.
public struct SMIMEEncryptionOptions: Hashable, Sendable {
    /// The content cipher; AES-256-CBC unless the policy prefers GCM.
    public var cipher: SMIMEContentCipher
    /// The key transport for RSA recipients. EC recipients always use
    /// ephemeral-static ECDH with the X9.63 KDF over SHA-256 and AES key wrap.
    public var rsaKeyTransport: SMIMERSAKeyTransport

    /// Creates options; the defaults are the interoperable choice.
    public init(cipher: SMIMEContentCipher = .aes256CBC, rsaKeyTransport: SMIMERSAKeyTransport = .pkcs1v15) {
        self.cipher = cipher
        self.rsaKeyTransport = rsaKeyTransport
    }
}
