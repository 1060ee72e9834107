extension Report {
    /// A failure that is not a policy violation, as facts a caller can act on without parsing ``Report/error``.
    ///
    /// Set by ``MailSubmitter/send(_:logger:)`` from the transport's error, and by a CLI verb for failures of its
    /// own (such as a password source that cannot be read). Not part of the JSON report.
    public struct FailureDetail: Sendable, Equatable, Codable {
        /// An extensible code: the SMTP layer's (`connection-failed`, `timeout`, `connection-lost`,
        /// `server-permanent-failure`, `recipients-rejected`, `auth-failed`, …) or a verb's (`password-source`;
        /// `key-store-unavailable` on a denial when the OpenPGP keyring, the certificate directory or the CA file
        /// could not be used, so the key violations may not be about the recipients at all).
        public var code: String
        /// The SMTP dialogue step at which it happened (`greeting`, `ehlo`, `auth`, `mail`, `rcpt`, `data`,
        /// `message`, …), or `nil`.
        public var step: String?
        /// The server's reply code (`550`), or `nil` when no reply decided it.
        public var replyCode: Int?
        /// The first line of the server's reply text (no code), or `nil`; may hold an RFC 3463 status code.
        public var replyText: String?

        /// Creates a failure detail.
        public init(code: String, step: String? = nil, replyCode: Int? = nil, replyText: String? = nil) {
            self.code = code
            self.step = step
            self.replyCode = replyCode
            self.replyText = replyText
        }
    }
}
