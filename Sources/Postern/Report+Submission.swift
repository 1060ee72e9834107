import Foundation
import PosternPolicy
import PosternSMTP
import PosternTransport

extension Report {
    /// The report of a `send` or `check` outcome: violations, transport, SMTP result and exit code.
    static func submission(verb: String, outcome: SubmissionOutcome, policy: CompiledPolicy, context: SendContext)
        -> Report
    {
        var exitCode = ExitStatus(rawValue: outcome.exitCode)
        if outcome.violations.isEmpty, outcome.error?.code.rawValue == "tls-configuration" { exitCode = .config }
        let nonViolationError = outcome.violations.isEmpty ? outcome.error?.description : nil
        var report = Report(
            verb: verb, exitCode: exitCode, violations: outcome.violations.map(Report.Violation.init),
            policy: Report.Policy(layers: policy.layerFiles, effective: policy.explain(for: context).effective),
            transport: outcome.connected ? transportSection(outcome) : nil,
            smtp: outcome.connected ? smtpSection(outcome) : nil,
            error: nonViolationError)
        report.failureDetail = outcome.error.map(failureDetail)
        return report
    }

    /// The SMTP error as facts: code, step, and the reply that decided it (for a refused recipient, its reply).
    static func failureDetail(_ error: SMTPError) -> FailureDetail {
        let reply = error.reply ?? error.rejectedRecipients.first?.reply
        var text: String?
        if let reply {
            let line = reply.firstLineText
            let code = String(reply.code)
            text = line.hasPrefix(code) ? String(line.dropFirst(code.count)).trimmingCharacters(in: .whitespaces) : line
        }
        return FailureDetail(
            code: error.code.rawValue, step: error.step?.rawValue, replyCode: reply?.code, replyText: text)
    }

    static func transportSection(_ outcome: SubmissionOutcome) -> Transport {
        var certificate: Certificate?
        if let facts = outcome.tls?.certificate {
            certificate = Certificate(
                verified: facts.verified, spkiSHA256: facts.leafPin.description, subject: facts.subject,
                notAfter: facts.notAfterISO8601)
        }
        return Transport(
            server: outcome.server, security: outcome.security?.rawValue,
            tlsVersion: outcome.tls?.version?.contractName,
            cipher: outcome.tls.flatMap { cipherText($0.possibleCipherSuites) },
            certificate: certificate, auth: outcome.authenticationMechanism,
            extensions: outcome.capabilities?.extensionDescriptions)
    }

    /// NIOSSL does not expose the negotiated suite; the report names the only candidates the configuration
    /// allowed at that version rather than guess one.
    static func cipherText(_ suites: [String]) -> String? {
        switch suites.count {
        case 0: nil
        case 1: suites[0]
        default: "one of " + suites.joined(separator: ", ")
        }
    }

    static func smtpSection(_ outcome: SubmissionOutcome) -> SMTP {
        var accepted: [String] = []
        for transaction in outcome.completedTransactions {
            for recipient in transaction.acceptedRecipients where !accepted.contains(recipient) {
                accepted.append(recipient)
            }
        }
        // The final line of the last reply that decided the outcome (a multi-line reply's code is on each line).
        let reply = (outcome.error?.reply ?? outcome.completedTransactions.last?.reply).map { reply in
            reply.description.split(separator: "\n").last.map(String.init) ?? String(reply.code)
        }
        return SMTP(accepted: accepted, rejected: outcome.rejectedRecipients, reply: reply)
    }
}
