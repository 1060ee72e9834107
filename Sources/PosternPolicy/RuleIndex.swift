/// A prefilter that finds the rules that may apply to a send without matching every rule's
/// globs: rules whose condition uses only literal or `*.suffix`-shaped patterns are filed
/// under lookup keys; the rest are checked one by one.
///
/// - Important: The index only proposes candidates; every candidate is still confirmed
///   with ``CompiledPart/applies(to:host:)``. Its one duty is never to miss a rule, which
///   `RuleIndexTests` checks against the plain linear scan on random policies.
struct RuleIndex: Sendable {
    /// Rules checked on every send (no indexable condition).
    private(set) var linear: [Int] = []
    private var byServer: [String: [Int]] = [:]
    private var bySender: [String: [Int]] = [:]
    private var byRecipient: [String: [Int]] = [:]
    /// Rules filed by their `recipient-not` patterns: a rule applies unless EVERY recipient matches.
    private var byRecipientNot: [String: [Int]] = [:]
    private var recipientNotRanks: [Int] = []
    /// Number of parts (ranks run from 0 to this, exclusive).
    private let partCount: Int

    init(parts: [CompiledPart], ruleRanks: [Int]) {
        partCount = parts.count
        for rank in ruleRanks {
            guard let condition = parts[rank].condition else {
                linear.append(rank)
                continue
            }
            if let keys = Self.keys(condition.server?.value) {
                Self.file(rank, under: keys, in: &byServer)
            } else if let keys = Self.keys(condition.sender?.value) {
                Self.file(rank, under: keys, in: &bySender)
            } else if let keys = Self.keys(condition.recipient?.value) {
                Self.file(rank, under: keys, in: &byRecipient)
            } else if let keys = Self.keys(condition.recipientNot?.value) {
                Self.file(rank, under: keys, in: &byRecipientNot)
                recipientNotRanks.append(rank)
            } else {
                linear.append(rank)
            }
        }
    }

    /// Ranks of every rule that may apply, ascending (a superset of those that do).
    /// Flat arrays indexed by rank rather than sets: the lookups can touch every rule.
    func candidates(for context: SendContext, host: String?) -> [Int] {
        var flagged = [Bool](repeating: false, count: partCount)
        for rank in linear { flagged[rank] = true }
        func flag(_ ranks: [Int]?) {
            guard let ranks else { return }
            for rank in ranks { flagged[rank] = true }
        }
        if let host { for key in Self.subjectKeys(host: host) { flag(byServer[key]) } }
        if let sender = context.sender { for key in Self.subjectKeys(address: sender) { flag(bySender[key]) } }
        var matchedRecipients = [Int32](repeating: 0, count: recipientNotRanks.isEmpty ? 0 : partCount)
        var lastRecipient = [Int32](repeating: -1, count: recipientNotRanks.isEmpty ? 0 : partCount)
        for (position, recipient) in context.recipients.enumerated() {
            for key in Self.subjectKeys(address: recipient) {
                flag(byRecipient[key])
                guard !recipientNotRanks.isEmpty, let ranks = byRecipientNot[key] else { continue }
                // Count each recipient once per rule, however many of its keys hit the rule.
                for rank in ranks where lastRecipient[rank] != Int32(truncatingIfNeeded: position) {
                    lastRecipient[rank] = Int32(truncatingIfNeeded: position)
                    matchedRecipients[rank] += 1
                }
            }
        }
        for rank in recipientNotRanks where Int(matchedRecipients[rank]) < context.recipients.count {
            flagged[rank] = true
        }
        return flagged.indices.filter { flagged[$0] }
    }

    private static func file(_ rank: Int, under keys: [String], in table: inout [String: [Int]]) {
        for key in Set(keys) { table[key, default: []].append(rank) }
    }

    /// Lookup keys for a pattern list, or nil when some pattern is not indexable.
    static func keys(_ list: GlobList?) -> [String]? {
        guard let list, !list.globs.isEmpty else { return nil }
        var keys: [String] = []
        for glob in list.globs {
            guard let key = key(of: glob) else { return nil }
            keys.append(key)
        }
        return keys
    }

    /// `a:ADDRESS` for a literal address, `d:DOMAIN` for a literal domain or `*@DOMAIN`,
    /// `s:SUFFIX` for `*.SUFFIX` or `*@*.SUFFIX`; nil for any other shape.
    static func key(of glob: Glob) -> String? {
        let pattern = asciiLowercased(glob.pattern)
        func literal(_ text: Substring) -> Bool { !text.isEmpty && !text.contains("*") }
        func domainKey(_ domain: Substring) -> String? {
            if literal(domain) { return "d:" + domain }
            if domain.hasPrefix("*."), literal(domain.dropFirst(2)) { return "s:" + domain.dropFirst(2) }
            return nil
        }
        if glob.isAddressPattern {
            guard let at = pattern.lastIndex(of: "@") else { return nil }
            let local = pattern[..<at]
            let domain = pattern[pattern.index(after: at)...]
            if literal(local) && literal(domain) { return "a:" + pattern }
            return local == "*" ? domainKey(domain) : nil
        }
        return domainKey(pattern[...])
    }

    /// Keys under which a pattern matching this address is filed.
    static func subjectKeys(address: String) -> [String] {
        let lower = asciiLowercased(address)
        var keys = ["a:" + lower]
        if let at = lower.lastIndex(of: "@") { keys += domainKeys(lower[lower.index(after: at)...]) }
        return keys
    }

    /// Keys under which a pattern matching this host is filed.
    static func subjectKeys(host: String) -> [String] { domainKeys(asciiLowercased(host)[...]) }

    private static func domainKeys(_ domain: Substring) -> [String] {
        var keys = ["d:" + domain]
        var rest = domain[...]
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            keys.append("s:" + rest)
        }
        return keys
    }

    /// Lower-cases ASCII letters only, exactly as glob matching folds case.
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map(asciiLower), as: UTF8.self)
    }
}
