import PosternPolicy

extension Report {
    /// One policy violation as the report lists it.
    public struct Violation: Sendable, Equatable, Codable {
        /// The violation code from the contract (§4), such as `pin-mismatch`.
        public var code: String
        /// The stage at which it was found: `policy`, `connect`, `tls`, `ehlo`,
        /// `auth`, `envelope`, `protection` or `data`.
        public var stage: String
        /// The name of the rule (or policy) that demanded what was violated, or `nil`
        /// for a requirement that always holds.
        public var rule: String?
        /// Where that demand was written, `FILE:LINE`, or `nil` for a built-in one.
        public var source: String?
        /// A human-readable explanation.
        public var message: String

        /// The report entry for a policy engine violation.
        public init(_ violation: PosternPolicy.Violation) {
            self.init(
                code: violation.code.rawValue, stage: violation.stage.rawValue, rule: violation.rule,
                source: violation.source, message: violation.message)
        }

        /// Creates a violation entry.
        public init(code: String, stage: String, rule: String?, source: String?, message: String) {
            self.code = code
            self.stage = stage
            self.rule = rule
            self.source = source
            self.message = message
        }

        enum CodingKeys: String, CodingKey {
            case code, stage, rule, source, message
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(stage, forKey: .stage)
            try container.encodeOrNull(rule, forKey: .rule)
            try container.encodeOrNull(source, forKey: .source)
            try container.encode(message, forKey: .message)
        }
    }

    /// The policy that was evaluated.
    public struct Policy: Sendable, Equatable, Codable {
        /// The layer files in the order given (`<built-in baseline>` for the built-in baseline).
        public var layers: [String]
        /// The effective requirements after composition, or `nil` when they could not
        /// be computed (for example a broken layer).
        public var effective: JSONValue?

        /// Creates a policy section.
        public init(layers: [String], effective: JSONValue?) {
            self.layers = layers
            self.effective = effective
        }

        enum CodingKeys: String, CodingKey {
            case layers, effective
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(layers, forKey: .layers)
            try container.encodeOrNull(effective, forKey: .effective)
        }
    }

    /// What the submission connection looked like, as far as it got.
    public struct Transport: Sendable, Equatable, Codable {
        /// `HOST:PORT` of the server as named by `--server`.
        public var server: String?
        /// `implicit-tls`, `starttls` or `plaintext`.
        public var security: String?
        /// The negotiated TLS version, such as `1.3`.
        public var tlsVersion: String?
        /// The negotiated cipher suite name.
        public var cipher: String?
        /// The server's leaf certificate.
        public var certificate: Certificate?
        /// The AUTH mechanism used.
        public var auth: String?
        /// The EHLO extensions the server offered (after TLS).
        public var extensions: [String]?

        /// Creates a transport section; every field defaults to `nil` (not reached).
        public init(
            server: String? = nil, security: String? = nil, tlsVersion: String? = nil,
            cipher: String? = nil, certificate: Certificate? = nil, auth: String? = nil,
            extensions: [String]? = nil
        ) {
            self.server = server
            self.security = security
            self.tlsVersion = tlsVersion
            self.cipher = cipher
            self.certificate = certificate
            self.auth = auth
            self.extensions = extensions
        }

        enum CodingKeys: String, CodingKey {
            case server, security
            case tlsVersion = "tls-version"
            case cipher, certificate, auth, extensions
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOrNull(server, forKey: .server)
            try container.encodeOrNull(security, forKey: .security)
            try container.encodeOrNull(tlsVersion, forKey: .tlsVersion)
            try container.encodeOrNull(cipher, forKey: .cipher)
            try container.encodeOrNull(certificate, forKey: .certificate)
            try container.encodeOrNull(auth, forKey: .auth)
            try container.encodeOrNull(extensions, forKey: .extensions)
        }
    }

    /// The server's leaf certificate as seen during the handshake.
    public struct Certificate: Sendable, Equatable, Codable {
        /// Whether the chain and host name were verified.
        public var verified: Bool?
        /// The leaf's SPKI pin, `sha256//BASE64`.
        public var spkiSHA256: String?
        /// The subject distinguished name.
        public var subject: String?
        /// The end of the validity period, RFC 3339 (`2027-01-01T00:00:00Z`).
        public var notAfter: String?

        /// Creates a certificate section.
        public init(verified: Bool? = nil, spkiSHA256: String? = nil, subject: String? = nil, notAfter: String? = nil) {
            self.verified = verified
            self.spkiSHA256 = spkiSHA256
            self.subject = subject
            self.notAfter = notAfter
        }

        enum CodingKeys: String, CodingKey {
            case verified
            case spkiSHA256 = "spki-sha256"
            case subject
            case notAfter = "not-after"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOrNull(verified, forKey: .verified)
            try container.encodeOrNull(spkiSHA256, forKey: .spkiSHA256)
            try container.encodeOrNull(subject, forKey: .subject)
            try container.encodeOrNull(notAfter, forKey: .notAfter)
        }
    }

    /// The protection applied to the message.
    public struct Protection: Sendable, Equatable, Codable {
        /// `smime`, `openpgp`, or `nil` when not signed.
        public var signed: String?
        /// `smime`, `openpgp`, or `nil` when not encrypted.
        public var encrypted: String?
        /// The recipients the message was encrypted to.
        public var recipients: [String]?

        /// Creates a protection section.
        public init(signed: String? = nil, encrypted: String? = nil, recipients: [String]? = nil) {
            self.signed = signed
            self.encrypted = encrypted
            self.recipients = recipients
        }

        enum CodingKeys: String, CodingKey {
            case signed, encrypted, recipients
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOrNull(signed, forKey: .signed)
            try container.encodeOrNull(encrypted, forKey: .encrypted)
            try container.encodeOrNull(recipients, forKey: .recipients)
        }
    }

    /// The outcome of the SMTP transaction.
    public struct SMTP: Sendable, Equatable, Codable {
        /// Recipients the server accepted.
        public var accepted: [String]?
        /// Recipients the server rejected.
        public var rejected: [String]?
        /// The server's final reply line.
        public var reply: String?

        /// Creates an SMTP section.
        public init(accepted: [String]? = nil, rejected: [String]? = nil, reply: String? = nil) {
            self.accepted = accepted
            self.rejected = rejected
            self.reply = reply
        }

        enum CodingKeys: String, CodingKey {
            case accepted, rejected, reply
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeOrNull(accepted, forKey: .accepted)
            try container.encodeOrNull(rejected, forKey: .rejected)
            try container.encodeOrNull(reply, forKey: .reply)
        }
    }
}
