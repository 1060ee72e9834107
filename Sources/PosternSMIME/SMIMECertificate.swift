import CLibCrypto
import Foundation

/// An X.509 certificate, as used for S/MIME signing and encryption.
///
/// Owns one OpenSSL `X509` and frees it in `deinit`.
///
/// `@unchecked Sendable` because the object is immutable after `init`: the
/// wrapper never mutates the `X509`, OpenSSL 3 fills its extension cache under
/// the object's own lock (and `init` fills it eagerly anyway), and every
/// operation that hands it to OpenSSL takes its own reference (`X509_up_ref`).
public final class SMIMECertificate: @unchecked Sendable {
    /// The owned `X509`; never escapes this module.
    let pointer: OpaquePointer

    /// Takes ownership of one reference to `pointer`.
    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        // Fill the extension cache now so later reads never write to the object.
        _ = X509_check_purpose(pointer, -1, 0)
    }

    /// Adds a reference to a certificate owned elsewhere (e.g. by a CMS structure).
    static func retaining(_ pointer: OpaquePointer) -> SMIMECertificate {
        X509_up_ref(pointer)
        return SMIMECertificate(taking: pointer)
    }

    deinit {
        X509_free(pointer)
    }

    /// Reads every certificate in PEM text, in order.
    ///
    /// - Throws: ``SMIMEError`` `invalid-pem` when there is none or one is damaged.
    public static func parse(pem: some Collection<UInt8>, source: String = "PEM input") throws -> [SMIMECertificate] {
        OpenSSLErrorQueue.clear()
        let bio = try MemoryBIO(copying: pem)
        var certificates: [SMIMECertificate] = []
        while let x509 = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
            certificates.append(SMIMECertificate(taking: x509))
        }
        // Reading stops with "no start line" at the end of the input; anything else is damage.
        let last = ERR_peek_last_error()
        let endOfInput = last == 0 || postern_ERR_GET_REASON(last) == PEM_R_NO_START_LINE
        if !endOfInput || certificates.isEmpty {
            throw OpenSSLErrorQueue.error(.invalidPEM, "\(source): no readable PEM certificate")
        }
        OpenSSLErrorQueue.clear()
        return certificates
    }

    /// Reads every certificate in a PEM file, in order.
    ///
    /// - Throws: ``SMIMEError`` `io` when the file cannot be read, `invalid-pem` when it holds no certificate.
    public static func load(pemFile path: String) throws -> [SMIMECertificate] {
        try parse(pem: PEMFile.read(path), source: path)
    }

    /// The certificate's DER encoding.
    public var derBytes: [UInt8] {
        let bio = try? MemoryBIO()
        guard let bio, i2d_X509_bio(bio.pointer, pointer) == 1 else { return [] }
        return bio.drain()
    }

    /// The rfc822Name entries of the subjectAltName extension, exactly as encoded.
    ///
    /// Names that are not plain ASCII or hold a NUL byte are left out: they
    /// cannot be a valid address and could otherwise spoof a shorter one.
    /// An e-mail address in the subject DN is deliberately not included.
    public var rfc822Names: [String] {
        guard let names = postern_X509_get_subject_alt_names(pointer) else { return [] }
        defer { GENERAL_NAMES_free(names) }
        var result: [String] = []
        for index in 0..<max(0, postern_sk_GENERAL_NAME_num(names)) {
            guard let name = postern_sk_GENERAL_NAME_value(names, index),
                let ia5 = postern_GENERAL_NAME_rfc822Name(name),
                let data = ASN1_STRING_get0_data(ia5)
            else { continue }
            let length = Int(ASN1_STRING_length(ia5))
            let bytes = Array(UnsafeBufferPointer(start: data, count: max(0, length)))
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { continue }
            result.append(String(decoding: bytes, as: UTF8.self))
        }
        return result
    }

    /// The start of the validity period.
    public var notBefore: Date? { Self.date(X509_get0_notBefore(pointer)) }

    /// The end of the validity period.
    public var notAfter: Date? { Self.date(X509_get0_notAfter(pointer)) }

    /// The subject DN in RFC 2253 form.
    public var subject: String { Self.name(X509_get_subject_name(pointer)) }

    /// The issuer DN in RFC 2253 form.
    public var issuer: String { Self.name(X509_get_issuer_name(pointer)) }

    /// The SHA-256 fingerprint of the DER encoding, lowercase hex.
    public var sha256Fingerprint: String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(pointer, EVP_sha256(), &digest, &length) == 1 else { return "" }
        return digest[0..<Int(length)].map { String(format: "%02x", $0) }.joined()
    }

    /// The public key's algorithm and size.
    public var publicKey: SMIMEPublicKeyInfo {
        guard let key = X509_get0_pubkey(pointer) else { return SMIMEPublicKeyInfo(algorithm: .unknown, bits: 0) }
        return SMIMEPublicKeyInfo(key)
    }

    /// The keyUsage bits, or `nil` when the extension is absent (all usages allowed).
    var keyUsage: UInt32? {
        X509_get_extension_flags(pointer) & postern_EXFLAG_KUSAGE != 0 ? X509_get_key_usage(pointer) : nil
    }

    /// The extendedKeyUsage bits, or `nil` when the extension is absent (any purpose allowed).
    var extendedKeyUsage: UInt32? {
        X509_get_extension_flags(pointer) & postern_EXFLAG_XKUSAGE != 0 ? X509_get_extended_key_usage(pointer) : nil
    }

    /// Whether OpenSSL found a malformed extension while caching them.
    var hasInvalidExtensions: Bool {
        X509_get_extension_flags(pointer) & postern_EXFLAG_INVALID != 0
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func name(_ name: OpaquePointer?) -> String {
        guard let name, let bio = try? MemoryBIO() else { return "" }
        guard X509_NAME_print_ex(bio.pointer, name, 0, postern_XN_FLAG_RFC2253) >= 0 else { return "" }
        return String(decoding: bio.drain(), as: UTF8.self)
    }
}

/// The algorithm and size of a public key.
public struct SMIMEPublicKeyInfo: Hashable, Sendable, CustomStringConvertible {
    /// A public key algorithm family.
    public struct Algorithm: Hashable, Sendable, CustomStringConvertible {
        /// The algorithm's name, e.g. `RSA`.
        public let rawValue: String
        /// Creates an algorithm from its name.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// RSA (key transport).
        public static let rsa = Algorithm("RSA")
        /// Elliptic curve keys (ECDH key agreement, ECDSA).
        public static let ec = Algorithm("EC")
        /// Any other algorithm; not usable for S/MIME in Postern.
        public static let unknown = Algorithm("unknown")
    }

    /// The algorithm family.
    public var algorithm: Algorithm
    /// The key size in bits (modulus for RSA, field size for EC).
    public var bits: Int

    /// Creates key information.
    public init(algorithm: Algorithm, bits: Int) {
        self.algorithm = algorithm
        self.bits = bits
    }

    init(_ key: OpaquePointer) {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: algorithm = .rsa
        case EVP_PKEY_EC: algorithm = .ec
        default: algorithm = .unknown
        }
        bits = Int(EVP_PKEY_get_bits(key))
    }

    public var description: String { "\(algorithm)-\(bits)" }
}
