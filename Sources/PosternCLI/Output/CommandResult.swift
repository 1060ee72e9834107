import Postern

/// What a verb produced: the report, the primary human text, and the diagnostics.
///
/// Verbs return this value and never print; ``OutputWriter`` decides what goes to
/// stdout and stderr for the chosen format.
struct CommandResult: Sendable {
    /// The report (printed as JSON with `--format json`); its exit code is the process's.
    var report: Report
    /// The primary output in text mode (stdout), such as an explanation.
    var text: String?
    /// Lines for stderr in both formats: located errors, summaries, failure messages.
    var diagnostics: [String]
    /// Raw octets for stdout in text mode (a protected message), written as they are
    /// after ``text``; never in JSON mode.
    var payload: [UInt8]?

    init(report: Report, text: String? = nil, diagnostics: [String] = [], payload: [UInt8]? = nil) {
        self.report = report
        self.text = text
        self.diagnostics = diagnostics
        self.payload = payload
    }

    /// A failure that is not a policy decision: the message on stderr and in `error`.
    static func failure(verb: String, status: ExitStatus, message: String) -> CommandResult {
        CommandResult(
            report: .failure(verb: verb, exitCode: status, message: message),
            diagnostics: [message]
        )
    }
}
