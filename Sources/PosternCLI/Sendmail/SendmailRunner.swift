import Foundation
import Logging
import Postern

/// Runs the `sendmail` verb from raw arguments; returns the process exit status.
enum SendmailRunner {
    static let usage = """
        usage: postern sendmail [-t] [-i|-oi] [-f ADDR] [-F NAME] [-C FILE] [-v] [--format text|json] [ADDR…]
               postern sendmail --mta-filter [-C FILE] -i -f SENDER -- RECIPIENT…
               (also when the binary is invoked as 'sendmail')
        --mta-filter: run as a Postfix content_filter / pipe(8) transport: exit 75 for anything a retry can fix,
        bounce only for a policy denial (77), a malformed message (65) or a 5xx refusal (69); the first output
        line begins with an RFC 3463 status code. See docs/postfix.md.
        Accepted and ignored for compatibility: -o* (except -oi), -bm, -B TYPE, -N DSN, -R RET,
        -V ENVID, -L TAG, -h HOPS, -A*, -e*, -m, -n, -U, -G.
        Configuration: -C FILE, else $POSTERN_CONFIG, else $XDG_CONFIG_HOME/postern/config.yaml
        (or ~/.config/postern/config.yaml), else /etc/postern/config.yaml; see docs/configuration.md.
        """

    static func run(arguments: [String], environment: [String: String]) async -> ExitStatus {
        let invocation: SendmailInvocation
        do {
            invocation = try SendmailArgumentParser.parse(arguments)
        } catch {
            let status: ExitStatus = error.isDataError ? .dataErr : .usage
            let message = "postern sendmail: \(error.message)"
            let result = CommandResult.failure(verb: "sendmail", status: status, message: message)
            if SendmailArgumentParser.requestsMTAFilter(arguments) {
                return writeForMTA(result)
            }
            OutputWriter.write(result, format: RawArguments.requestsJSON(arguments) ? .json : .text)
            if status == .usage {
                OutputWriter.writeStandardError(usage + "\n")
            }
            return status
        }
        if invocation.showHelp {
            OutputWriter.writeStandardOutput(usage + "\n")
            return .ok
        }
        let result = await execute(invocation, environment: environment)
        if invocation.mtaFilter {
            return writeForMTA(result)
        }
        OutputWriter.write(result, format: invocation.format)
        return result.report.exitCode
    }

    /// Under `--mta-filter`: the status pipe(8) should act on, its RFC 3463 code first on stdout (pipe(8)
    /// captures stdout and stderr together; nothing else is written).
    private static func writeForMTA(_ result: CommandResult) -> ExitStatus {
        let status = MTAFilterStatus.map(result.report.exitCode, kind: MTAFilterClassifier.kind(of: result.report))
        let lines = MTAFilterOutput.lines(status: status, report: result.report)
        if !lines.isEmpty {
            OutputWriter.writeStandardOutput(lines.joined(separator: "\n") + "\n")
        }
        return status.exitStatus
    }

