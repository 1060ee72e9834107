/// The machine-readable outcome of one `postern` verb: the JSON report of the
/// contract (§5).
///
/// Every key is always written; a section or field that does not apply to the verb
/// is `null`, never left out, so that scripts can index into it without probing.
/// Keys are written in sorted order (see ``jsonData()``) so that two equal reports
/// are byte-identical.
///
/// - Important: A report never carries a credential. Nothing in this type holds a
///   password, and callers must not put one into ``error`` or a violation message.
public struct Report: Sendable, Equatable, Codable {
    /// The report format version written as `postern-report`.
    public static let currentFormatVersion = 1

    /// `postern-report`: the format version, ``currentFormatVersion`` when written by this build.
    public var formatVersion: Int
    /// `verb`: the verb that produced the report (`send`, `explain`, `policy lint`, …).
    public var verb: String
    /// `decision`: allow, deny or error.
    public var decision: Decision
    /// `exit-code`: the process exit status that accompanies this report.
    public var exitCode: ExitStatus
    /// `violations`: every policy violation found; empty when there is none.
    public var violations: [Violation]
    /// `policy`: the layers and effective requirements, or `nil` when no policy was evaluated.
    public var policy: Policy?
    /// `transport`: what the connection looked like, or `nil` when no connection was made.
    public var transport: Transport?
    /// `protection`: what was applied to the message, or `nil` when no message was protected.
    public var protection: Protection?
    /// `smtp`: the submission outcome, or `nil` when nothing was submitted.
    public var smtp: SMTP?
    /// `error`: a human-readable description of a failure that is not a policy
    /// violation (bad input, an unreadable file, a feature this build lacks), or `nil`.
    ///
    /// This key is an extension of the contract's §5 report; it is always present,
    /// `null` when there is no such failure.
    public var error: String?
    /// What the submission failure was, machine-readable (the SMTP error's code, step and reply), or `nil`.
    ///
    /// Not written to JSON (the contract's §5 report is unchanged); `postern sendmail --mta-filter` reads it to
    /// tell a permanent refusal from one worth retrying.
    public var failureDetail: FailureDetail? = nil

    /// Creates a report. The decision defaults to the one implied by `exitCode`.
    public init(
        verb: String,
        exitCode: ExitStatus,
        decision: Decision? = nil,
        violations: [Violation] = [],
        policy: Policy? = nil,
        transport: Transport? = nil,
        protection: Protection? = nil,
        smtp: SMTP? = nil,
        error: String? = nil
    ) {
        self.formatVersion = Self.currentFormatVersion
        self.verb = verb
        self.decision = decision ?? exitCode.decision
        self.exitCode = exitCode
        self.violations = violations
        self.policy = policy
        self.transport = transport
        self.protection = protection
        self.smtp = smtp
        self.error = error
    }

    /// A report for a failure that is not a policy outcome: decision `error`, the
    /// given exit status and the message in ``error``.
    public static func failure(verb: String, exitCode: ExitStatus, message: String) -> Report {
        Report(verb: verb, exitCode: exitCode, decision: .error, error: message)
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "postern-report"
        case verb, decision
        case exitCode = "exit-code"
        case violations, policy, transport, protection, smtp, error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(verb, forKey: .verb)
        try container.encode(decision, forKey: .decision)
        try container.encode(exitCode, forKey: .exitCode)
        try container.encode(violations, forKey: .violations)
        try container.encodeOrNull(policy, forKey: .policy)
        try container.encodeOrNull(transport, forKey: .transport)
        try container.encodeOrNull(protection, forKey: .protection)
        try container.encodeOrNull(smtp, forKey: .smtp)
        try container.encodeOrNull(error, forKey: .error)
    }
}

extension Report {
    /// The overall decision of a report: `allow`, `deny` or `error`.
    ///
    /// A struct with a string value rather than an enum so that the set can grow.
    public struct Decision: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The JSON spelling.
        public let rawValue: String

        /// Creates a decision from its JSON spelling.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// The policy allowed it and it was done.
        public static let allow = Decision(rawValue: "allow")
        /// The policy denied it; ``Report/violations`` says why.
        public static let deny = Decision(rawValue: "deny")
        /// Something other than the policy stopped it; ``Report/error`` says what.
        public static let error = Decision(rawValue: "error")

        /// The JSON spelling.
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }
}

extension KeyedEncodingContainer {
    /// Writes `value`, or an explicit `null` when it is `nil`: report keys are never omitted.
    mutating func encodeOrNull<Value: Encodable>(_ value: Value?, forKey key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else {
            try encodeNil(forKey: key)
        }
    }
}
