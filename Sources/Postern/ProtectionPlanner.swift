import PosternPolicy

/// Works out which protection a message will get from the resolved policy and the caller's
/// request, with the provenance of each requirement. Pure.
struct ProtectionPlanner {
    let resolved: ResolvedPolicy
    let explanation: Explanation
    let request: PolicyEvaluator.EvaluationRequest

    /// Signing first, then encryption; an operation that will not happen is left out.
    func plan() -> [ProtectionRequirement] {
        // Asking with nothing requested makes the engine name the part that requires each
        // protection (`signing-required` / `encryption-required` carry its rule and file:line).
        let demands = resolved.evaluate(.protection, facts: Facts()).violations
        var result: [ProtectionRequirement] = []
        if let sign = requirement(
            .sign, level: resolved.signLevel, requested: request.requestedSign, other: request.requestedEncrypt,
            field: .sign, demand: demands.first { $0.code == .signingRequired })
        {
            result.append(sign)
        }
        if let encrypt = requirement(
            .encrypt, level: resolved.encryptLevel, requested: request.requestedEncrypt, other: request.requestedSign,
            field: .encrypt, demand: demands.first { $0.code == .encryptionRequired })
        {
            result.append(encrypt)
        }
        return result
    }

    private func requirement(
        _ operation: ProtectionRequirement.Operation, level: EffectiveLevel, requested: ProtectionFormat?,
        other: ProtectionFormat?, field: PolicyField, demand: Violation?
    ) -> ProtectionRequirement? {
        let allowed = resolved.allowedFormats
        switch level {
        case .required:
            // The caller's format, else the one the other operation uses (one message is not
            // signed with S/MIME and encrypted with OpenPGP), else the policy's preference.
            // No allowed format is a `policy-conflict` the evaluator already reports.
            guard let format = requested ?? other.flatMap({ allowed.contains($0) ? $0 : nil }) ?? allowed.first
            else { return nil }
            return ProtectionRequirement(
                operation: operation, format: format, basis: .required, rule: demand?.rule, source: demand?.source,
                isRule: isRule(demand, field: field))
        case .optional:
            guard let requested, allowed.contains(requested) else { return nil }
            return ProtectionRequirement(
                operation: operation, format: requested, basis: .requested, rule: nil, source: nil)
        case .forbidden, .conflict:
            return nil
        }
    }

    /// Whether the part blamed for a demand is a rule: the explanation's provenance for the
    /// field says so for the part with the same name and `file:line`.
    private func isRule(_ demand: Violation?, field: PolicyField) -> Bool {
        guard let demand, let rule = demand.rule else { return false }
        let sources = explanation.requirements.first { $0.field == field }?.sources ?? []
        return sources.contains { $0.rule == rule && $0.source == demand.source && $0.isRule }
    }
}
