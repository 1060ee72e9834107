/// One part of a compiled policy: a layer's top level (which always applies) or one rule.
struct CompiledPart: Sendable {
    /// The rule name, or the policy name for a layer's top level.
    let name: String
    /// The policy the part belongs to.
    let policyName: String
    /// The file the part came from.
    let file: String
    /// Whether the part is a rule (as opposed to a layer's top level).
    let isRule: Bool
    /// Where the part starts.
    let location: SourceLocation
    /// The condition; nil for a layer's top level.
    let condition: RuleCondition?
    /// The part's requirements as stated (with baseline defaults for a top level).
    let source: PolicyRequirements
    /// Fields a top level did not state and took from the baseline.
    let defaulted: Set<PolicyField>
    /// The part's lattice element.
    let requirements: Requirements
    /// `envelope.senders`, `recipients.allow` and `recipients.deny` as stated, kept apart
    /// from `source` so the envelope checks read them without copying the whole statement.
    let senders: GlobList?
    let recipientsAllow: GlobList?
    let recipientsDeny: GlobList?

    /// `FILE:LINE` for `field`, falling back to the part's own location.
    func source(of field: PolicyField) -> String {
        (source.location(of: field) ?? location).description
    }

    /// Whether the rule applies to the context. A condition on the server or sender does not
    /// hold when the context does not name one; `recipient` holds when ANY recipient
    /// matches; `recipient-not` holds when ANY recipient matches none of its patterns.
    func applies(to context: SendContext, host: String?) -> Bool {
        guard let condition else { return true }
        if let server = condition.server?.value {
            guard let host, server.matches(host: host) else { return false }
        }
        if let sender = condition.sender?.value {
            guard let address = context.sender, sender.matches(address: address) else { return false }
        }
        if let recipient = condition.recipient?.value {
            guard context.recipients.contains(where: { recipient.matches(address: $0) }) else { return false }
        }
        if let recipientNot = condition.recipientNot?.value {
            guard context.recipients.contains(where: { !recipientNot.matches(address: $0) }) else { return false }
        }
        return true
    }
}

/// Policy layers compiled into a value that answers, for any send, what is required and
/// why. Layers and the rules that match combine by meet (tighten-only, CONTRACT §3.1).
///
/// Every field is a lattice (see `Lattice.swift`): sets intersect, bounds take the stricter
/// value, `sign`/`encrypt` take the stricter level with a conflict element, pins and
/// envelope lists accumulate (each must be satisfied). The meet is commutative, associative
/// and idempotent; the one order-dependent output, a list's preference order, is taken from
/// the lowest-ranked part that states the list (layer order, then the top level before its
/// rules), which is "the first layer that states it" of CONTRACT §3.1. A layer's top level
/// takes the baseline value for every field it leaves unstated, so an omission never loosens.
///
/// - Important: Compiling no layers at all yields the built-in baseline, never an empty
///   (allow-everything) policy. A rule can only tighten: `certificate: pin-only` in a rule
///   adds the leaf-pin demand but cannot drop chain verification demanded by a top level.
public struct CompiledPolicy: Sendable {
    /// Every part, in rank order: each layer's top level, then its rules, layer by layer.
    let parts: [CompiledPart]
    /// Indices into `parts` of the rules (conditional parts).
    let ruleRanks: [Int]
    /// The meet of every layer's top level, which applies to every send.
    let base: Requirements
    /// Finds the rules that may apply without matching every rule.
    let index: RuleIndex
    /// The layer documents, in the order given.
    public let layers: [PolicyDocument]

    /// The files of the layers, in the order given (CONTRACT §5 `policy.layers`).
    public var layerFiles: [String] { layers.map(\.file) }

