import PosternPolicy

/// The policy's verdict on a planned seal, with the key lookup's reasons added.
enum SealViolations {
    /// Evaluates the `policy`, `envelope` and `protection` checkpoints and merges the
    /// violations (a conflict is reported by two checkpoints; it is listed once).
    ///
    /// The policy engine names each recipient without a usable key; the reason the
    /// lookup found (no certificate, expired, too weak…) is appended to its message.
    static func evaluate(
        _ resolved: ResolvedPolicy, facts: Facts, findings: [SealKeyFinding], signerProblem: String?
    ) -> [Report.Violation] {
        var seen = Set<Violation>()
        var merged: [Violation] = []
        for stage in [Stage.policy, .envelope, .protection] {
            if case .deny(let found) = resolved.evaluate(stage, facts: facts) {
                for violation in found where seen.insert(violation).inserted { merged.append(violation) }
            }
        }
        // The engine lists missing keys, then invalid ones, each in the order of the facts.
        var missing = findings.filter { $0.code != SealKeyFinding.invalid }.makeIterator()
        var invalid = findings.filter { $0.code == SealKeyFinding.invalid }.makeIterator()
        return merged.map { violation in
            var entry = Report.Violation(violation)
            switch violation.code {
            case .recipientKeyMissing:
                if let finding = missing.next() { entry.message += ": \(finding.reason)" }
            case .recipientKeyInvalid where violation.message.contains("recipient"):
                if let finding = invalid.next() { entry.message += ": \(finding.reason)" }
            case .signingKeyMissing:
                if let signerProblem { entry.message += ": \(signerProblem)" }
            default:
                break
            }
            return entry
        }
    }
}
