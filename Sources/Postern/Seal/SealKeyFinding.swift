/// Why one recipient (or the signer) has no usable key: the contract code and the reason.
struct SealKeyFinding: Sendable, Hashable {
    /// `recipient-key-missing` or `recipient-key-invalid`.
    var code: String
    /// The recipient address.
    var address: String
    /// What was wrong, for the violation message.
    var reason: String

    static let missing = "recipient-key-missing"
    static let invalid = "recipient-key-invalid"
}

/// What the key lookup of one format found for a send: enough to decide, and the
/// material to seal with. Implemented by the S/MIME and the OpenPGP lookups.
protocol SealFormatKeys {
    /// Why signing is impossible, or `nil` when a usable signer was found.
    var signerProblem: String? { get }
    /// One finding per recipient without a usable key, in envelope order.
    var findings: [SealKeyFinding] { get }
    /// Whether the key store itself (the OpenPGP keyring, the certificate directory, the CA file) could not be
    /// used: the findings then say nothing about the recipients, only about the sender's set-up.
    var keyStoreUnavailable: Bool { get }
}

extension SealFormatKeys {
    /// Whether a usable key exists for every recipient (and the signer, when signing).
    func isComplete(signing: Bool, encrypting: Bool) -> Bool {
        (!signing || signerProblem == nil) && (!encrypting || findings.isEmpty)
    }
}