    /// Compiles layers; an empty list compiles the built-in baseline.
    public init(layers: [PolicyDocument]) {
        let documents = layers.isEmpty ? [PolicyLoader.baseline] : layers
        var parts: [CompiledPart] = []
        var ruleRanks: [Int] = []
        var base = Requirements.unstated
        for document in documents {
            let (filled, defaulted) = document.requirements.fillingDefaults(at: document.location)
            let top = CompiledPart(
                name: document.name, policyName: document.name, file: document.file, isRule: false,
                location: document.location, condition: nil, source: filled, defaulted: defaulted,
                requirements: Requirements(stated: filled, rank: parts.count),
                senders: filled.envelope.senders?.value, recipientsAllow: filled.envelope.recipientsAllow?.value,
                recipientsDeny: filled.envelope.recipientsDeny?.value)
            base = base.meet(top.requirements)
            parts.append(top)
            for rule in document.rules {
                ruleRanks.append(parts.count)
                parts.append(
                    CompiledPart(
                        name: rule.name, policyName: document.name, file: document.file, isRule: true,
                        location: rule.location, condition: rule.condition, source: rule.requirements, defaulted: [],
                        requirements: Requirements(stated: rule.requirements, rank: parts.count),
                        senders: rule.requirements.envelope.senders?.value,
                        recipientsAllow: rule.requirements.envelope.recipientsAllow?.value,
                        recipientsDeny: rule.requirements.envelope.recipientsDeny?.value))
            }
        }
        self.parts = parts
        self.ruleRanks = ruleRanks
        self.base = base
        self.layers = documents
        index = RuleIndex(parts: parts, ruleRanks: ruleRanks)
    }

    /// The requirements for one send: the layers' top levels met with every rule that applies.
    ///
    /// Matches rules through the index over the addresses' UTF-8 bytes and meets them in
    /// place; it allocates only when a matching rule states pins or envelope lists.
    public func resolve(_ context: SendContext) -> ResolvedPolicy {
        ResolvedPolicy(parts: parts, requirements: requirements(for: context), context: context)
    }

    /// The meet of the base with every rule that applies to the send.
    func requirements(for context: SendContext) -> Requirements {
        var requirements = base
        // Rules stating a rank set (pins, senders, recipients) are merged in after the loop,
        // once per set, rather than by one array merge per rule.
        var rankSetRules: [Int] = []
        parts.withUnsafeBufferPointer { parts in
            // Each part's requirements are read where they lie (through the stored property's
            // offset), not copied; without a base address there are no parts and no rules.
            guard let base = parts.baseAddress.map(UnsafeRawPointer.init),
                let offset = MemoryLayout<CompiledPart>.offset(of: \.requirements)
            else { return }
            index.forEachApplicable(context, host: context.serverHost, parts: self.parts) { rank in
                let stated = (base + rank * MemoryLayout<CompiledPart>.stride + offset)
                    .assumingMemoryBound(to: Requirements.self)
                requirements.formMeetOfBounds(stated)
                if stated.pointee.statesRankSets { rankSetRules.append(rank) }
            }
        }
        guard !rankSetRules.isEmpty else { return requirements }
        func stating(_ set: KeyPath<Requirements, RankSet>) -> [Int] {
            rankSetRules.filter { !parts[$0].requirements[keyPath: set].isEmpty }
        }
        requirements.pinParts = requirements.pinParts.adding(stating(\.pinParts))
        requirements.senderParts = requirements.senderParts.adding(stating(\.senderParts))
        requirements.recipientAllowParts = requirements.recipientAllowParts.adding(stating(\.recipientAllowParts))
        requirements.recipientDenyParts = requirements.recipientDenyParts.adding(stating(\.recipientDenyParts))
        return requirements
    }

    /// ``resolve(_:)`` by checking every rule, without the index (the reference the index is tested against).
    func resolveLinearly(_ context: SendContext) -> ResolvedPolicy {
        let host = context.serverHost
        var requirements = base
        for rank in ruleRanks where parts[rank].applies(to: context, host: host) {
            requirements = requirements.meet(parts[rank].requirements)
        }
        return ResolvedPolicy(parts: parts, requirements: requirements, context: context)
    }

    /// Ranks of the parts that apply to the context (top levels and matching rules), in order.
    func applicableRanks(_ context: SendContext) -> [Int] {
        let host = context.serverHost
        return parts.indices.filter { parts[$0].applies(to: context, host: host) }
    }
}

/// A compiled policy resolved for one send: what every checkpoint must check.
/// Cheap to evaluate repeatedly (see ``evaluate(_:facts:)``).
public struct ResolvedPolicy: Sendable {
    let parts: [CompiledPart]
    let requirements: Requirements
    /// The send this was resolved for.
    public let context: SendContext
}
