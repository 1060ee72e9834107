import ArgumentParser
import Postern

/// The one place where outcomes become process exit codes.
enum ExitMapping {
    /// The ArgumentParser exit code for a Postern status.
    static func exitCode(for status: ExitStatus) -> ExitCode {
        ExitCode(status.rawValue)
    }

    /// The status for an error ArgumentParser raised while parsing or validating:
    /// help and version requests are 0; an `ExitCode` thrown from a `validate()`
    /// keeps its value; everything else is a bad command line, 64.
    static func status(forParseError error: any Error, of command: any ParsableCommand.Type) -> ExitStatus {
        let code = command.exitCode(for: error)
        switch code {
        case .success: return .ok
        case .failure, .validationFailure: return .usage
        default: return ExitStatus(rawValue: code.rawValue)
        }
    }
}
