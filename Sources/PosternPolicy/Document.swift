/// A value read from a policy file together with where it was written.
public struct Located<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The value.
    public let value: Value
    /// Where its key was written.
    public let location: SourceLocation

    /// Creates a located value.
    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

/// The `transport` section: how the submission connection must be secured.
public struct TransportRequirements: Sendable, Hashable {
    /// `security`: allowed modes, most preferred first.
    public var security: Located<[SecurityMode]>?
    /// `min-tls`.
    public var minTLS: Located<TLSVersion>?
    /// `certificate`.
    public var certificate: Located<CertificateDemand>?
    /// `pins`: SPKI pins; when non-empty the server must match one of them.
    public var pins: Located<[SPKIPin]>?
    /// `starttls.require-pin`.
    public var requirePin: Located<Bool>?
    /// `auth.mechanisms`, most preferred first.
    public var authMechanisms: Located<[AuthMechanism]>?
    /// `auth.over-plaintext`.
    public var overPlaintext: Located<OverPlaintext>?

    /// An empty section (states nothing).
    public init() {}
}

/// The `message` section: protection and size.
public struct MessageRequirements: Sendable, Hashable {
    /// `sign`.
    public var sign: Located<ProtectionLevel>?
    /// `encrypt`.
    public var encrypt: Located<ProtectionLevel>?
    /// `formats`, most preferred first.
    public var formats: Located<[ProtectionFormat]>?
    /// `smime.cipher`, most preferred first.
    public var smimeCiphers: Located<[SMIMECipher]>?
    /// `smime.digest`, most preferred first.
    public var smimeDigests: Located<[DigestAlgorithm]>?
    /// `smime.min-rsa-bits`.
    public var minRSABits: Located<Int>?
    /// `max-size` in bytes.
    public var maxSize: Located<UInt64>?

    /// An empty section (states nothing).
    public init() {}
}

/// The `envelope` section: who may send and receive.
public struct EnvelopeRequirements: Sendable, Hashable {
    /// `senders`: absent means any.
    public var senders: Located<GlobList>?
    /// `recipients.allow`: absent means any.
    public var recipientsAllow: Located<GlobList>?
    /// `recipients.deny`.
    public var recipientsDeny: Located<GlobList>?

    /// An empty section (states nothing).
    public init() {}
}

/// Everything a document or a rule can require.
public struct PolicyRequirements: Sendable, Hashable {
    /// The `transport` section.
    public var transport = TransportRequirements()
    /// The `message` section.
    public var message = MessageRequirements()
    /// The `envelope` section.
    public var envelope = EnvelopeRequirements()

    /// An empty set of requirements.
    public init() {}
}

/// A rule's `when`: every stated condition must hold for the rule to apply.
public struct RuleCondition: Sendable, Hashable {
    /// `server`: the server host name matches one of these.
    public var server: Located<GlobList>?
    /// `sender`: the envelope sender matches one of these.
    public var sender: Located<GlobList>?
    /// `recipient`: at least one recipient matches one of these.
    public var recipient: Located<GlobList>?
    /// `recipient-not`: at least one recipient matches none of these.
    public var recipientNot: Located<GlobList>?

    /// A condition that always holds.
    public init() {}
}

/// One entry of `rules`.
public struct PolicyRule: Sendable, Hashable {
    /// `name`, unique within its file.
    public let name: String
    /// Where the rule starts.
    public let location: SourceLocation
    /// `when`.
    public let condition: RuleCondition
    /// What the rule requires when it applies.
    public let requirements: PolicyRequirements
}

/// A validated policy file (schema version 1). Compile layers with ``CompiledPolicy``.
public struct PolicyDocument: Sendable, Hashable {
    /// `name`.
    public let name: String
    /// The file it came from, as the user named it.
    public let file: String
    /// `description`.
    public let description: String?
    /// Where `postern-policy` was written (the document's own location).
    public let location: SourceLocation
    /// The top-level requirements, which always apply.
    public let requirements: PolicyRequirements
    /// `rules`, in file order.
    public let rules: [PolicyRule]
}
