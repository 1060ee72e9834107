import PosternPolicy
import PosternSMIME

/// Picks the S/MIME digest and content cipher from the policy's allowed lists.
enum SealAlgorithmChoice {
    /// The first allowed digest and the first allowed cipher that this build implements.
    ///
    /// Returns `nil` (and appends `cipher-not-allowed`) when S/MIME is used and no
    /// allowed algorithm is implemented; unused algorithms fall back to the defaults.
    static func choose(
        _ resolved: ResolvedPolicy, rsaOAEP: Bool, smimeSigning: Bool, smimeEncrypting: Bool,
        violations: inout [Report.Violation]
    ) -> SealAlgorithms? {
        let digest = resolved.allowedSMIMEDigests.lazy.compactMap { SMIMEDigest(policyName: $0.rawValue) }.first
        let cipher = resolved.allowedSMIMECiphers.lazy.compactMap { SMIMEContentCipher(policyName: $0.rawValue) }
            .first
        var ok = true
        if smimeSigning, digest == nil {
            ok = false
            violations.append(
                notAllowed(
                    "no S/MIME digest is allowed by every part of the policy and implemented here (allowed: \(list(resolved.allowedSMIMEDigests)))"
                ))
        }
        if smimeEncrypting, cipher == nil {
            ok = false
            violations.append(
                notAllowed(
                    "no S/MIME cipher is allowed by every part of the policy and implemented here (allowed: \(list(resolved.allowedSMIMECiphers)); implemented: aes-256-cbc, aes-256-gcm)"
                ))
        }
        guard ok else { return nil }
        return SealAlgorithms(
            digest: digest ?? .sha256, cipher: cipher ?? .aes256CBC, rsaKeyTransport: rsaOAEP ? .oaep : .pkcs1v15)
    }

    private static func list<C: RawRepresentable>(_ values: [C]) -> String where C.RawValue == String {
        values.isEmpty ? "none" : values.map(\.rawValue).joined(separator: ", ")
    }

    private static func notAllowed(_ message: String) -> Report.Violation {
        Report.Violation(code: "cipher-not-allowed", stage: "protection", rule: nil, source: nil, message: message)
    }
}
