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
                lists[key, default: Array(repeating: [], count: IndexedField.allCases.count)][field.rawValue].append(value)
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
    /// Works on UTF-8 bytes and stack scratch (bitsets over ranks and recipient-not rules),
    /// so it does not allocate for policies of a few thousand rules.
    func forEachApplicable(
        _ context: SendContext, host: String?, parts: [CompiledPart], _ body: (Int) -> Void
    ) {
        let partWords = linearWords.count
        let notCount = recipientNotRanks.count
        let notWords = (notCount + 63) / 64
        // Scratch: flagged ranks, the running intersection, this recipient's covers, those of
        // its domain keys, and a small cache of recent domains (text, length, covers) so that
        // recipients sharing a domain hash and look it up once.
        let cacheWords = Self.cachedDomains * (notWords + Self.cachedDomainBytes / 8 + 1)
        let capacity = partWords + 3 * notWords + cacheWords + 1
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: capacity) { scratch in
            guard let base = scratch.baseAddress else { return }
            let flagged = base
            let everyCovers = base + partWords
            let covers = everyCovers + notWords
            let domainCovers = covers + notWords
            let cacheCovers = domainCovers + notWords
            let cacheText = UnsafeMutableRawPointer(cacheCovers + Self.cachedDomains * notWords)
            let cacheLength = cacheCovers + Self.cachedDomains * (notWords + Self.cachedDomainBytes / 8)
            var cacheCount = 0
            var cacheNext = 0
            linearWords.withUnsafeBufferPointer { linear in
                for word in 0..<partWords { flagged[word] = linear[word] }
            }
            table.entries.withUnsafeBufferPointer { entries in
                table.postings.withUnsafeBufferPointer { postings in
                    @inline(__always) func flag(_ entry: Int, _ field: IndexedField) {
                        let start = entries[entry].start(field)
                        let count = entries[entry].count(field)
                        for offset in 0..<count {
                            let rank = Int(postings[start + offset])
                            flagged[rank >> 6] |= 1 << UInt64(rank & 63)
                        }
                    }
                    let kinds = table.kindsByField
                    let serverKinds = kinds[IndexedField.server.rawValue]
                    let senderKinds = kinds[IndexedField.sender.rawValue]
                    let recipientKinds = kinds[IndexedField.recipient.rawValue] | kinds[IndexedField.recipientNot.rawValue]
                    if let host, serverKinds != 0 {
                        withBytes(of: host) { subject in
                            forEachSubjectKey(subject, isAddress: false) { kind, start, hash in
                                guard serverKinds & IndexKeyTable.bit(kind) != 0 else { return }
                                let entry = table.find(kind, hash: hash, in: subject, from: start)
                                if entry >= 0 { flag(entry, .server) }
                            }
                        }
                    }
                    if let sender = context.sender, senderKinds != 0 {
                        withBytes(of: sender) { subject in
                            forEachSubjectKey(subject, isAddress: true, wholeAddress: senderKinds & 1 != 0) {
                                kind, start, hash in
                                guard senderKinds & IndexKeyTable.bit(kind) != 0 else { return }
                                let entry = table.find(kind, hash: hash, in: subject, from: start)
                                if entry >= 0 { flag(entry, .sender) }
                            }
                        }
                    }
                    // A recipient-not rule applies unless EVERY recipient matches one of its
                    // patterns: intersect, over the recipients, the rules each one matches.
                    var anyCovered = notWords > 0 && !context.recipients.isEmpty
                    for word in 0..<notWords { everyCovers[word] = ~0 }
                    table.denseWords.withUnsafeBufferPointer { dense in
                        /// Flags the recipient rules of a hit and adds its recipient-not rules to `target`.
                        @inline(__always) func hit(_ entry: Int, into target: UnsafeMutablePointer<UInt64>) {
                            flag(entry, .recipient)
                            guard anyCovered else { return }
                            let denseStart = Int(entries[entry].denseStart)
                            if denseStart >= 0 {
                                for word in 0..<notWords { target[word] |= dense[denseStart + word] }
                            } else {
                                let start = entries[entry].start(.recipientNot)
                                for offset in 0..<entries[entry].count(.recipientNot) {
                                    let number = Int(postings[start + offset])
                                    target[number >> 6] |= 1 << UInt64(number & 63)
                                }
                            }
                        }
                        for recipient in context.recipients where recipientKinds != 0 {
                            for word in 0..<notWords { covers[word] = 0 }
                            withBytes(of: recipient) { subject in
                                let domain = Self.domainStart(subject)
                                let domainLength = subject.count - domain
                                let cacheable = domain > 0 && domainLength <= Self.cachedDomainBytes
                                var cached = -1
                                if cacheable {
                                    for slot in 0..<cacheCount where Int(cacheLength[slot]) == domainLength {
                                        let text = cacheText + slot * Self.cachedDomainBytes
                                        var offset = 0
                                        while offset < domainLength,
                                            text.load(fromByteOffset: offset, as: UInt8.self)
                                                == asciiLower(subject[domain + offset])
                                        {
                                            offset += 1
                                        }
                                        if offset == domainLength {
                                            cached = slot
                                            break
                                        }
                                    }
                                }
                                if cached >= 0 {
                                    // Its domain keys' rules are flagged already; only its covers are needed.
                                    let slotCovers = cacheCovers + cached * notWords
                                    for word in 0..<notWords { covers[word] |= slotCovers[word] }
                                    guard recipientKinds & 1 != 0 else { return }
                                    let hash = ReverseKeyHash.of(.address, subject)
                                    let entry = table.find(.address, hash: hash, in: subject, from: 0)
                                    if entry >= 0 { hit(entry, into: covers) }
                                    return
                                }
                                for word in 0..<notWords { domainCovers[word] = 0 }
                                forEachSubjectKey(subject, isAddress: true, wholeAddress: recipientKinds & 1 != 0) {
                                    kind, start, hash in
                                    guard recipientKinds & IndexKeyTable.bit(kind) != 0 else { return }
                                    let entry = table.find(kind, hash: hash, in: subject, from: start)
                                    guard entry >= 0 else { return }
                                    hit(entry, into: kind == .address ? covers : domainCovers)
                                }
                                for word in 0..<notWords { covers[word] |= domainCovers[word] }
                                guard cacheable else { return }
                                let slot = cacheNext
                                cacheNext = (cacheNext + 1) % Self.cachedDomains
                                cacheCount = Swift.min(cacheCount + 1, Self.cachedDomains)
                                let text = cacheText + slot * Self.cachedDomainBytes
                                for offset in 0..<domainLength {
                                    text.storeBytes(of: asciiLower(subject[domain + offset]), toByteOffset: offset, as: UInt8.self)
                                }
                                cacheLength[slot] = UInt64(domainLength)
                                let slotCovers = cacheCovers + slot * notWords
                                for word in 0..<notWords { slotCovers[word] = domainCovers[word] }
                            }
                            if anyCovered {
                                var remaining: UInt64 = 0
                                for word in 0..<notWords {
                                    everyCovers[word] &= covers[word]
                                    remaining |= everyCovers[word]
                                }
                                anyCovered = remaining != 0
                            }
                        }
                    }
                    if notWords > 0 && !context.recipients.isEmpty {
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

    /// Recent recipient domains remembered during one resolve.
    private static let cachedDomains = 4
    /// Longest domain remembered (a multiple of 8).
    private static let cachedDomainBytes = 64

    /// The index after the last `@` of an address, or 0 when it has none.
    @inline(__always)
    private static func domainStart(_ subject: UnsafeBufferPointer<UInt8>) -> Int {
        var index = subject.count
        while index > 0 {
            index -= 1
            if subject[index] == 0x40 { return index + 1 }
        }
        return 0
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
