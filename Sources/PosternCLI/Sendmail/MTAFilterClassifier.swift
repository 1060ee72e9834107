import Postern

/// Reads a sendmail run's report and says why it failed, for ``MTAFilterStatus/map(_:kind:)``.
///
/// Pure: looks only at the report's exit code, violations and ``Report/failureDetail``.
enum MTAFilterClassifier {
    /// Violations about the connection to the submission server, not about the message: what the server (its
    /// certificate, its TLS, its AUTH offer) or the filter's server settings must fix.
    static let transportViolations: Set<String> = [
        "plaintext-not-allowed", "implicit-tls-required", "starttls-unavailable", "response-injection",
        "tls-handshake-failed", "tls-version-too-low", "certificate-untrusted", "certificate-expired",
        "hostname-mismatch", "pin-mismatch", "pin-required", "auth-over-plaintext", "auth-mechanism-not-allowed",
        "security-mode-not-allowed", "policy-denied",
    ]
    /// The report stages of the connection itself.
    static let transportStages: Set<String> = ["connect", "tls", "ehlo", "auth"]
    /// Violations that only the filter's configuration can cause: under `--mta-filter` the signing key is the
    /// configuration's, never the sender's.
    static let configurationViolations: Set<String> = ["signing-key-missing"]
    /// Failure details that mark a denial as the filter's own set-up: the key store (OpenPGP keyring, certificate
    /// directory, CA file) could not be used, so "no key for the recipient" says nothing about the recipient.
    static let configurationDetails: Set<String> = ["key-store-unavailable"]
    /// SMTP dialogue steps at which a 5xx refuses this message rather than the filter's session.
    static let messageSteps: Set<String> = ["mail", "rcpt", "data", "message"]

    static func kind(of report: Report) -> MTAFilterStatus.Kind {
        if report.exitCode == .ok { return .none }
        if !report.violations.isEmpty {
            if let detail = report.failureDetail, configurationDetails.contains(detail.code) {
                return .filterConfiguration
            }
            return violationKind(report.violations)
        }
        guard let detail = report.failureDetail else {
            switch report.exitCode {
            case .dataErr: return .malformedMessage
            case .usage, .noInput, .config: return .filterConfiguration
            default: return .other
            }
        }
        switch detail.code {
        case "connection-failed": return .serverUnreachable
        case "timeout": return .timeout
        case "connection-lost", "reply-truncated": return .connectionLost
        case "auth-failed", "tls-configuration", "password-source": return .filterConfiguration
        case "message-exceeds-server-size": return .serverPermanent(enhancedCode: "5.3.4")
        case "smtputf8-unavailable": return .serverPermanent(enhancedCode: "5.6.7")
        case "8bitmime-unavailable": return .serverPermanent(enhancedCode: "5.6.3")
        default: break
        }
        if let reply = detail.replyCode {
            let enhanced = MTAFilterStatus.enhancedCode(atStartOf: detail.replyText)
            switch reply / 100 {
            case 4: return .serverTemporary(enhancedCode: enhanced)
            case 5 where detail.step.map(messageSteps.contains) == true: return .serverPermanent(enhancedCode: enhanced)
            default: return .other  // a 5xx to the greeting, EHLO or STARTTLS refuses the filter, not this message
            }
        }
        return report.exitCode == .dataErr ? .malformedMessage : .other
    }

    /// A denial bounces only when some violation is about the message; one about the connection or the filter's
    /// keys alone is retried after the administrator fixes it.
    private static func violationKind(_ violations: [Report.Violation]) -> MTAFilterStatus.Kind {
        let isTransport = { (v: Report.Violation) in
            transportViolations.contains(v.code) || transportStages.contains(v.stage)
        }
        let isConfiguration = { (v: Report.Violation) in configurationViolations.contains(v.code) }
        if violations.allSatisfy(isTransport) { return .transportDenied }
        if violations.allSatisfy({ isTransport($0) || isConfiguration($0) }) { return .filterConfiguration }
        return .messageDenied
    }
}
