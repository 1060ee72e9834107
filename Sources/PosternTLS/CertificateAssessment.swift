import Foundation

/// What was learnt about the peer's certificates, whatever the verdict (for the report's `certificate` object and
/// for `postern pin --server`).
public struct CertificateFacts: Sendable, Hashable {
    /// True when a chain from the leaf to a trust anchor was verified (RFC 5280 at the given time) AND the leaf names
    /// the server. Always false in ``CertificateMode/pinOnly`` mode, where no chain is checked.
    public var verified: Bool
    /// The leaf's pin.
    public var leafPin: SPKIPin
    /// The leaf's subject DN as RFC 4514 text.
    public var subject: String
    /// The leaf's notBefore.
    public var notBefore: Date
    /// The leaf's notAfter.
    public var notAfter: Date
    /// The pins of the certificates exactly as the peer presented them, leaf first (`pin --server --chain`).
    public var presentedChainPins: [SPKIPin]
    /// The pins of the verified chain, leaf first, ending at the trust anchor (which the peer may not have sent);
    /// `nil` when no chain was verified.
    public var verifiedChainPins: [SPKIPin]?
    /// The subject DNs (RFC 4514 text) of the certificates exactly as the peer presented them, leaf first, in the
    /// order of ``presentedChainPins`` (`pin --server --chain` prints each pin with its subject).
    public var presentedChainSubjects: [String]

    /// Creates facts.
    public init(
        verified: Bool,
        leafPin: SPKIPin,
        subject: String,
        notBefore: Date,
        notAfter: Date,
        presentedChainPins: [SPKIPin],
        verifiedChainPins: [SPKIPin]?,
        presentedChainSubjects: [String] = []
    ) {
        self.verified = verified
        self.leafPin = leafPin
        self.subject = subject
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.presentedChainPins = presentedChainPins
        self.verifiedChainPins = verifiedChainPins
        self.presentedChainSubjects = presentedChainSubjects
    }

    /// `notAfter` as the report writes it, e.g. `2027-01-01T00:00:00Z`.
    public var notAfterISO8601: String {
        notAfter.formatted(.iso8601)
    }
}

/// The verdict on a peer's certificate chain: findings (empty when acceptable) plus the facts.
public struct CertificateAssessment: Sendable, Hashable {
    /// Every problem found, most fundamental first (untrusted, expired, hostname, pin). Empty means acceptable.
    public var findings: [TLSFinding]
    /// The facts; `nil` only when the peer sent no certificate or the leaf could not be parsed.
    public var facts: CertificateFacts?

    /// Creates an assessment.
    public init(findings: [TLSFinding], facts: CertificateFacts?) {
        self.findings = findings
        self.facts = facts
    }

    /// True when there is no finding.
    public var isAcceptable: Bool { findings.isEmpty }

    /// The codes of the findings, in order.
    public var codes: [TLSFindingCode] { findings.map(\.code) }
}
