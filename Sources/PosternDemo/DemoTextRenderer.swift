import Postern

/// The human-readable walk-through of a ``DemoResult``.
public enum DemoTextRenderer {
    /// The text for every step and a closing verdict.
    public static func render(_ result: DemoResult) -> String {
        var lines: [String] = []
        for step in result.steps {
            lines += render(step)
            lines.append("")
        }
        if result.allAsExpected {
            lines.append("postern demo: all four sends behaved as the policies demand.")
        } else {
            let failed = result.steps.filter { !$0.behavedAsExpected }.map(\.id).joined(separator: ", ")
            lines.append("postern demo: UNEXPECTED behaviour in step(s) \(failed).")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render(_ step: DemoStep) -> [String] {
        let report = step.report
        var lines = ["== \(step.id). \(step.title)"]
        lines.append("   policy layers: \(report.policy?.layers.joined(separator: " + ") ?? "(none)")")
        lines.append("   decision:      \(report.decision) (exit \(report.exitCode.rawValue))")
        lines.append("   transport:     \(transport(report.transport))")
        lines.append("   pin:           \(pin(report))")
        if let protection = report.protection, protection.signed != nil || protection.encrypted != nil {
            lines.append(
                "   protection:    signed \(protection.signed ?? "no"), encrypted \(protection.encrypted ?? "no")")
        }
        for violation in report.violations {
            let provenance = [violation.rule.map { "rule \($0)" }, violation.source].compactMap { $0 }
            let suffix = provenance.isEmpty ? "" : " (\(provenance.joined(separator: ", ")))"
            lines.append("   violation:     \(violation.code) [\(violation.stage)] \(violation.message)\(suffix)")
        }
        if let error = report.error {
            lines.append("   error:         \(error)")
        }
        lines.append("   server saw:    \(seen(step.server))")
        if !step.arrivedExcerpt.isEmpty {
            lines.append("   as it arrived at the server:")
            lines += step.arrivedExcerpt.map { "     | \($0)" }
        }
        if let discrepancy = step.discrepancy {
            lines.append("   => NOT as expected: \(discrepancy)")
        } else if step.expectedDecision == .allow {
            lines.append("   => as expected: allowed and delivered, still encrypted")
        } else {
            lines.append("   => as expected: refused, nothing secret reached the server")
        }
        return lines
    }

    static func transport(_ transport: Report.Transport?) -> String {
        guard let transport, transport.security != nil || transport.tlsVersion != nil else {
            return "no connection made"
        }
        var parts: [String] = []
        parts.append("\(transport.security ?? "?") to \(transport.server ?? "?")")
        if let version = transport.tlsVersion {
            parts.append("TLS \(version)")
        } else {
            parts.append("no TLS")
        }
        if let certificate = transport.certificate {
            if let verified = certificate.verified { parts.append("certificate verified: \(verified ? "yes" : "no")") }
        }
        if let auth = transport.auth { parts.append("AUTH \(auth)") }
        return parts.joined(separator: ", ")
    }

    /// What the effective policy says about pins, and the server key's pin when a connection was made.
    static func pin(_ report: Report) -> String {
        let effective = report.policy?.effective
        var pins: [String] = []
        if case .array(let items)? = effective?["transport.pins"]?["value"] {
            for case .string(let pin) in items { pins.append(pin) }
        }
        var requirePin = false
        if case .bool(let required)? = effective?["transport.starttls.require-pin"]?["value"] { requirePin = required }
        let policy =
            pins.isEmpty
            ? (requirePin ? "none configured, and STARTTLS requires one" : "none configured, none required")
            : "\(pins.count) configured"
        guard let key = report.transport?.certificate?.spkiSHA256 else { return policy }
        let matched = pins.isEmpty ? "" : (pins.contains(key) ? ", matched" : ", NOT matched")
        return "\(policy); server key \(key)\(matched)"
    }

    static func seen(_ observation: DemoServerObservation) -> String {
        if observation.connections == 0 { return "nothing (no connection)" }
        let commands = observation.commandVerbs.isEmpty ? "none" : observation.commandVerbs.joined(separator: " ")
        let credential = observation.authAttempts == 0 ? "no credential" : "\(observation.authAttempts) AUTH"
        return "\(observation.connections) connection(s); commands: \(commands); \(credential); "
            + "\(observation.messages.count) message(s)"
    }
}
