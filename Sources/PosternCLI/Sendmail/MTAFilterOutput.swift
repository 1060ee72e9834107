import Postern

/// The lines `postern sendmail --mta-filter` writes: nothing on success; otherwise a first line that begins with
/// the RFC 3463 code (pipe(8) reads it and lets it take precedence over the exit status), then a few lines of
/// detail. pipe(8) keeps only a limited amount of output for its log and the bounce, so this stays short.
///
/// Pure.
///
/// - Important: Never a secret: the text comes from violation messages and error texts, which never hold one.
enum MTAFilterOutput {
    /// At most this many lines, each at most ``maximumLineLength`` characters.
    static let maximumLines = 5
    /// At most this many characters per line (a long one is cut and ends with `…`).
    static let maximumLineLength = 300

    static func lines(status: MTAFilterStatus, report: Report) -> [String] {
        guard let code = status.enhancedCode else { return [] }
        var details: [String] = []
        for violation in report.violations {
            var line = "\(violation.code): \(violation.message)"
            let provenance = [violation.rule.map { "rule \($0)" }, violation.source].compactMap { $0 }
            if !provenance.isEmpty { line += " (\(provenance.joined(separator: ", ")))" }
            details.append(line)
        }
        if details.isEmpty, let error = report.error {
            details = error.split(separator: "\n").map { line in
                var text = Substring(line)
                for prefix in ["postern sendmail: ", "postern send: "] where text.hasPrefix(prefix) {
                    text = text.dropFirst(prefix.count)
                }
                return String(text)
            }
        }
        if details.isEmpty { details = ["exit \(report.exitCode.rawValue) (\(report.exitCode))"] }
        let what =
            switch status.exitStatus {
            case .noPerm: "policy denied"
            case .dataErr: "malformed message"
            case .unavailable: "refused by the submission server"
            default: "deferred"
            }
        var lines = ["\(code) postern: \(what): \(details[0])"]
        let rest = details.dropFirst()
        let room = maximumLines - 1
        if rest.count > room {
            lines += rest.prefix(room - 1).map { "postern: \($0)" }
            lines.append("postern: … \(rest.count - (room - 1)) more")
        } else {
            lines += rest.map { "postern: \($0)" }
        }
        return lines.map(clean)
    }

    /// One line: control characters replaced, cut to ``maximumLineLength``.
    private static func clean(_ line: String) -> String {
        let visible = String(
            String.UnicodeScalarView(line.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : $0 }))
        return visible.count > maximumLineLength ? String(visible.prefix(maximumLineLength - 1)) + "…" : visible
    }
}
