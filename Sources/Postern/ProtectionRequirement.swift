import PosternPolicy

/// One protection the message will get when it is sealed or sent: signing or encryption,
/// because the policy requires it or because the caller asked for it, with the rule and
/// `file:line` behind it.
///
/// The evaluator does not look up keys: a requirement here says what `seal` and `send`
/// will attempt, and a missing or unusable key is still reported there
/// (`recipient-key-missing`, `signing-key-missing`).
public struct ProtectionRequirement: Hashable, Sendable, CustomStringConvertible {
    /// Signing or encryption.
    public struct Operation: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// `sign` or `encrypt`.
        public let rawValue: String
        /// Creates an operation from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }
        /// The message will be signed.
        public static let sign = Operation(rawValue: "sign")
        /// The message will be encrypted.
        public static let encrypt = Operation(rawValue: "encrypt")
    }

    /// Why the protection is applied.
    public struct Basis: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// `required` or `requested`.
        public let rawValue: String
        /// Creates a basis from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }
        /// The policy requires it (``ProtectionRequirement/rule`` names the part that does).
        public static let required = Basis(rawValue: "required")
        /// The caller asked for it and the policy allows it.
        public static let requested = Basis(rawValue: "requested")
    }

    /// Signing or encryption.
    public var operation: Operation
    /// The format that will be used: the caller's, else the policy's most preferred one.
    public var format: ProtectionFormat
    /// Whether the policy requires it or the caller asked for it.
    public var basis: Basis
    /// The rule (or policy, for a layer's top level) that requires it; `nil` when requested.
    public var rule: String?
    /// Where that requirement was written, `FILE:LINE`; `nil` when requested.
    public var source: String?
    /// Whether ``rule`` names a rule (`rules:` entry) rather than a policy's top level.
    public var isRule: Bool

    /// Creates a requirement.
    public init(
        operation: Operation, format: ProtectionFormat, basis: Basis, rule: String?, source: String?,
        isRule: Bool = false
    ) {
        self.operation = operation
        self.format = format
        self.basis = basis
        self.rule = rule
        self.source = source
        self.isRule = isRule
    }

    /// `will be encrypted with smime (required by rule 'encrypt-external' at policies/encrypt-external.yaml:16)`,
    /// `will be signed with smime (requested)`.
    public var description: String {
        let verb = operation == .sign ? "signed" : operation == .encrypt ? "encrypted" : operation.rawValue
        var text = "will be \(verb) with \(format.rawValue)"
        switch basis {
        case .required:
            text += " (required by " + (rule.map { (isRule ? "rule" : "policy") + " '\($0)'" } ?? "the policy")
            if let source { text += " at \(source)" }
            text += ")"
        case .requested:
            text += " (requested)"
        default:
            text += " (\(basis.rawValue))"
        }
        return text
    }
}
