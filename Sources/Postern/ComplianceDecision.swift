import PosternPolicy

/// The evaluator's verdict on one message: allow or deny with every static violation,
/// the protection the message will get and why, or an input error.
///
/// "Static" means known without keys or network: `sender-not-allowed`,
/// `recipient-not-allowed`, `message-too-large`, `policy-conflict`, a requested format the
/// policy does not allow, and, when a server is named, what the policy already rules out
/// before connecting (for example `pin-required`). Transport and key checks happen when
/// the message is sent or sealed.
///
/// - Important: ``Report/Decision/allow`` here is a necessary condition, not a sufficient
///   one: `send` can still refuse (a missing recipient key, a server that fails the
///   transport policy, a protected message that grew past `max-size`).
public struct ComplianceDecision: Hashable, Sendable {
    /// `allow`, `deny` (``violations`` says why) or `error` (``inputError`` says what).
    public var decision: Report.Decision
    /// The exit status that goes with ``decision``: ``ExitStatus/ok``, ``ExitStatus/noPerm``,
    /// or the input error's status.
    public var exitStatus: ExitStatus
    /// The envelope the policy judged, or `nil` when it could not be derived.
    public var envelope: DerivedEnvelope?
    /// The server name the policy matched, or `nil` when none was given.
    public var server: String?
    /// Size of the message as given, in bytes (before protection).
    public var messageSize: Int
    /// Every violation found, in stage order (policy, connect, envelope, protection), without duplicates.
    public var violations: [Violation]
    /// The protection `seal`/`send` will apply, signing before encryption.
    public var protection: [ProtectionRequirement]
    /// What made the input impossible to evaluate, when ``decision`` is `error`.
    public var inputError: ComplianceInputError?
    /// The policy layer files, in the order given (`<built-in baseline>` for the baseline).
    public var layers: [String]
    /// The effective requirements with their provenance (`Explanation.effective` of PosternPolicy),
    /// or `nil` when the envelope could not be derived.
    public var effective: JSONValue?

    /// Creates a decision from its parts. ``decision`` and ``exitStatus`` follow from them:
    /// an input error is `error`, any violation is `deny`, otherwise `allow`.
    public init(
        envelope: DerivedEnvelope?, server: String?, messageSize: Int, violations: [Violation],
        protection: [ProtectionRequirement], inputError: ComplianceInputError?, layers: [String],
        effective: JSONValue?
    ) {
        if let inputError {
            decision = .error
            exitStatus = inputError.exitStatus
        } else if violations.isEmpty {
            decision = .allow
            exitStatus = .ok
        } else {
            decision = .deny
            exitStatus = .noPerm
        }
        self.envelope = envelope
        self.server = server
        self.messageSize = messageSize
        self.violations = violations
        self.protection = protection
        self.inputError = inputError
        self.layers = layers
        self.effective = effective
    }

    /// Whether the policy allows the message (so far as can be known without keys or network).
    public var isAllowed: Bool { decision == .allow }

    /// The protection of one kind, if the message will get it.
    public func protection(_ operation: ProtectionRequirement.Operation) -> ProtectionRequirement? {
        protection.first { $0.operation == operation }
    }

    /// The decision as a contract report (§5): decision, exit code, violations, policy layers
    /// and effective requirements; `transport`, `protection` and `smtp` are `null` because
    /// nothing was connected, protected or submitted.
    ///
    /// - Parameter verb: the `verb` field; `evaluate` unless the caller is another verb.
    public func report(verb: String = "evaluate") -> Report {
        Report(
            verb: verb, exitCode: exitStatus, decision: decision, violations: violations.map(Report.Violation.init),
            policy: Report.Policy(layers: layers, effective: effective), error: inputError?.description)
    }
}
