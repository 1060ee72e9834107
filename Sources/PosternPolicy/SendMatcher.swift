// The per-send state of a rule-index lookup (see ``RuleIndex/forEachApplicable``): bitsets
// on stack scratch, raw pointers into the index, and a small cache of recent recipient
// domains. A struct with stored state rather than closures capturing `var`s, so that the
// hot loop carries no dynamic exclusivity checks.

/// Matches one send's sender, server and recipients against an ``IndexKeyView``.
struct SendMatcher {
    /// Recent recipient domains remembered during one resolve.
    static let cachedDomains = 4
    /// Longest domain remembered (a multiple of 8).
    static let cachedDomainBytes = 64
    /// Scratch words needed for `partWords` rank words and `notWords` recipient-not words.
    static func scratchWords(partWords: Int, notWords: Int) -> Int {
        partWords + 3 * notWords + cachedDomains * (notWords + cachedDomainBytes / 8 + 1) + 1
    }
    /// Words of the second scratch area, for the dots of a domain: hashes, then start bytes.
    /// Separate so that each area stays within what the standard library puts on the stack.
    static let dotScratchWords = cachedDomainBytes + cachedDomainBytes / 8

    let view: IndexKeyView
    /// Ranks flagged as possibly applying.
    let flagged: UnsafeMutablePointer<UInt64>
    /// Recipient-not rules matched by every recipient so far.
    let everyCovers: UnsafeMutablePointer<UInt64>
    /// Recipient-not rules matched by the current recipient.
    let covers: UnsafeMutablePointer<UInt64>
    /// Recipient-not rules matched through the current recipient's domain keys.
    let domainCovers: UnsafeMutablePointer<UInt64>
    /// Per cached domain: its recipient-not covers, its lower-cased text, its length.
    let cacheCovers: UnsafeMutablePointer<UInt64>
    let cacheText: UnsafeMutableRawPointer
    let cacheLength: UnsafeMutablePointer<UInt64>
    /// Per dot of the domain being hashed: the hash so far, and where its suffix key starts
    /// (counted from the domain's start, below ``cachedDomainBytes``).
    let dotHashes: UnsafeMutablePointer<UInt64>
    let dotStarts: UnsafeMutablePointer<UInt8>
    let notWords: Int
    var cacheCount = 0
    var cacheNext = 0
    /// Whether some recipient-not rule is still matched by every recipient so far.
    var anyCovered: Bool

    /// Lays the state out in `scratch` (``scratchWords(partWords:notWords:)`` words) and
    /// starts `flagged` from `linear`, the rules checked on every send.
    init(
        view: IndexKeyView, scratch: UnsafeMutablePointer<UInt64>, dotScratch: UnsafeMutablePointer<UInt64>,
        linear: UnsafeBufferPointer<UInt64>,
        notWords: Int, hasRecipients: Bool
    ) {
        self.view = view
        self.notWords = notWords
        let partWords = linear.count
        flagged = scratch
        everyCovers = flagged + partWords
        covers = everyCovers + notWords
        domainCovers = covers + notWords
        cacheCovers = domainCovers + notWords
        cacheText = UnsafeMutableRawPointer(cacheCovers + Self.cachedDomains * notWords)
        cacheLength = cacheCovers + Self.cachedDomains * (notWords + Self.cachedDomainBytes / 8)
        dotHashes = dotScratch
        dotStarts = UnsafeMutableRawPointer(dotScratch + Self.cachedDomainBytes).bindMemory(
            to: UInt8.self, capacity: Self.cachedDomainBytes)
        for word in 0..<partWords { flagged[word] = linear[word] }
        for word in 0..<notWords { everyCovers[word] = ~0 }
        anyCovered = notWords > 0 && hasRecipients
    }

    @inline(__always) func flag(_ entry: Int, _ field: IndexedField) {
        let start = view.entries[entry].start(field)
        let count = view.entries[entry].count(field)
        for offset in 0..<count {
            let rank = Int(view.postings[start + offset])
            flagged[rank >> 6] |= 1 << UInt64(rank & 63)
        }
    }

    /// Flags the `server` or `sender` rules filed under the keys of `subject`.
    func matchField(_ subject: UnsafeBufferPointer<UInt8>, isAddress: Bool, _ field: IndexedField, kinds: UInt8) {
        guard kinds != 0, let base = subject.baseAddress else { return }
        forEachSubjectKey(subject, isAddress: isAddress, wholeAddress: kinds & 1 != 0) { kind, start, hash in
            guard kinds & IndexKeyTable.bit(kind) != 0 else { return }
            let entry = view.find(kind, hash: hash, key: base + start, count: subject.count - start)
            if entry >= 0 { flag(entry, field) }
        }
    }

    /// Flags the recipient rules of a hit and adds its recipient-not rules to `target`.
    @inline(__always) func hit(_ entry: Int, into target: UnsafeMutablePointer<UInt64>) {
        flag(entry, .recipient)
        guard anyCovered else { return }
        let denseStart = Int(view.entries[entry].denseStart)
        if denseStart >= 0 {
            for word in 0..<notWords { target[word] |= view.dense[denseStart + word] }
        } else {
            let start = view.entries[entry].start(.recipientNot)
            for offset in 0..<view.entries[entry].count(.recipientNot) {
                let number = Int(view.postings[start + offset])
                target[number >> 6] |= 1 << UInt64(number & 63)
            }
        }
    }

