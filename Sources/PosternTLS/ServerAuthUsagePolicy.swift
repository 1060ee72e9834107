import SwiftASN1
import X509

/// RFC 5280 §4.2.1.12: a leaf whose extendedKeyUsage is present must allow TLS server authentication
/// (`id-kp-serverAuth` or `anyExtendedKeyUsage`). swift-certificates' `RFC5280Policy` does not check this; a
/// certificate issued for S/MIME or client authentication must not identify a submission server.
struct ServerAuthUsagePolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        let usage: ExtendedKeyUsage?
        do {
            usage = try chain.leaf.extensions.extendedKeyUsage
        } catch {
            return .failsToMeetPolicy(reason: "unparsable extendedKeyUsage: \(error)")
        }
        guard let usage else { return .meetsPolicy }
        if usage.contains(.serverAuth) || usage.contains(.any) {
            return .meetsPolicy
        }
        return .failsToMeetPolicy(reason: "the leaf's extendedKeyUsage does not allow TLS server authentication")
    }
}