    /// Loads the configuration and the policy, then submits; every outcome is a result, never printed here.
    private static func execute(_ invocation: SendmailInvocation, environment: [String: String]) async -> CommandResult
    {
        var logger = Logger(label: "postern")
        // Under --mta-filter the first output line must be the status code: no trace may come before it.
        logger.logLevel = invocation.mtaFilter ? .critical : invocation.verbose ? .debug : .notice
        let configuration: PosternConfiguration
        do {
            configuration = try PosternConfiguration.locateAndLoad(
                explicit: invocation.configFile, environment: environment)
        } catch {
            return configurationFailure(error)
        }
        let options = ResolvedSendOptions(configuration: configuration, overrides: overrides(from: invocation))
        logger.debug(
            "postern sendmail: options",
            metadata: [
                "recipients": .string(invocation.recipients.joined(separator: ",")),
                "from-headers": .string(invocation.recipientsFromHeaders ? "yes" : "no"),
                "ignore-dots": .string(invocation.ignoreDots ? "yes" : "no"),
                "sender": .string(options.from ?? "(from From:)"),
                "ignored": .string(invocation.ignoredFlags.joined(separator: " ")),
                "config": .string(configuration.file),
                "server": .string(options.server?.description ?? "(none)"),
                // The source's description names a variable or file, never a command line or a value.
                "credential": .string(options.credential.map { "\($0.user) via \($0.password)" } ?? "(none)"),
            ])
        // The policy layers the configuration names are checked now, so a broken layer
        // is reported as such (66 or 78) rather than hidden behind "not available".
        let layers = PolicyLayerSelection.resolve(files: options.policies, environment: environment)
        if case .failure(let failure) = PolicyLayerLoader.load(layers.files) {
            let lines = failure.diagnostics.map(\.description)
            return CommandResult(
                report: Report(
                    verb: "sendmail", exitCode: failure.status,
                    policy: Report.Policy(layers: layers.displayNames, effective: nil),
                    error: lines.joined(separator: "\n")),
                diagnostics: lines + ["postern sendmail: the policy cannot be used"])
        }
        return await submit(
            invocation: invocation, options: options, layers: layers, environment: environment, logger: logger)
    }

    /// Reads the message from stdin (up to a lone `.` line unless `-i`), takes the envelope from `-f`, the
    /// arguments and, with `-t`, the headers, and submits it with the configured server and credential.
    private static func submit(
        invocation: SendmailInvocation, options: ResolvedSendOptions, layers: PolicyLayerSelection,
        environment: [String: String], logger: Logger
    ) async -> CommandResult {
        guard let server = options.server else {
            let location = options.configurationFile.map { " in \($0)" } ?? ""
            return .failure(
                verb: "sendmail", status: .config,
                message: "postern sendmail: no submission server configured\(location) (set 'server')")
        }
        let inputs = SubmissionInputs(
            server: server, connect: options.connect, security: options.security, helo: options.helo,
            timeout: options.timeout, caFile: options.caFile, credential: options.credential, layers: layers,
            sign: options.sign, encrypt: options.encrypt,
            keys: SealKeyMaterial(
                smimeCertificateFile: options.smimeCert, smimeKeyFile: options.smimeKey,
                smimeCertificateDirectory: options.smimeCerts, caFile: options.caFile, gnupgHome: options.gnupgHome,
                pgpSigner: options.pgpSigner))
        let ignoreDots = invocation.ignoreDots
        return await SendVerb.run(
            verb: "sendmail", inputs: inputs, messageFiles: ["-"],
            overrides: OutgoingMessage.EnvelopeOverrides(
                sender: options.from, recipients: invocation.recipients,
                addHeaderRecipients: invocation.recipientsFromHeaders),
            transformInput: { ignoreDots ? $0 : SendmailInputTerminator.truncatedAtLoneDot($0) },
            environment: environment, logger: logger)
    }

    /// Exit 78 with every located diagnostic on stderr (and in the JSON report's error).
    private static func configurationFailure(_ error: ConfigurationError) -> CommandResult {
        let lines = error.diagnostics.map(\.description)
        let message =
            "postern sendmail: "
            + (lines.count == 1 ? lines[0] : "invalid configuration\n" + lines.joined(separator: "\n"))
        return CommandResult(
            report: .failure(verb: "sendmail", exitCode: error.exitStatus, message: message),
            diagnostics: lines.count == 1 ? [message] : ["postern sendmail: invalid configuration"] + lines)
    }

    /// What the sendmail command line says about the settings: only the sender.
    private static func overrides(from invocation: SendmailInvocation) -> SendOptionOverrides {
        var overrides = SendOptionOverrides()
        // -f <> (the null sender) is "" and must win over the configured sender.
        overrides.from = invocation.sender
        return overrides
    }
}
