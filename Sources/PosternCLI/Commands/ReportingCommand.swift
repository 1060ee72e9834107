import ArgumentParser
import Logging
import Postern

/// A verb that computes a ``CommandResult`` and lets ``OutputWriter`` print it.
///
/// Keeps every verb's `run()` identical: build the logger, execute, write the result
/// in the chosen format, exit with the report's status.
protocol ReportingCommand: AsyncParsableCommand {
    /// `--format` and `--verbose`.
    var output: OutputOptions { get }
    /// Does the verb's work and describes the outcome; never prints, never exits.
    func execute(logger: Logger) async -> CommandResult
}

extension ReportingCommand {
    mutating func run() async throws {
        var logger = Logger(label: "postern")
        logger.logLevel = output.verbose ? .debug : .notice
        let result = await execute(logger: logger)
        OutputWriter.write(result, format: output.format)
        let status = result.report.exitCode
        if status != .ok {
            throw ExitMapping.exitCode(for: status)
        }
    }
}
