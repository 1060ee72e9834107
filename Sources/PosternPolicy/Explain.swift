import Foundation

/// Where an effective requirement came from.
public struct Provenance: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The rule name, or the policy name for a policy's top level.
    public let rule: String
    /// The policy (document `name`) it belongs to.
    public let policy: String
    /// Whether `rule` is a rule (false: a policy's top level).
    public let isRule: Bool
    /// `FILE:LINE`.
    public let source: String
    /// True when the policy did not state the field and the baseline default applied.
    public let isDefault: Bool

    /// `rule 'x' (file:line)`, `policy 'p' (file:line)`, with `default of` for defaults.
    public var description: String {
        let what = isRule ? "rule '\(rule)'" : "policy '\(rule)'"
        return (isDefault ? "default of \(what)" : what) + " (\(source))"
    }

    var json: JSONValue {
        .object([
            "rule": .string(rule), "policy": .string(policy), "source": .string(source),
            "default": .bool(isDefault),
        ])
    }
}

/// One effective requirement with its value and every part that stated it.
public struct ExplainedRequirement: Sendable, Hashable {
    /// The schema field.
    public let field: PolicyField
    /// The effective value after the meet.
    public let value: JSONValue
    /// Every applicable part that stated it, in rank order.
    public let sources: [Provenance]
}

/// What the policy requires for one send and why (the `explain` verb).
public struct Explanation: Sendable {
    /// The send explained.
    public let context: SendContext
    /// The layer files, in order.
    public let layers: [String]
    /// The rules that apply to this send, in order.
    public let appliedRules: [Provenance]
    /// Every effective requirement, in schema order.
    public let requirements: [ExplainedRequirement]
    /// Violations known without any network: conflicts, sender, recipients.
    public let violations: [Violation]

    /// The effective requirements as an ordered JSON object:
    /// `{"transport.security": {"value": [...], "from": [{rule, policy, source, default}]}, ...}`.
    public var effective: JSONValue {
        .object(
            requirements.map { requirement in
                JSONMember(
                    key: requirement.field.rawValue,
                    value: .object(["value": requirement.value, "from": .array(requirement.sources.map(\.json))]))
            })
    }

    /// The whole explanation as JSON (context, layers, applied rules, effective, violations).
    public var json: JSONValue {
        .object([
            "sender": context.sender.map(JSONValue.string) ?? .null,
            "recipients": .array(context.recipients.map(JSONValue.string)),
            "server": context.server.map(JSONValue.string) ?? .null,
            "layers": .array(layers.map(JSONValue.string)),
            "rules-applied": .array(appliedRules.map(\.json)),
            "effective": effective,
            "violations": .array(
                violations.map { violation in
                    .object([
                        "code": .string(violation.code.rawValue), "stage": .string(violation.stage.rawValue),
                        "rule": violation.rule.map(JSONValue.string) ?? .null,
                        "source": violation.source.map(JSONValue.string) ?? .null,
                        "message": .string(violation.message),
                    ])
                }),
        ])
    }

    /// Human-readable text: one line per requirement with its provenance.
    public func renderText() -> String {
        var lines: [String] = []
        lines.append("policy layers: " + layers.joined(separator: ", "))
        lines.append(
            "send: from \(context.sender ?? "(not given)") to "
                + (context.recipients.isEmpty ? "(none given)" : context.recipients.joined(separator: ", "))
                + " via \(context.server ?? "(no server given)")")
        lines.append(
            "rules applied: "
                + (appliedRules.isEmpty
                    ? "none" : appliedRules.map { "\($0.rule) (\($0.source))" }.joined(separator: ", ")))
        lines.append("effective requirements:")
        let width = requirements.map(\.field.rawValue.count).max() ?? 0
        for requirement in requirements {
            let label = requirement.field.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
            let from =
                requirement.sources.isEmpty
                ? "not stated" : requirement.sources.map(\.description).joined(separator: "; ")
            lines.append("  \(label)  \(Self.text(requirement.value))  <- \(from)")
        }
        if violations.isEmpty {
            lines.append("decision: allow (so far: transport and key checks happen when sending)")
        } else {
            lines.append("decision: deny")
            for violation in violations { lines.append("  " + violation.description) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "none"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return text
        case .array(let items): return "[" + items.map(text).joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}

extension CompiledPolicy {
    /// Explains the effective requirements for a send, with the provenance of each, and the
    /// violations that are known without any network (`policy-conflict`, `sender-not-allowed`,
    /// `recipient-not-allowed`).
    public func explain(for context: SendContext) -> Explanation {
        let resolved = resolve(context)
        let applicable = applicableRanks(context)
        let requirements = PolicyField.allCases.map { field in
            ExplainedRequirement(
                field: field, value: resolved.effectiveValue(of: field),
                sources: applicable.compactMap { rank -> Provenance? in
                    let part = parts[rank]
                    guard part.source.location(of: field) != nil else { return nil }
                    return Provenance(
                        rule: part.name, policy: part.policyName, isRule: part.isRule, source: part.source(of: field),
                        isDefault: part.defaulted.contains(field))
                })
        }
        let appliedRules = applicable.filter { parts[$0].isRule }.map { rank in
            Provenance(
                rule: parts[rank].name, policy: parts[rank].policyName, isRule: true,
                source: parts[rank].location.description, isDefault: false)
        }
        return Explanation(
            context: context, layers: layerFiles, appliedRules: appliedRules, requirements: requirements,
            violations: resolved.evaluate(.policy, facts: Facts()).violations)
    }
}

extension ResolvedPolicy {
    /// The effective value of one field as JSON.
    func effectiveValue(of field: PolicyField) -> JSONValue {
        func list<C: PolicyChoice>(_ values: [C]) -> JSONValue { .array(values.map { .string($0.rawValue) }) }
        func globSets(_ ranks: RankSet, _ keyPath: KeyPath<EnvelopeRequirements, Located<GlobList>?>) -> JSONValue {
            if ranks.isEmpty { return .null }
            return .array(
                ranks.ranks.map { rank in
                    .array(
                        (parts[rank].source.envelope[keyPath: keyPath]?.value.globs ?? []).map { .string($0.pattern) })
                })
        }
        let r = requirements
        switch field {
        case .security: return list(allowedSecurityModes)
        case .minTLS: return .string(r.minimumTLS.rawValue)
        case .certificate:
            var demands: [CertificateDemand] = []
            if r.verifiesChain { demands.append(.verify) }
            if r.pinsLeafOnly { demands.append(.pinOnly) }
            return list(demands)
        case .pins: return .array(pinSets.map { .array($0.map { .string($0.description) }) })
        case .requirePin: return .bool(r.starttlsRequiresPin)
        case .authMechanisms: return list(allowedAuthMechanisms)
        case .overPlaintext: return .string(r.authOverPlaintextAllowed ? "allow" : "refuse")
        case .sign: return .string(r.signLevel.rawValue)
        case .encrypt: return .string(r.encryptLevel.rawValue)
        case .formats: return list(allowedFormats)
        case .smimeCipher: return list(allowedSMIMECiphers)
        case .smimeDigest: return list(allowedSMIMEDigests)
        case .minRSABits: return .int(minimumRSABits)
        case .maxSize: return maximumMessageSize.map { .int(Int(clamping: $0)) } ?? .null
        case .senders: return globSets(r.senderParts, \.senders)
        case .recipientsAllow: return globSets(r.recipientAllowParts, \.recipientsAllow)
        case .recipientsDeny: return globSets(r.recipientDenyParts, \.recipientsDeny)
        }
    }
}
