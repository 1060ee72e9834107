import Foundation
import Postern

/// Writes a ``CommandResult`` to stdout and stderr for the chosen format.
///
/// With `json`, stdout gets exactly one JSON object and nothing else; every human
/// line goes to stderr. With `text`, stdout gets the verb's primary text, if any.
enum OutputWriter {
    static func write(_ result: CommandResult, format: OutputFormat) {
        for line in result.diagnostics {
            writeStandardError(line + "\n")
        }
        switch format {
        case .json:
            writeStandardOutput(jsonText(of: result.report) + "\n")
        case .text:
            if let text = result.text {
                writeStandardOutput(text.hasSuffix("\n") || text.isEmpty ? text : text + "\n")
            }
            if let payload = result.payload {
                try? FileHandle.standardOutput.write(contentsOf: Data(payload))
            }
        }
    }

    /// The report as JSON; a report that cannot be encoded (a non-finite number in
    /// the effective policy) degrades to a minimal error report rather than to nothing.
    static func jsonText(of report: Report) -> String {
        if let data = try? report.jsonData(), let text = String(data: data, encoding: .utf8) {
            return text
        }
        let fallback = Report.failure(
            verb: report.verb, exitCode: report.exitCode, message: "the report could not be encoded")
        if let data = try? fallback.jsonData(), let text = String(data: data, encoding: .utf8) {
            return text
        }
        return #"{"postern-report":1,"decision":"error"}"#
    }

    // A closed pipe must not crash the process: the exit status still tells the caller.
    static func writeStandardOutput(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
    }

    static func writeStandardError(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
