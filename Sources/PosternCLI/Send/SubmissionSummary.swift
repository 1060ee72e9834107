import Postern

/// The short human summary of a `send` / `check` report, for stderr: the decision, the connection as it was
/// secured, the server's answer, then one line per violation and the error, if any.
enum SubmissionSummary {
    static func lines(report: Report, messages: Int? = nil) -> [String] {
        var lines: [String] = []
        var head = "postern \(report.verb): \(report.decision)"
        if let messages, report.exitCode == .ok {
            let recipients = report.smtp?.accepted?.count ?? 0
            head +=
                ": \(messages) message\(messages == 1 ? "" : "s") to \(recipients) recipient\(recipients == 1 ? "" : "s")"
        }
        if let transport = report.transport {
            head += " via " + connectionText(transport)
        }
        lines.append(head)
        lines += ReportTextRenderer.violationLines(of: report)
        if let rejected = report.smtp?.rejected, !rejected.isEmpty {
            lines.append("postern \(report.verb): rejected recipients: \(rejected.joined(separator: ", "))")
        }
        if let reply = report.smtp?.reply {
            lines.append("postern \(report.verb): server: \(reply)")
        }
        if let error = report.error {
            lines.append("postern \(report.verb): \(error)")
        }
        return lines
    }

    /// `mail.test:465 (implicit-tls, TLS 1.3, certificate verified sha256//…, AUTH PLAIN)`.
    static func connectionText(_ transport: Report.Transport) -> String {
        var parts: [String] = []
        if let security = transport.security { parts.append(security) }
        if let version = transport.tlsVersion { parts.append("TLS \(version)") }
        if let certificate = transport.certificate {
            let verdict = certificate.verified == true ? "certificate verified" : "certificate not verified"
            parts.append([verdict, certificate.spkiSHA256].compactMap { $0 }.joined(separator: " "))
        }
        if let auth = transport.auth { parts.append("AUTH \(auth)") }
        let server = transport.server ?? "?"
        return parts.isEmpty ? server : "\(server) (\(parts.joined(separator: ", ")))"
    }
}
