/// A prefilter that finds the rules that may apply to a send without matching every rule's
/// globs: rules whose condition uses only literal or `*.suffix`-shaped patterns are filed
/// under lookup keys; the rest are checked one by one.
///
/// - Important: The index must give exactly the rules the plain linear scan gives
///   (`RuleIndexTests` and `FastResolveTests` check it on random policies and sends).
///   A candidate is confirmed with ``CompiledPart/applies(to:host:)`` unless its lookup is
///   exact: a condition on one field whose every pattern is literal or `*.suffix`-shaped,
///   for which a key hit IS a glob match (the domain of an address is the part after its
///   last `@`, and a pattern's literal part holds no `@` or `*`).
///
/// A class so that copying a ``CompiledPolicy`` retains one object, not each table.
final class RuleIndex: Sendable {
    /// Bitset over ranks of the rules checked on every send (no indexable condition).
    private let linearWords: [UInt64]
    /// Bitset over ranks of the rules whose index lookup is exact: a condition on one field
    /// whose patterns are all indexable. Their globs need not be matched again.
    private let exactWords: [UInt64]
    /// Ranks of the rules filed under `recipient-not`, by recipient-not rule number.
    private let recipientNotRanks: [Int32]
    private let table: IndexKeyTable

    init(parts: [CompiledPart], ruleRanks: [Int]) {
        let words = (parts.count + 63) / 64
        var linear = [UInt64](repeating: 0, count: words)
        var exact = [UInt64](repeating: 0, count: words)
        var recipientNotRanks: [Int32] = []
        var lists: [String: [[Int32]]] = [:]
        func file(_ value: Int32, under keys: [String], _ field: IndexedField) {
            for key in Set(keys) {
                lists[key, default: Array(repeating: [], count: IndexedField.allCases.count)][field.rawValue].append(
                    value)
            }
        }
        for rank in ruleRanks {
            guard let condition = parts[rank].condition else {
                linear[rank >> 6] |= 1 << UInt64(rank & 63)
                continue
            }
            let stated = [condition.server, condition.sender, condition.recipient, condition.recipientNot]
                .filter { $0 != nil }.count
            // An address pattern never matches a host (the schema rejects it under `server`;
            // a document built in code might not), so such a server list is not indexed.
            let server = condition.server?.value
            if let server, !server.globs.contains(where: \.isAddressPattern), let keys = Self.keys(server) {
                file(Int32(rank), under: keys, .server)
            } else if let keys = Self.keys(condition.sender?.value) {
                file(Int32(rank), under: keys, .sender)
            } else if let keys = Self.keys(condition.recipient?.value) {
                file(Int32(rank), under: keys, .recipient)
            } else if let keys = Self.keys(condition.recipientNot?.value) {
                file(Int32(recipientNotRanks.count), under: keys, .recipientNot)
                recipientNotRanks.append(Int32(rank))
            } else {
                linear[rank >> 6] |= 1 << UInt64(rank & 63)
                continue
            }
            if stated == 1 { exact[rank >> 6] |= 1 << UInt64(rank & 63) }
        }
        linearWords = linear
        exactWords = exact
        self.recipientNotRanks = recipientNotRanks
        table = IndexKeyTable(lists: lists, recipientNotCount: recipientNotRanks.count)
    }

    /// Calls `body` with the rank of every rule that applies to the send, ascending.
    ///
    /// Works on UTF-8 bytes and stack scratch (bitsets over ranks and recipient-not rules,
    /// see ``SendMatcher``). The standard library keeps scratch of up to 1 KiB on the stack
    /// (about 1,000 rules, a quarter of them `recipient-not`); beyond that, one allocation.
    func forEachApplicable(
        _ context: SendContext, host: String?, parts: [CompiledPart], _ body: (Int) -> Void
    ) {
        let partWords = linearWords.count
        let notCount = recipientNotRanks.count
        let notWords = (notCount + 63) / 64
        let capacity = SendMatcher.scratchWords(partWords: partWords, notWords: notWords)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: capacity) { scratch in
            // Never nil for a positive capacity; should it be, check every rule rather than none.
            guard let base = scratch.baseAddress else {
                return Self.forEachApplicableLinearly(context, host, parts, body)
            }
            let flagged = base
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: SendMatcher.dotScratchWords) { dotScratch in
                guard let dotBase = dotScratch.baseAddress else {
                    for word in 0..<partWords { flagged[word] = 0 }
                    return Self.forEachApplicableLinearly(context, host, parts, body)
                }
                table.withView { view in
                    var matcher = linearWords.withUnsafeBufferPointer { linear in
                        SendMatcher(
                            view: view, scratch: base, dotScratch: dotBase, linear: linear, notWords: notWords,
                            hasRecipients: !context.recipients.isEmpty)
                    }
                    if let host {
                        withBytes(of: host) { matcher.matchField($0, isAddress: false, .server, kinds: view.server) }
                    }
                    if let sender = context.sender {
                        withBytes(of: sender) { matcher.matchField($0, isAddress: true, .sender, kinds: view.sender) }
                    }
                    // A recipient-not rule applies unless EVERY recipient matches one of its
                    // patterns: intersect, over the recipients, the rules each one matches.
                    for recipient in context.recipients {
                        withBytes(of: recipient) { matcher.matchRecipient($0) }
                    }
                    guard notWords > 0 && !context.recipients.isEmpty else { return }
                    let anyCovered = matcher.anyCovered
                    let everyCovers = matcher.everyCovers
                    recipientNotRanks.withUnsafeBufferPointer { ranks in
                        for word in 0..<notWords {
                            var bits = anyCovered ? ~everyCovers[word] : ~0
                            if word == notWords - 1 && notCount & 63 != 0 {
                                bits &= (1 << UInt64(notCount & 63)) - 1
                            }
                            while bits != 0 {
                                let rank = Int(ranks[word << 6 | bits.trailingZeroBitCount])
                                bits &= bits - 1
                                flagged[rank >> 6] |= 1 << UInt64(rank & 63)
                            }
                        }
                    }
                }
            }
            exactWords.withUnsafeBufferPointer { exact in
                for word in 0..<partWords {
                    var bits = flagged[word]
                    while bits != 0 {
                        let bit = bits.trailingZeroBitCount
                        bits &= bits - 1
                        let rank = word << 6 | bit
                        if exact[word] & (1 << UInt64(bit)) != 0 || parts[rank].applies(to: context, host: host) {
                            body(rank)
                        }
                    }
                }
            }
        }
    }

    /// Every rule that applies, by matching each rule's globs (the fallback when no scratch).
    private static func forEachApplicableLinearly(
        _ context: SendContext, _ host: String?, _ parts: [CompiledPart], _ body: (Int) -> Void
    ) {
        for rank in parts.indices where parts[rank].isRule && parts[rank].applies(to: context, host: host) {
            body(rank)
        }
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
