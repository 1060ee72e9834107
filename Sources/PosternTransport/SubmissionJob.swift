import PosternPolicy
import PosternSMTP

/// What protection the message carries, as established by the sealing stage before submission: checked again
/// at the envelope checkpoint, before MAIL FROM (CONTRACT §3.2).
public struct ProtectionFacts: Sendable, Hashable {
    /// The format the message is signed with, or nil.
    public var signed: ProtectionFormat?
    /// The format the message is encrypted with, or nil.
    public var encrypted: ProtectionFormat?
    /// Whether a usable signing key existed for the signing format (nil: not known).
    public var signingKeyAvailable: Bool?
    /// Recipients for whom no usable key or certificate was found.
    public var recipientsWithoutKey: [String]
    /// Recipients whose key is expired, revoked, untrusted, too weak or lacks the usage.
    public var recipientsWithInvalidKey: [String]
    /// The smallest RSA modulus among the keys used, in bits.
    public var weakestRSABits: Int?
    /// The S/MIME content cipher used.
    public var smimeCipher: SMIMECipher?
    /// The S/MIME digest used.
    public var smimeDigest: DigestAlgorithm?

    /// Creates facts; the defaults describe an unprotected message.
    public init(
        signed: ProtectionFormat? = nil, encrypted: ProtectionFormat? = nil, signingKeyAvailable: Bool? = nil,
        recipientsWithoutKey: [String] = [], recipientsWithInvalidKey: [String] = [], weakestRSABits: Int? = nil,
        smimeCipher: SMIMECipher? = nil, smimeDigest: DigestAlgorithm? = nil
    ) {
        self.signed = signed
        self.encrypted = encrypted
        self.signingKeyAvailable = signingKeyAvailable
        self.recipientsWithoutKey = recipientsWithoutKey
        self.recipientsWithInvalidKey = recipientsWithInvalidKey
        self.weakestRSABits = weakestRSABits
        self.smimeCipher = smimeCipher
        self.smimeDigest = smimeDigest
    }

    /// An unprotected message.
    public static let unprotected = ProtectionFacts()
}

/// One SMTP transaction to run: its envelope, its body and the protection it carries.
public struct SubmissionJob: Sendable {
    /// The envelope (MAIL FROM, RCPT TO) and size/8-bit properties.
    public var transaction: SMTPTransaction
    /// The message octets.
    public var body: MessageBody
    /// The protection applied by the sealing stage.
    public var protection: ProtectionFacts

    /// Builds a job; the addresses are validated here (a data error before any connection).
    /// - Throws: ``SMTPError`` (category data-error) for a malformed address.
    public init(
        sender: String?, recipients: [String], body: MessageBody, protection: ProtectionFacts = .unprotected,
        headersRequireSMTPUTF8: Bool = false
    ) throws(SMTPError) {
        self.transaction = try SMTPTransaction(
            sender: sender, recipients: recipients, messageSize: body.size, bodyIs8Bit: body.is8Bit,
            headersRequireSMTPUTF8: headersRequireSMTPUTF8)
        self.body = body
        self.protection = protection
    }
}
