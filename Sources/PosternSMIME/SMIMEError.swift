/// An S/MIME operation failed.
///
/// The ``code`` says what kind of failure it was and is stable for scripts and
/// tests; ``message`` says what happened in words; ``openSSLErrors`` holds the
/// reason strings that OpenSSL queued for the failing call (drained in the same
/// synchronous scope, so they belong to this failure and no other).
public struct SMIMEError: Error, CustomStringConvertible, Sendable {
    /// An extensible failure category. New codes may be added in any release.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable spelling, e.g. `invalid-pem`.
        public let rawValue: String

        /// Creates a code from its spelling.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }

        /// PEM input held no object of the expected kind, or could not be decoded.
        public static let invalidPEM = Code("invalid-pem")
        /// The private key is protected by a passphrase, which is not supported yet.
        public static let encryptedPrivateKey = Code("encrypted-private-key")
        /// No certificate in the signer's PEM matches the private key.
        public static let keyCertificateMismatch = Code("key-certificate-mismatch")
        /// The key type or size cannot be used for the requested operation.
        public static let unsupportedKey = Code("unsupported-key")
        /// The multipart boundary is not a valid RFC 2046 boundary.
        public static let invalidBoundary = Code("invalid-boundary")
        /// The content to sign contains the multipart boundary delimiter.
        public static let boundaryInContent = Code("boundary-in-content")
        /// Content to sign is not canonical (bare CR or LF, or a line over 998 octets).
        public static let nonCanonicalContent = Code("non-canonical-content")
        /// Encryption was asked for with no recipient certificate.
        public static let noRecipients = Code("no-recipients")
        /// An option value (digest, cipher, padding) is not one Postern supports.
        public static let unsupportedAlgorithm = Code("unsupported-algorithm")
        /// Creating the CMS signature failed.
        public static let signingFailed = Code("signing-failed")
        /// Creating the CMS EnvelopedData / AuthEnvelopedData failed.
        public static let encryptionFailed = Code("encryption-failed")
        /// The signature did not verify (bad signature, altered content, untrusted signer).
        public static let verificationFailed = Code("verification-failed")
        /// The message could not be decrypted with the given key.
        public static let decryptionFailed = Code("decryption-failed")
        /// The S/MIME entity could not be parsed.
        public static let malformedEntity = Code("malformed-entity")
        /// Reading or writing a file failed.
        public static let io = Code("io")
        /// Input exceeded a size limit that protects memory.
        public static let inputTooLarge = Code("input-too-large")
        /// OpenSSL failed in a way that does not fit a more specific code.
        public static let internalFailure = Code("internal-failure")
    }

    /// The failure category.
    public var code: Code
    /// What went wrong, in words, naming the file or address where there is one.
    public var message: String
    /// OpenSSL's reason strings for the failing call, oldest first; may be empty.
    public var openSSLErrors: [String]

    /// Creates an error.
    public init(code: Code, message: String, openSSLErrors: [String] = []) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
    }

    public var description: String {
        if openSSLErrors.isEmpty { return "\(code): \(message)" }
        return "\(code): \(message) (\(openSSLErrors.joined(separator: "; ")))"
    }
}
