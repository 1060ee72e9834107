/// A violation code (CONTRACT §4). A struct rather than an enum so the set can grow
/// without breaking anyone who switches over it.
public struct ViolationCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The code as it appears in reports, e.g. `pin-mismatch`.
    public let rawValue: String

    /// Wraps a code.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The raw code.
    public var description: String { rawValue }

    /// The only way to this server would be plaintext.
    public static let plaintextNotAllowed = ViolationCode(rawValue: "plaintext-not-allowed")
    /// The policy allows only implicit TLS; STARTTLS was asked for.
    public static let implicitTLSRequired = ViolationCode(rawValue: "implicit-tls-required")
    /// STARTTLS not offered, or refused, while it is the mode.
    public static let starttlsUnavailable = ViolationCode(rawValue: "starttls-unavailable")
    /// Bytes arrived between the STARTTLS `220` and the handshake.
    public static let responseInjection = ViolationCode(rawValue: "response-injection")
    /// No TLS session could be established.
    public static let tlsHandshakeFailed = ViolationCode(rawValue: "tls-handshake-failed")
    /// Negotiated TLS version below `min-tls`.
    public static let tlsVersionTooLow = ViolationCode(rawValue: "tls-version-too-low")
    /// No chain to a trust anchor.
    public static let certificateUntrusted = ViolationCode(rawValue: "certificate-untrusted")
    /// Outside its validity period.
    public static let certificateExpired = ViolationCode(rawValue: "certificate-expired")
    /// The certificate does not name the server.
    public static let hostnameMismatch = ViolationCode(rawValue: "hostname-mismatch")
    /// Pins are configured and none matches.
    public static let pinMismatch = ViolationCode(rawValue: "pin-mismatch")
    /// STARTTLS with `require-pin` (or `certificate: pin-only`) and no pin configured.
    public static let pinRequired = ViolationCode(rawValue: "pin-required")
    /// AUTH would be sent on an unencrypted connection.
    public static let authOverPlaintext = ViolationCode(rawValue: "auth-over-plaintext")
    /// No mechanism that both sides and the policy allow.
    public static let authMechanismNotAllowed = ViolationCode(rawValue: "auth-mechanism-not-allowed")
    /// The envelope sender is outside the policy.
    public static let senderNotAllowed = ViolationCode(rawValue: "sender-not-allowed")
    /// A recipient is outside the policy.
    public static let recipientNotAllowed = ViolationCode(rawValue: "recipient-not-allowed")
    /// Signing is required and not requested.
    public static let signingRequired = ViolationCode(rawValue: "signing-required")
    /// No usable signing key.
    public static let signingKeyMissing = ViolationCode(rawValue: "signing-key-missing")
    /// Encryption required and not requested or not possible.
    public static let encryptionRequired = ViolationCode(rawValue: "encryption-required")
    /// No usable key or certificate for a recipient.
    public static let recipientKeyMissing = ViolationCode(rawValue: "recipient-key-missing")
    /// A recipient key is expired, revoked, untrusted, too weak or lacks the usage.
    public static let recipientKeyInvalid = ViolationCode(rawValue: "recipient-key-invalid")
    /// Protection format outside the allowed set (or forbidden protection asked for).
    public static let formatNotAllowed = ViolationCode(rawValue: "format-not-allowed")
    /// S/MIME cipher or digest outside the allowed set.
    public static let cipherNotAllowed = ViolationCode(rawValue: "cipher-not-allowed")
    /// Over `max-size`.
    public static let messageTooLarge = ViolationCode(rawValue: "message-too-large")
    /// The parts of the policy contradict each other.
    public static let policyConflict = ViolationCode(rawValue: "policy-conflict")

    /// Every code of CONTRACT §4.
    public static let contractCodes: [ViolationCode] = [
        .plaintextNotAllowed, .implicitTLSRequired, .starttlsUnavailable, .responseInjection, .tlsHandshakeFailed,
        .tlsVersionTooLow, .certificateUntrusted, .certificateExpired, .hostnameMismatch, .pinMismatch, .pinRequired,
        .authOverPlaintext, .authMechanismNotAllowed, .senderNotAllowed, .recipientNotAllowed, .signingRequired,
        .signingKeyMissing, .encryptionRequired, .recipientKeyMissing, .recipientKeyInvalid, .formatNotAllowed,
        .cipherNotAllowed, .messageTooLarge, .policyConflict,
    ]

    /// Encodes as the bare string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Decodes from the bare string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The checkpoint at which a violation was found (CONTRACT §5 `stage`).
public enum Stage: String, Sendable, Hashable, Codable, CaseIterable {
    /// The policy itself, before anything else (conflicts, envelope).
    case policy
    /// Before connecting: which modes may be tried.
    case connect
    /// After the TLS handshake.
    case tls
    /// After EHLO.
    case ehlo
    /// Before AUTH.
    case auth
    /// Before MAIL FROM: envelope.
    case envelope
    /// Before MAIL FROM: signing and encryption.
    case protection
    /// Before and during DATA.
    case data
}

/// One reason the policy denies, with the part that imposed it.
public struct Violation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of violation.
    public let code: ViolationCode
    /// Where it was found.
    public let stage: Stage
    /// The rule (or, for a policy's top level, the policy name) that imposed the requirement.
    public let rule: String?
    /// `FILE:LINE` of the requirement.
    public let source: String?
    /// A sentence for people.
    public let message: String

    /// Creates a violation.
    public init(code: ViolationCode, stage: Stage, rule: String?, source: String?, message: String) {
        self.code = code
        self.stage = stage
        self.rule = rule
        self.source = source
        self.message = message
    }

    private enum CodingKeys: String, CodingKey { case code, stage, rule, source, message }

    /// Encodes every key, with `null` for an absent rule or source (CONTRACT §5: keys that
    /// do not apply are `null`, never left out).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(stage, forKey: .stage)
        try container.encode(rule, forKey: .rule)
        try container.encode(source, forKey: .source)
        try container.encode(message, forKey: .message)
    }

    /// `code (stage) message [rule @ source]`.
    public var description: String {
        var text = "\(code.rawValue) (\(stage.rawValue)): \(message)"
        if let rule { text += " [rule \(rule)" + (source.map { " at \($0)" } ?? "") + "]" }
        return text
    }
}

/// The outcome of evaluating a checkpoint: allow, or every violation found.
public enum Decision: Sendable, Hashable {
    /// Nothing the policy demands is violated.
    case allow
    /// The listed violations (never empty).
    case deny([Violation])

    /// Whether this is ``allow``.
    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }

    /// The violations (empty for ``allow``).
    public var violations: [Violation] {
        if case .deny(let violations) = self { return violations }
        return []
    }
}

extension ViolationCode {
    /// Extension to CONTRACT §4: the requested mode is not allowed and no contract code
    /// fits (implicit TLS asked for where the policy allows only STARTTLS).
    public static let securityModeNotAllowed = ViolationCode(rawValue: "security-mode-not-allowed")
}
