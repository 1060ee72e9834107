import Foundation
import NIOCore
import NIOSSL

/// The NIOSSL client side of a Postern connection: a `TLSConfiguration` and `NIOSSLContext` built from a
/// ``TLSClientPolicy``, and client handlers whose verification callback runs ``ServerIdentityCheck``.
///
/// - Important: The custom verification callback replaces NIOSSL's whole trust decision: chain, validity, host name
///   and pins are decided by ``ServerIdentityCheck`` alone. Any finding fails the handshake; the finding is kept in
///   the ``TLSVerificationRecorder`` given to ``makeHandler(serverName:recorder:)``.
public struct PosternTLSClientConfiguration: Sendable {
    /// TLS 1.2 suites offered: ECDHE key exchange with an AEAD cipher only. NIOSSL does not expose the negotiated
    /// suite, so a report can only say it is one of these (or, on TLS 1.3, one of ``tls13CipherSuites``).
    public static let tls12CipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ]

    /// The TLS 1.3 suites BoringSSL offers (not configurable; all AEAD).
    public static let tls13CipherSuites: [NIOTLSCipher] = [
        .TLS_AES_128_GCM_SHA256, .TLS_AES_256_GCM_SHA384, .TLS_CHACHA20_POLY1305_SHA256,
    ]

    /// IANA names of the suites that can have been negotiated at `version` (for the report's `cipher`).
    public static func possibleCipherSuiteNames(for version: TLSVersion) -> [String] {
        (version == .tlsv13 ? tls13CipherSuites : tls12CipherSuites).map(Self.ianaName)
    }

    /// The NIOSSL configuration for `minimumVersion`: no maximum, ECDHE+AEAD TLS 1.2 suites, full certificate
    /// verification (which the handler's custom callback then takes over), the system store as NIOSSL's own roots
    /// (unused by the callback, but it keeps NIOSSL from ever falling back to `.none`).
    public static func makeTLSConfiguration(minimumVersion: TLSVersion) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = minimumVersion
        configuration.maximumTLSVersion = nil
        configuration.cipherSuiteValues = tls12CipherSuites
        // `.fullVerification` is required: with `.none` NIOSSL never calls the custom verification callback.
        configuration.certificateVerification = .fullVerification
        configuration.renegotiationSupport = .none
        return configuration
    }

    /// The policy this configuration enforces.
    public let policy: TLSClientPolicy
    /// The shared NIOSSL context (expensive to build; build once per policy).
    public let sslContext: NIOSSLContext
    /// The clock for certificate validity; injected for tests.
    public let now: @Sendable () -> Date

    /// Builds the NIOSSL context for `policy`.
    /// - Throws: a NIOSSL error when the context cannot be created.
    public init(policy: TLSClientPolicy, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.policy = policy
        self.sslContext = try NIOSSLContext(
            configuration: Self.makeTLSConfiguration(minimumVersion: policy.minimumVersion))
        self.now = now
    }

    /// A client handler for one connection to `serverName` (the `--server` name): SNI set for DNS names only, and a
    /// verification callback that assesses the chain, records the assessment in `recorder`, and fails the handshake
    /// on any finding.
    ///
    /// Must be called on the channel's event loop (NIOSSL handlers are not `Sendable`).
    /// - Throws: a NIOSSL error when `serverName` is not a valid SNI name.
    public func makeHandler(serverName: String, recorder: TLSVerificationRecorder) throws -> NIOSSLClientHandler {
        let check = ServerIdentityCheck(requirements: policy.requirements(serverName: serverName))
        let clock = now
        return try NIOSSLClientHandler(
            context: sslContext,
            serverHostname: ServerName(serverName).sniHostname,
            customVerificationCallbackWithMetadata: { certificates, promise in
                // Serialize on the event loop; the assessment itself is async (swift-certificates' Verifier).
                var chainDER: [[UInt8]] = []
                for certificate in certificates {
                    guard let der = try? certificate.toDERBytes() else { break }
                    chainDER.append(der)
                }
                let presented = chainDER
                // High priority, not the default: the handshake waits here for a thread of Swift's cooperative
                // pool while the server's timer and our own greeting timer run. Behind CPU-bound work at the
                // default priority (an embedding application's, or a parallel test run's on 2 cores) this
                // waited up to 15 s and the send failed as a greeting timeout that the server never caused.
                Task(priority: .high) {
                    let assessment = await check.assess(peerChainDER: presented, now: clock())
                    recorder.record(assessment)
                    promise.succeed(
                        assessment.isAcceptable ? .certificateVerified(VerificationMetadata(nil)) : .failed)
                }
            }
        )
    }

    /// The finding for a negotiated version below the policy's minimum, or `nil` when it is acceptable.
    /// A `nil` version (no session) is reported as `tls-handshake-failed`.
    public func versionFinding(negotiated: TLSVersion?) -> TLSFinding? {
        guard let negotiated else {
            return TLSFinding(code: .tlsHandshakeFailed, message: "no TLS version was negotiated")
        }
        guard negotiated.ordinal >= policy.minimumVersion.ordinal else {
            return TLSFinding(
                code: .tlsVersionTooLow,
                message:
                    "negotiated TLS \(negotiated.contractName), policy requires at least \(policy.minimumVersion.contractName)"
            )
        }
        return nil
    }

    /// Turns a failed handshake into findings: the recorded certificate findings when verification failed;
    /// `tls-version-too-low` when the peer could only speak a version below the minimum (BoringSSL's
    /// `UNSUPPORTED_PROTOCOL` / `protocol_version` alert); otherwise `tls-handshake-failed`.
    ///
    /// Decision: a server that cannot reach `min-tls` fails during the handshake (the client never offers lower
    /// versions), and is reported as `tls-version-too-low` — the specific reason — rather than the generic code.
    public func handshakeFailureFindings(error: any Error, recorder: TLSVerificationRecorder) -> [TLSFinding] {
        if let assessment = recorder.assessment, !assessment.isAcceptable {
            return assessment.findings
        }
        let text = String(describing: error)
        let versionMarkers = ["UNSUPPORTED_PROTOCOL", "PROTOCOL_VERSION", "WRONG_VERSION_NUMBER"]
        if versionMarkers.contains(where: { text.contains($0) }) {
            return [
                TLSFinding(
                    code: .tlsVersionTooLow,
                    message: "the server cannot negotiate TLS \(policy.minimumVersion.contractName) or higher (\(text))"
                )
            ]
        }
        return [TLSFinding(code: .tlsHandshakeFailed, message: "TLS handshake failed: \(text)")]
    }

    static func ianaName(_ cipher: NIOTLSCipher) -> String {
        switch cipher {
        case .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        case .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
        case .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case .TLS_AES_128_GCM_SHA256: "TLS_AES_128_GCM_SHA256"
        case .TLS_AES_256_GCM_SHA384: "TLS_AES_256_GCM_SHA384"
        case .TLS_CHACHA20_POLY1305_SHA256: "TLS_CHACHA20_POLY1305_SHA256"
        default: "0x" + String(cipher.rawValue, radix: 16, uppercase: true)
        }
    }
}