    /// One recipient: flags its `recipient` rules and intersects the recipient-not rules it
    /// matches into `everyCovers`.
    mutating func matchRecipient(_ subject: UnsafeBufferPointer<UInt8>) {
        let kinds = view.recipient | view.recipientNot
        guard kinds != 0 else { return }
        for word in 0..<notWords { covers[word] = 0 }
        matchRecipientKeys(subject, kinds: kinds)
        guard anyCovered else { return }
        var remaining: UInt64 = 0
        for word in 0..<notWords {
            everyCovers[word] &= covers[word]
            remaining |= everyCovers[word]
        }
        anyCovered = remaining != 0
    }

    @inline(__always)
    private mutating func matchRecipientKeys(_ subject: UnsafeBufferPointer<UInt8>, kinds: UInt8) {
        guard let base = subject.baseAddress else { return }  // "" matches no key: keys are never empty
        let count = subject.count
        let domain = domainStart(base, count)
        let domainLength = count - domain
        let wholeAddress = kinds & 1 != 0
        guard domain > 0, domainLength <= Self.cachedDomainBytes else {
            // No `@`, or a long domain: the general key walk, uncached.
            forEachSubjectKey(subject, isAddress: true, wholeAddress: wholeAddress) { kind, start, hash in
                guard kinds & IndexKeyTable.bit(kind) != 0 else { return }
                let entry = view.find(kind, hash: hash, key: base + start, count: count - start)
                if entry >= 0 { hit(entry, into: covers) }
            }
            return
        }
        let domainBase = base + domain
        for slot in 0..<cacheCount where Int(cacheLength[slot]) == domainLength {
            let text = (cacheText + slot * Self.cachedDomainBytes).assumingMemoryBound(to: UInt8.self)
            guard foldedEqual(lowered: UnsafePointer(text), domainBase, domainLength) else { continue }
            // Its domain keys' rules are flagged already; only its covers are needed.
            let slotCovers = cacheCovers + slot * notWords
            for word in 0..<notWords { covers[word] |= slotCovers[word] }
            if wholeAddress {
                let hash = ReverseKeyHash.of(.address, subject)
                let entry = view.find(.address, hash: hash, key: base, count: count)
                if entry >= 0 { hit(entry, into: covers) }
            }
            return
        }
        // The domain's keys (each suffix after a dot, then the domain), hashed right to left.
        for word in 0..<notWords { domainCovers[word] = 0 }
        // First hash, noting each dot (at most one per byte of the cached length), then look up:
        // a tight loop without the lookups' code inside.
        var hash = ReverseKeyHash.seed
        var index = count
        var dots = 0
        while index > domain {
            index -= 1
            let byte = base[index]
            dotStarts[dots] = UInt8(truncatingIfNeeded: index + 1 - domain)
            dotHashes[dots] = hash
            dots &+= byte == 0x2E ? 1 : 0
            hash = ReverseKeyHash.step(hash, byte)
        }
        if kinds & 4 != 0 {
            for dot in 0..<dots {
                let start = domain + Int(dotStarts[dot])
                let entry = view.find(
                    .suffix, hash: ReverseKeyHash.finish(dotHashes[dot], .suffix), key: base + start,
                    count: count - start)
                if entry >= 0 { hit(entry, into: domainCovers) }
            }
        }
        if kinds & 2 != 0 {
            let entry = view.find(
                .domain, hash: ReverseKeyHash.finish(hash, .domain), key: domainBase, count: domainLength)
            if entry >= 0 { hit(entry, into: domainCovers) }
        }
        for word in 0..<notWords { covers[word] |= domainCovers[word] }
        let slot = cacheNext
        cacheNext = (cacheNext + 1) % Self.cachedDomains
        cacheCount = Swift.min(cacheCount + 1, Self.cachedDomains)
        copyLowered(domainBase, domainLength, to: cacheText + slot * Self.cachedDomainBytes)
        cacheLength[slot] = UInt64(domainLength)
        let slotCovers = cacheCovers + slot * notWords
        for word in 0..<notWords { slotCovers[word] = domainCovers[word] }
        guard wholeAddress else { return }
        while index > 0 {
            index -= 1
            hash = ReverseKeyHash.step(hash, base[index])
        }
        let entry = view.find(.address, hash: ReverseKeyHash.finish(hash, .address), key: base, count: count)
        if entry >= 0 { hit(entry, into: covers) }
    }
}

/// The index after the last `@` of `base[0..<count]`, or 0 when there is none; looks at
/// eight bytes at a time from the end.
@inline(__always)
func domainStart(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int {
    var end = count
    while end >= 8 {
        let word = UInt64(littleEndian: UnsafeRawPointer(base + end - 8).loadUnaligned(as: UInt64.self))
        // Exact per-byte zero test of word ^ "@@@@@@@@" (no carry crosses a byte).
        let difference = word ^ 0x4040_4040_4040_4040
        let nonZero = ((difference & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | difference
        let ats = ~nonZero & 0x8080_8080_8080_8080
        if ats != 0 { return end - 8 + (63 - ats.leadingZeroBitCount) / 8 + 1 }
        end -= 8
    }
    while end > 0 {
        if base[end - 1] == 0x40 { return end }
        end -= 1
    }
    return 0
}
