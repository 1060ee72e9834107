import Foundation
import Logging
import Postern

/// Runs the `sendmail` verb from raw arguments; returns the process exit status.
enum SendmailRunner {
    static let usage = """
        usage: postern sendmail [-t] [-i|-oi] [-f ADDR] [-F NAME] [-C FILE] [-v] [--format text|json] [ADDR…]
               (also when the binary is invoked as 'sendmail')
        Accepted and ignored for compatibility: -o* (except -oi), -bm, -B TYPE, -N DSN, -R RET,
        -V ENVID, -L TAG, -h HOPS, -A*, -e*, -m, -n, -U, -G.
        Configuration: -C FILE, else $POSTERN_CONFIG, else ~/.config/postern/config.yaml,
        else /etc/postern/config.yaml.
        """

    static func run(arguments: [String], environment: [String: String]) -> ExitStatus {
        let invocation: SendmailInvocation
        do {
            invocation = try SendmailArgumentParser.parse(arguments)
        } catch {
            let status: ExitStatus = error.isDataError ? .dataErr : .usage
            let message = "postern sendmail: \(error.message)"
            let result = CommandResult.failure(verb: "sendmail", status: status, message: message)
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
        var logger = Logger(label: "postern")
        logger.logLevel = invocation.verbose ? .debug : .notice
        let candidates = SendmailConfigLocator.candidates(explicit: invocation.configFile, environment: environment)
        let found = candidates.first { FileManager.default.isReadableFile(atPath: $0) }
        logger.debug(
            "postern sendmail: options",
            metadata: [
                "recipients": .string(invocation.recipients.joined(separator: ",")),
                "from-headers": .string(invocation.recipientsFromHeaders ? "yes" : "no"),
                "ignore-dots": .string(invocation.ignoreDots ? "yes" : "no"),
                "sender": .string(invocation.sender ?? "(from From:)"),
                "ignored": .string(invocation.ignoredFlags.joined(separator: " ")),
                "config": .string(found ?? "none of \(candidates.joined(separator: ", "))"),
            ])
        let result = CommandResult.notAvailable(verb: "sendmail")
        OutputWriter.write(result, format: invocation.format)
        return result.report.exitCode
    }
}
