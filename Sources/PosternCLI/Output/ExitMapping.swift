import ArgumentParser
import Postern

/// The one place where outcomes become process exit codes.
enum ExitMapping {
    /// The ArgumentParser exit code for a Postern status.
    static func exitCode(for status: ExitStatus) -> ExitCode {
        ExitCode(status.rawValue)
    }

    /// The status for an error ArgumentParser raised while parsing or validating:
    /// help and version requests are 0; an explicit `ExitCode` keeps its value;
    /// everything else is a bad command line, 64.
    static func status(forParseError error: any Error, of command: any ParsableCommand.Type) -> ExitStatus {
        if let exit = error as? ExitCode {
            return ExitStatus(rawValue: exit.rawValue)
        }
        if command.exitCode(for: error) == .success {
            return .ok
        }
        return .usage
    }
}
