import Logging
import Postern
import PosternPolicy
import PosternSMTP

/// `check`: connect, secure, EHLO (and AUTH only with `--auth`) under the policy, through the facade; no message.
enum CheckVerb {
    static func run(
        inputs: SubmissionInputs, authenticate: Bool, sender: String?, recipients: [String],
        environment: [String: String], logger: Logger
    ) async -> CommandResult {
        let verb = "check"
        let policy: CompiledPolicy
        switch PolicyCompilation.compile(inputs.layers, verb: verb) {
        case .success(let compiled): policy = compiled
        case .failure(let failed): return failed.result
        }
        var credentials: SMTPCredentials?
        if authenticate {
            switch CredentialResolution.smtpCredentials(inputs.credential, environment: environment) {
            case .success(let resolved): credentials = resolved
            case .failure(let failure):
                return .failure(verb: verb, status: failure.status, message: "postern check: \(failure.message)")
            }
        }
        let request = CheckRequest(
            connection: inputs.connectionSettings, credentials: credentials, policy: policy, sender: sender,
            recipients: recipients)
        let result = await MailSubmitter().check(request, logger: logger)
        var text = result.steps.map { "\($0.stage.rawValue): \($0.passed ? "ok" : "DENIED"): \($0.detail)" }
        if let extensions = result.report.transport?.extensions {
            let auth = extensions.first { $0.uppercased().hasPrefix("AUTH") }
            text.append(
                "auth mechanisms offered: "
                    + (auth.map { String($0.dropFirst(4)).trimmingCharacters(in: .whitespaces) } ?? "none"))
        }
        return CommandResult(
            report: result.report, text: text.isEmpty ? nil : text.joined(separator: "\n"),
            diagnostics: SubmissionSummary.lines(report: result.report))
    }
}
