/// An OpenPGP failure: a stable, extensible code, a human message, and — when GPGME
/// reported it — the gpg-error code and GPGME's own text for it.
///
/// Key-selection outcomes are not errors (see ``PGPRecipientResolution``); an error is
/// thrown only when an operation cannot go on.
public struct PGPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of failure. Codes that match a violation of the
    /// Postern contract (§4) use that violation's spelling.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's spelling, e.g. `"signing-key-missing"`.
        public let rawValue: String
        /// Creates a code from its spelling.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The spelling of the code.
        public var description: String { rawValue }

        /// No usable signing key (contract violation `signing-key-missing`).
        public static let signingKeyMissing = Code(rawValue: "signing-key-missing")
        /// No key for a recipient (contract violation `recipient-key-missing`).
        public static let recipientKeyMissing = Code(rawValue: "recipient-key-missing")
        /// A recipient key that may not be used (contract violation `recipient-key-invalid`).
        public static let recipientKeyInvalid = Code(rawValue: "recipient-key-invalid")
        /// The input is not what the operation accepts: a bad boundary, bytes that are
        /// not canonical CRLF, an entity that is not well-formed PGP/MIME.
        public static let invalidInput = Code(rawValue: "invalid-input")
        /// GPGME or the gpg engine failed (see ``PGPError/gpgErrorText``).
        public static let engineFailure = Code(rawValue: "engine-failure")
        /// Decryption failed (no secret key, corrupted or tampered data).
        public static let decryptionFailed = Code(rawValue: "decryption-failed")
        /// Reading or writing a file failed.
        public static let ioFailure = Code(rawValue: "io-failure")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, in words, naming the operation and the object involved.
    public var message: String
    /// The gpg-error code (`gpgme_err_code`) when GPGME reported the failure.
    public var gpgErrorCode: UInt32?
    /// GPGME's text for ``gpgErrorCode`` (`gpgme_strerror`).
    public var gpgErrorText: String?

    /// Creates an error.
    public init(code: Code, message: String, gpgErrorCode: UInt32? = nil, gpgErrorText: String? = nil) {
        self.code = code
        self.message = message
        self.gpgErrorCode = gpgErrorCode
        self.gpgErrorText = gpgErrorText
    }

    /// `code: message (gpg text)`.
    public var description: String {
        if let gpgErrorText {
            return "\(code): \(message) (\(gpgErrorText))"
        }
        return "\(code): \(message)"
    }
}
