import Logging
import Postern
import PosternPolicy
import PosternSMTP

/// `send` (and `sendmail`): read the message(s), derive each envelope, compile the policy, resolve the password
/// at the last moment, and submit everything over one connection through the facade.
enum SendVerb {
    static func run(
        verb: String, inputs: SubmissionInputs, messageFiles: [String], overrides: OutgoingMessage.EnvelopeOverrides,
        transformInput: @Sendable ([UInt8]) -> [UInt8] = { $0 }, environment: [String: String], logger: Logger
    ) async -> CommandResult {
        let policy: CompiledPolicy
        switch PolicyCompilation.compile(inputs.layers, verb: verb) {
        case .success(let compiled): policy = compiled
        case .failure(let failed): return failed.result
        }
        let loaded: [MessageInput.Loaded]
        switch MessageInput.load(messageFiles) {
        case .success(let messages): loaded = messages
        case .failure(let failure):
            return .failure(verb: verb, status: failure.status, message: "postern \(verb): \(failure.message)")
        }
        var messages: [SealableMessage] = []
        for input in loaded {
            do {
                let original = transformInput(input.bytes)
                let prepared = try OutgoingMessage.prepare(original, overrides: overrides)
                messages.append(
                    SealableMessage(
                        original: original,
                        unprotected: SubmissionMessage(
                            content: .bytes(prepared.wireBytes),
                            sender: prepared.sender.isEmpty ? nil : prepared.sender, recipients: prepared.recipients,
                            bccRecipients: prepared.bccRecipients, headersRequireSMTPUTF8: prepared.requiresSMTPUTF8)))
            } catch {
                return .failure(
                    verb: verb, status: .dataErr, message: "postern \(verb): \(input.name): \(error.message)")
            }
        }
        let credentials: SMTPCredentials?
        switch CredentialResolution.smtpCredentials(inputs.credential, environment: environment) {
        case .success(let resolved): credentials = resolved
        case .failure(let failure):
            var result = CommandResult.failure(
                verb: verb, status: failure.status, message: "postern \(verb): \(failure.message)")
            result.report.failureDetail = Report.FailureDetail(code: "password-source")
            return result
        }
        // Seals first when asked for or required by the policy; a denied seal opens no connection.
        let request = SealAndSubmitRequest(
            connection: inputs.connectionSettings, credentials: credentials, policy: policy, messages: messages,
            sign: inputs.sign, encrypt: inputs.encrypt, keys: inputs.keys)
        var report = await sealAndSubmit(request, logger: logger)
        report.verb = verb
        return CommandResult(
            report: report, diagnostics: SubmissionSummary.lines(report: report, messages: messages.count))
    }
}
