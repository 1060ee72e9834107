import Logging
import Postern
import PosternPolicy
import PosternSMTP
import PosternTLS
import PosternTransport

/// `postern pin --server HOST[:PORT] --starttls` (default port 587): the transport's own STARTTLS dialogue
/// (greeting, EHLO, STARTTLS with the leftover-byte check, handshake), under a probe policy that allows only
/// STARTTLS and demands no pin, then QUIT. Nothing else is sent: no credentials, no message.
enum PinOverSTARTTLS {
    static let startTLSPort = 587

    /// The probe's policy: STARTTLS only, a verified chain wanted (so the output can say whether it verified),
    /// no pin required (there is none yet: that is what `pin` is for).
    static let probePolicyText = """
        postern-policy: 1
        name: pin-probe
        description: postern pin --starttls, built in
        transport:
          security: [starttls]
          certificate: verify
          starttls:
            require-pin: false
        """

    static func run(_ target: PinFromServer.Target, logger: Logger) async -> CommandResult {
        let port = target.server.port ?? startTLSPort
        let serverText = ServerEndpoint(host: target.server.host, port: port).description
        let policy: CompiledPolicy
        let anchors: TrustAnchors
        do {
            policy = CompiledPolicy(layers: [
                try PolicyLoader.parse(Array(probePolicyText.utf8), file: "<pin --starttls>")
            ])
        } catch {
            return .failure(verb: "pin", status: .unavailable, message: "postern pin: internal probe policy: \(error)")
        }
        do {
            anchors = try TrustAnchors.load(extraCAFile: target.caFile)
        } catch {
            return .failure(verb: "pin", status: .config, message: "postern pin: --ca-file: \(error)")
        }
        let limit = Duration.milliseconds(Int64(((target.timeout ?? 30) * 1000).rounded(.up)))
        var timeouts = SMTPTimeouts.rfc5321
        if target.timeout != nil {
            timeouts.greeting = limit
            timeouts.otherCommand = limit
        }
        let session = SubmissionSession(
            serverHost: target.server.host, serverPort: port, connectHost: target.connect?.host,
            connectPort: target.connect?.port, requestedSecurity: .starttls, timeouts: timeouts, connectTimeout: limit,
            trustAnchors: anchors, credentials: nil, policy: policy, jobs: [])
        let outcome = await SMTPSubmissionClient().run(session, logger: logger)
        let facts = outcome.tls?.certificate
        var findings = outcome.violations.filter { $0.stage == .tls }.map {
            TLSFinding(code: TLSFindingCode(rawValue: $0.code.rawValue), message: $0.message)
        }
        if facts == nil {
            // Say why no certificate was obtained: the transport's violations (starttls-unavailable,
            // response-injection) or its error (unreachable, timeout).
            findings = outcome.violations.map {
                TLSFinding(code: TLSFindingCode(rawValue: $0.code.rawValue), message: $0.message)
            }
            if let error = outcome.error {
                findings.append(TLSFinding(code: TLSFindingCode(rawValue: error.code.rawValue), message: error.message))
            }
            let status: ExitStatus = outcome.error?.code.rawValue == "timeout" ? .tempFail : .unavailable
            var result = PinProbeOutcome.result(
                facts: nil, findings: findings, tlsVersion: nil, server: serverText, security: "starttls",
                chain: target.chain)
            result.report.exitCode = status
            return result
        }
        return PinProbeOutcome.result(
            facts: facts, findings: findings, tlsVersion: outcome.tls?.version?.contractName, server: serverText,
            security: "starttls", chain: target.chain)
    }
}
