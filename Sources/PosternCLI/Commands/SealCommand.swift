import ArgumentParser
import Foundation
import Logging
import Postern
import PosternPolicy

/// `postern seal [FILE|-]`: everything `send` does up to and including protection,
/// writing the protected message instead of submitting it.
struct SealCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Evaluate the policy and protect the message; write it to stdout or --output.",
        discussion: """
            The policy is resolved for the sender and all recipients together: if one \
            recipient requires encryption, the message is encrypted to all, and to the \
            sender. Protection the policy requires is applied even when not asked for; \
            a missing or unusable key for any recipient denies (exit 77) and nothing is \
            written. Encrypting hides the Subject outside ("[...]", RFC 9788).

            Bcc: no output carries a Bcc: header. When the message is encrypted, each Bcc \
            recipient gets a separate copy encrypted to that recipient and the sender \
            alone: with --output FILE the copies are written to FILE.bcc-1, FILE.bcc-2, … \
            (in the order of the Bcc: header, named in the summary on stderr); without \
            --output such a message is refused (exit 64), because stdout can carry only \
            one message. When it is not encrypted, every Bcc recipient gets the same \
            bytes in its own transaction, so only the one copy is written.

            Large messages: a message of 4 MiB or more is streamed from file to file in \
            bounded memory when --output is given (from stdin through a private temporary file).

            Text mode: the protected message on stdout (or in --output), a one-paragraph \
            decision summary on stderr. --format json: the report on stdout (needs --output).
            """
    )

    @Argument(help: ArgumentHelp("The RFC 5322 message; '-' or absent for stdin.", valueName: "file"))
    var input: String?

    @Option(
        name: .customLong("output"),
        help: ArgumentHelp(
            "Write the protected message here instead of stdout (Bcc copies of an encrypted message: FILE.bcc-N).",
            valueName: "file"))
    var outputFile: String?

    @OptionGroup(title: "Envelope") var envelope: EnvelopeOptions
    @OptionGroup(title: "Server") var server: ServerNameOption
    @OptionGroup(title: "Policy") var policy: PolicyOptions
    @OptionGroup(title: "Key material") var keys: KeyMaterialOptions
    @OptionGroup(title: "Protection") var protection: ProtectionOptions
    @OptionGroup var output: OutputOptions

    @Option(
        help: ArgumentHelp(
            "Extra trust anchors (PEM) for S/MIME certificate chains, added to the system store.", valueName: "pem"))
    var caFile: String?

    @Flag(help: "Use RSAES-OAEP (SHA-256) instead of PKCS#1 v1.5 for S/MIME RSA key transport.")
    var smimeRSAOAEP = false

    mutating func validate() throws {
        if output.format == .json, outputFile == nil {
            throw ValidationError("seal --format json needs --output FILE: stdout carries the report")
        }
    }

    func execute(logger: Logger) async -> CommandResult {
        if let failure = envelope.controlCharacterFailure(verb: "seal") { return failure }
        OptionTrace.log(
            verb: "seal", logger: logger,
            [
                "input": input ?? "-", "output": outputFile ?? "-", "server": server.server,
                "policy": policy.files.joined(separator: ","), "sign": protection.sign?.rawValue,
                "encrypt": protection.encrypt?.rawValue,
            ])
        let layers = PolicyLayerSelection.resolve(files: policy.files, environment: ProcessEnvironment.current)
        let documents: [PolicyDocument]
        switch PolicyLayerLoader.load(layers.files) {
        case .success(let loaded):
            documents = loaded
        case .failure(let failure):
            let lines = failure.diagnostics.map(\.description)
            let report = Report(
                verb: "seal", exitCode: failure.status,
                policy: Report.Policy(layers: layers.displayNames, effective: nil),
                error: lines.joined(separator: "\n"))
            return CommandResult(report: report, diagnostics: lines + ["postern seal: the policy cannot be used"])
        }
        let messageInput: SealRequest.Input
        let spool = StandardInputSpool()
        defer { spool.remove() }
        if let input, input != "-" {
            messageInput = .file(input)
        } else {
            do {
                // Without --output the result goes to stdout from memory anyway: no point spooling.
                messageInput =
                    try outputFile == nil
                    ? .bytes([UInt8](FileHandle.standardInput.readDataToEndOfFile())) : spool.read()
            } catch {
                return .failure(verb: "seal", status: .noInput, message: "postern seal: cannot read stdin: \(error)")
            }
        }
        let request = SealRequest(
            input: messageInput, outputFile: outputFile, sender: envelope.sender, recipients: envelope.recipients,
            server: server.server, policy: CompiledPolicy(layers: documents),
            sign: protection.sign.map(\.policyFormat), encrypt: protection.encrypt.map(\.policyFormat),
            keys: SealKeyMaterial(
                smimeCertificateFile: keys.smimeCert, smimeKeyFile: keys.smimeKey,
                smimeCertificateDirectory: keys.smimeCerts, caFile: caFile, gnupgHome: keys.gnupgHome,
                pgpSigner: keys.pgpSigner),
            smimeRSAOAEP: smimeRSAOAEP)
        let outcome = await seal(request, logger: logger)
        return Self.result(of: outcome, toStandardOutput: outputFile == nil)
    }

    /// The CLI's view of an outcome: the message on stdout (text mode, no --output),
    /// the summary and every violation on stderr.
    static func result(of outcome: SealOutcome, toStandardOutput: Bool) -> CommandResult {
        let report = outcome.report
        var diagnostics = ReportTextRenderer.violationLines(of: report)
        diagnostics.append(outcome.summary)
        guard report.exitCode == .ok, toStandardOutput else {
            return CommandResult(report: report, diagnostics: diagnostics)
        }
        let separateCopies = outcome.bccCopies.filter { $0.content != outcome.main?.content }
        if !separateCopies.isEmpty {
            return .failure(
                verb: "seal", status: .usage,
                message:
                    "postern seal: the message is encrypted and has \(separateCopies.count) Bcc recipient(s), each with a separate copy; stdout holds one message: give --output FILE (copies go to FILE.bcc-N). Nothing was written."
            )
        }
        guard case .bytes(let bytes) = outcome.main?.content else {
            return CommandResult(report: report, diagnostics: diagnostics)
        }
        return CommandResult(report: report, diagnostics: diagnostics, payload: bytes)
    }
}

extension ProtectionFormatArgument {
    /// The policy engine's name for the format.
    var policyFormat: ProtectionFormat {
        switch self {
        case .smime: .smime
        case .openpgp: .openpgp
        }
    }
}
