import ArgumentParser
import Foundation
import Logging
import Postern

/// The `postern` process entry: argv[0] dispatch, the sendmail verb, parsing, and
/// the mapping of every parse failure to exit status 64.
public enum PosternMain {
    /// Sends swift-log output to stderr; call once, before ``run(arguments:)``.
    public static func bootstrapLogging() {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }

    /// Runs `postern` with the full argv (including argv[0]) and returns the exit status.
    ///
    /// A binary invoked as `sendmail` behaves as `postern sendmail`.
    public static func run(arguments: [String]) async -> Int32 {
        let invokedAs = (arguments.first ?? "postern").split(separator: "/").last.map(String.init) ?? "postern"
        var rest = Array(arguments.dropFirst())
        if invokedAs == "sendmail" {
            rest.insert("sendmail", at: 0)
        }
        if rest.first == "sendmail" {
            return await SendmailRunner.run(arguments: Array(rest.dropFirst()), environment: ProcessEnvironment.current)
                .rawValue
        }
        if RawArguments.passesPasswordValue(rest) {
            return usageFailure(
                rest,
                message: "postern: a password is never taken from the command line; "
                    + "use --password-env VAR, --password-file FILE or --password-command CMD",
                usage: nil)
        }
        do {
            var command = try PosternCommand.parseAsRoot(rest)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return ExitStatus.ok.rawValue
        } catch let exit as ExitCode {
            // Thrown by a verb after it printed its result.
            return exit.rawValue
        } catch {
            let status = ExitMapping.status(forParseError: error, of: PosternCommand.self)
            let text = PosternCommand.fullMessage(for: error)
            if status == .ok {
                OutputWriter.writeStandardOutput(text + "\n")
                return status.rawValue
            }
            return usageFailure(rest, message: PosternCommand.message(for: error), usage: text, status: status)
        }
    }

    /// Reports a bad command line: full text on stderr, and with `--format json` a
    /// report on stdout. Returns the status (64 unless told otherwise).
    private static func usageFailure(
        _ arguments: [String], message: String, usage: String?, status: ExitStatus = .usage
    ) -> Int32 {
        let verb = RawArguments.verb(arguments)
        OutputWriter.writeStandardError((usage ?? message) + "\n")
        if RawArguments.requestsJSON(arguments) {
            let report = Report.failure(verb: verb, exitCode: status, message: message)
            OutputWriter.writeStandardOutput(OutputWriter.jsonText(of: report) + "\n")
        }
        return status.rawValue
    }
}
