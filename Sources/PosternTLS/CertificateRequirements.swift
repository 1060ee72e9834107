/// How the server certificate is judged (the policy's `transport.certificate`).
public enum CertificateMode: String, Sendable, Hashable {
    /// Chain to a trust anchor, validity period and host name (RFC 6125); pins, when any, may match any certificate
    /// of the verified chain.
    case verify
    /// Only the leaf's key matters: a pin must match it; chain, host name and validity period are not checked
    /// (as DANE-EE, RFC 7671 §5.1: the pinned key is the server's identity).
    case pinOnly = "pin-only"
}

/// Everything the certificate decision depends on, apart from the peer's chain and the time.
public struct CertificateRequirements: Sendable {
    /// The name from `--server` (never the `--connect` address): a DNS name or an IP literal.
    public var serverName: String
    /// The policy's certificate mode.
    public var mode: CertificateMode
    /// Pin sets, one per policy part that pins. Each non-empty set must be matched by one of its pins; empty sets
    /// are ignored.
    ///
    /// - Important: In ``CertificateMode/pinOnly`` mode, when no set holds a pin, nothing can identify the server
    ///   and the assessment reports `pin-mismatch` (fail closed).
    public var pinSets: [[SPKIPin]]
    /// Trust anchors (system store plus `--ca-file`); unused in ``CertificateMode/pinOnly`` mode.
    public var trustAnchors: TrustAnchors

    /// Creates requirements.
    public init(serverName: String, mode: CertificateMode, pinSets: [[SPKIPin]] = [], trustAnchors: TrustAnchors) {
        self.serverName = serverName
        self.mode = mode
        self.pinSets = pinSets
        self.trustAnchors = trustAnchors
    }

    /// The non-empty pin sets.
    public var effectivePinSets: [[SPKIPin]] { pinSets.filter { !$0.isEmpty } }
}
