import Foundation
import Postern

/// One line of the table: a file and the evaluator's decision on it.
struct ComplianceRow {
    var file: String
    var decision: ComplianceDecision?
    /// Set when the file could not be read (the decision is then `nil`).
    var readError: String?

    var from: String? { decision?.envelope?.sender }
    var recipients: [String] { decision?.envelope?.recipients ?? [] }
    var bcc: [String] { decision?.envelope?.bccRecipients ?? [] }
    var verdict: String { decision?.decision.rawValue ?? "error" }
    var exitStatus: ExitStatus { decision?.exitStatus ?? .noInput }
    var error: String? { readError ?? decision?.inputError?.description }

    /// `sign:smime, encrypt:smime`, or `-`.
    var protectionSummary: String {
        let parts = decision?.protection.map { "\($0.operation.rawValue):\($0.format.rawValue)" } ?? []
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }

    /// Every reason, one per line: the protection with its rule, then each violation, then an error.
    var reasons: [String] {
        var lines = decision?.protection.map(\.description) ?? []
        lines += decision?.violations.map(\.description) ?? []
        if let error { lines.append("error: \(error)") }
        return lines
    }

    /// The row as a JSON object; every key present, `null` where it does not apply.
    var json: [String: Any] {
        [
            "file": file,
            "from": from ?? NSNullValue.null,
            "recipients": recipients,
            "bcc": bcc,
            "decision": verdict,
            "exit-code": Int(exitStatus.rawValue),
            "protection": (decision?.protection ?? []).map { protection -> [String: Any] in
                [
                    "operation": protection.operation.rawValue, "format": protection.format.rawValue,
                    "basis": protection.basis.rawValue, "rule": protection.rule ?? NSNullValue.null,
                    "source": protection.source ?? NSNullValue.null, "summary": protection.description,
                ]
            },
            "violations": (decision?.violations ?? []).map { violation -> [String: Any] in
                [
                    "code": violation.code.rawValue, "stage": violation.stage.rawValue,
                    "rule": violation.rule ?? NSNullValue.null, "source": violation.source ?? NSNullValue.null,
                    "message": violation.message,
                ]
            },
            "error": error ?? NSNullValue.null,
        ]
    }
}
