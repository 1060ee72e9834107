import Postern

/// Renders the human-readable lines of a report for stderr.
enum ReportTextRenderer {
    /// One line per violation: `postern VERB: deny: CODE [STAGE] MESSAGE (rule R, FILE:LINE)`.
    static func violationLines(of report: Report) -> [String] {
        report.violations.map { violation in
            var line =
                "postern \(report.verb): \(report.decision): \(violation.code) [\(violation.stage)] \(violation.message)"
            let provenance = [violation.rule.map { "rule \($0)" }, violation.source].compactMap { $0 }
            if !provenance.isEmpty {
                line += " (\(provenance.joined(separator: ", ")))"
            }
            return line
        }
    }
}
