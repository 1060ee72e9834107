import PosternPolicy

/// Which protection a seal applies, decided from the user's request and the policy.
///
/// Pure: the key lookup is passed in as `hasAllKeys`, so the rule can be tested alone.
struct ProtectionPlan: Sendable, Hashable {
    /// The format to sign with, or `nil`.
    var sign: ProtectionFormat?
    /// The format to encrypt with, or `nil`.
    var encrypt: ProtectionFormat?
    /// Whether signing is applied because the policy requires it (not asked for).
    var signImposed = false
    /// Whether encryption is applied because the policy requires it (not asked for).
    var encryptImposed = false

    /// The format used, if any (signing and encryption always share one).
    var format: ProtectionFormat? { sign ?? encrypt }

    /// Decides.
    ///
    /// - Required and not asked for: applied anyway. Asked for and forbidden: kept, so
    ///   that the policy evaluation reports it (`format-not-allowed`) and nothing is sealed.
    /// - The format is the user's (`--sign` or `--encrypt`, which must agree); otherwise
    ///   the policy's first allowed format for which every needed key exists, else
    ///   simply its first allowed format (whose missing keys are then reported).
    static func decide(
        requestedSign: ProtectionFormat?, requestedEncrypt: ProtectionFormat?, signLevel: EffectiveLevel,
        encryptLevel: EffectiveLevel, allowedFormats: [ProtectionFormat],
        hasAllKeys: (_ format: ProtectionFormat, _ signing: Bool, _ encrypting: Bool) -> Bool
    ) -> ProtectionPlan {
        let signing = requestedSign != nil || signLevel == .required
        let encrypting = requestedEncrypt != nil || encryptLevel == .required
        var plan = ProtectionPlan()
        guard signing || encrypting else { return plan }
        let format =
            requestedSign ?? requestedEncrypt
            ?? allowedFormats.first { hasAllKeys($0, signing, encrypting) } ?? allowedFormats.first
        guard let format else { return plan }  // required with no format allowed: policy-conflict
        if signing {
            plan.sign = format
            plan.signImposed = requestedSign == nil
        }
        if encrypting {
            plan.encrypt = format
            plan.encryptImposed = requestedEncrypt == nil
        }
        return plan
    }
}
