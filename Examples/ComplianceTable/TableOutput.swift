import Foundation
import Postern

/// `NSNull`, named so the JSON dictionaries read as what they mean.
enum NSNullValue {
    static let null = NSNull()
}

/// Renders the rows as an aligned text table or as one JSON object.
enum TableOutput {
    /// Columns wider than this are not padded further, so one long address does not push
    /// every other row off the screen.
    static let maximumColumnWidth = 44

    static func text(_ rows: [ComplianceRow]) -> String {
        let header = ["FILE", "FROM", "RECIPIENTS", "DECISION", "PROTECTION"]
        let cells = rows.map { row in
            [
                row.file, row.from ?? "-", row.recipients.isEmpty ? "-" : row.recipients.joined(separator: ","),
                row.verdict, row.protectionSummary,
            ]
        }
        var widths = header.map(\.count)
        for line in cells {
            for (column, cell) in line.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        widths = widths.map { min($0, maximumColumnWidth) }
        func render(_ line: [String]) -> String {
            line.enumerated().map { column, cell in
                column == line.count - 1
                    ? cell : cell.padding(toLength: max(widths[column], cell.count), withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var out = [render(header)]
        for (row, line) in zip(rows, cells) {
            out.append(render(line))
            out += row.reasons.map { "    - " + $0 }
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func summary(_ rows: [ComplianceRow], exitStatus: ExitStatus) -> String {
        let allowed = rows.filter { $0.verdict == "allow" }.count
        let denied = rows.filter { $0.verdict == "deny" }.count
        return
            "\(rows.count) messages: \(allowed) allowed, \(denied) refused, \(rows.count - allowed - denied) not evaluable"
            + " (exit \(exitStatus.rawValue))\n"
    }

    static func json(
        folder: String, layers: [String], server: String?, rows: [ComplianceRow], exitStatus: ExitStatus,
        error: String?
    ) -> String {
        let allowed = rows.filter { $0.verdict == "allow" }.count
        let denied = rows.filter { $0.verdict == "deny" }.count
        let object: [String: Any] = [
            "compliance-table": 1,
            "folder": folder,
            "policy": ["layers": layers],
            "server": server ?? NSNullValue.null,
            "files": rows.map(\.json),
            "summary": [
                "files": rows.count, "allowed": allowed, "denied": denied, "errors": rows.count - allowed - denied,
            ],
            "exit-code": Int(exitStatus.rawValue),
            "error": error ?? NSNullValue.null,
        ]
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8)
        else {
            return #"{"compliance-table":1,"error":"the report could not be encoded","exit-code":70}"#
        }
        return text + "\n"
    }
}
