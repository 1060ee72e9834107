// Lookup keys of the rule index, computed over UTF-8 bytes without building strings.
//
// A key is a kind (whole address, whole domain, or domain suffix after a dot) plus
// ASCII-lower-cased bytes. Keys are hashed right to left: every key a subject produces is
// a suffix of the subject (the domain is the part after the last `@`, a suffix key the
// part after a dot of the domain), so one backwards pass yields the hash of every key.

/// What a lookup key names (the byte is the prefix letter of the string form `a:`, `d:`, `s:`).
enum IndexKeyKind: UInt8, Sendable {
    /// A literal address (`alice@example.org`).
    case address = 0x61
    /// A literal domain (`example.org`, `*@example.org`).
    case domain = 0x64
    /// The part after a dot of a domain (`*.example.org`, `*@*.example.org`).
    case suffix = 0x73
}

/// FNV-1a over case-folded bytes, fed from the last byte to the first.
///
/// The fold is `byte | 0x20`, which also folds some non-letters onto others (`@` onto
/// `` ` ``): cheaper than exact ASCII lower-casing, and harmless, because the hash only
/// picks a slot — every hit is confirmed by comparing the lower-cased bytes.
enum ReverseKeyHash {
    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always) static func step(_ hash: UInt64, _ byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte | 0x20)) &* 0x100_0000_01b3
    }

    /// Mixes in the kind and spreads the bits (the table uses the low bits).
    @inline(__always) static func finish(_ hash: UInt64, _ kind: IndexKeyKind) -> UInt64 {
        var mixed = (hash ^ (UInt64(kind.rawValue) << 56)) &* 0x9E37_79B9_7F4A_7C15
        mixed ^= mixed >> 29
        return mixed
    }

    /// The hash of a whole key.
    static func of(_ kind: IndexKeyKind, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = seed
        var index = bytes.count
        while index > 0 {
            index -= 1
            hash = step(hash, bytes[index])
        }
        return finish(hash, kind)
    }
}

/// Calls `body(kind, start, hash)` for every key under which a pattern matching `subject`
/// is filed; the key's bytes are `subject[start...]`. For an address: each suffix after a
/// dot of its domain, the domain (after the last `@`) and the whole address; an address
/// without `@` has only the whole-address key. For a host: each suffix and the host itself.
/// Same keys as ``RuleIndex/subjectKeys(address:)`` and ``RuleIndex/subjectKeys(host:)``;
/// `wholeAddress: false` leaves out the whole-address key (and the hashing of the local part).
@inline(__always)
func forEachSubjectKey(
    _ subject: UnsafeBufferPointer<UInt8>, isAddress: Bool, wholeAddress: Bool = true,
    _ body: (IndexKeyKind, Int, UInt64) -> Void
) {
    var domainStart = 0
    if isAddress {
        var at = subject.count
        while at > 0 {
            at -= 1
            if subject[at] == 0x40 { break }
        }
        guard subject.count > 0, subject[at] == 0x40 else {
            if wholeAddress { body(.address, 0, ReverseKeyHash.of(.address, subject)) }
            return
        }
        domainStart = at + 1
    }
    var hash = ReverseKeyHash.seed
    var index = subject.count
    while index > domainStart {
        index -= 1
        let byte = subject[index]
        if byte == 0x2E { body(.suffix, index + 1, ReverseKeyHash.finish(hash, .suffix)) }
        hash = ReverseKeyHash.step(hash, byte)
    }
    body(.domain, domainStart, ReverseKeyHash.finish(hash, .domain))
    guard isAddress && wholeAddress else { return }
    while index > 0 {
        index -= 1
        hash = ReverseKeyHash.step(hash, subject[index])
    }
    body(.address, 0, ReverseKeyHash.finish(hash, .address))
}

/// Which condition field a rule is filed under.
enum IndexedField: Int, Sendable, CaseIterable {
    case server = 0, sender, recipient, recipientNot
}

/// An open-addressing hash table from lookup keys to the rules filed under them, per field.
/// Built once at compile time; lookups compare the key bytes, so a hash collision never
/// makes one key stand for another.
struct IndexKeyTable: Sendable {
    struct Entry: Sendable {
        let hash: UInt64
        let kind: IndexKeyKind
        /// The key bytes, lower-cased, in `keyBytes`.
        let keyStart: Int32
        let keyCount: Int32
        /// Per ``IndexedField``: a range of `postings` (start, count).
        var listStart: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        var listCount: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)
        /// For `recipient-not` lists long enough: the start in `denseWords` of the list as a
        /// bitset over recipient-not rule numbers; -1 when the list is only stored sparsely.
        var denseStart: Int32 = -1

        func start(_ field: IndexedField) -> Int {
            switch field {
            case .server: Int(listStart.0)
            case .sender: Int(listStart.1)
            case .recipient: Int(listStart.2)
            case .recipientNot: Int(listStart.3)
            }
        }

        func count(_ field: IndexedField) -> Int {
            switch field {
            case .server: Int(listCount.0)
            case .sender: Int(listCount.1)
            case .recipient: Int(listCount.2)
            case .recipientNot: Int(listCount.3)
            }
        }
    }

    private(set) var entries: [Entry] = []
    /// Entry index per slot, -1 for an empty slot; the count is a power of two.
    private(set) var slots: [Int32] = [-1]
    /// The hash of each slot's entry, so that probing touches one compact array.
    private(set) var slotHashes: [UInt64] = [0]
    /// Per ``IndexedField``: a bit per ``IndexKeyKind`` (1 address, 2 domain, 4 suffix) that
    /// some key of that kind files a rule under the field; lookups of other kinds are skipped.
    private(set) var kindsByField: [UInt8] = [0, 0, 0, 0]
    private(set) var keyBytes: [UInt8] = []
    /// Ranks (server, sender, recipient lists) or recipient-not rule numbers (recipient-not lists).
    private(set) var postings: [Int32] = []
    private(set) var denseWords: [UInt64] = []

    init() { self.init(lists: [:], recipientNotCount: 0) }

    /// Builds the table from string keys (`a:…`, `d:…`, `s:…`) to per-field lists.
    /// `recipientNotCount` is the number of recipient-not rules (the bitset width).
    init(lists: [String: [[Int32]]], recipientNotCount: Int) {
        // At most a quarter full, so that a miss (the usual outcome) ends on its first probe or two.
        var capacity = 8
        while capacity < lists.count * 4 { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        slotHashes = [UInt64](repeating: 0, count: capacity)
        let notWords = (recipientNotCount + 63) / 64
        // Sorted so that the layout does not depend on dictionary order.
        for (key, fieldLists) in lists.sorted(by: { $0.key < $1.key }) {
            var utf8 = Array(key.utf8)
            guard utf8.count >= 2, let kind = IndexKeyKind(rawValue: utf8[0]) else { continue }
            utf8.removeFirst(2)
            let hash = utf8.withUnsafeBufferPointer { ReverseKeyHash.of(kind, $0) }
            var entry = Entry(
                hash: hash, kind: kind, keyStart: Int32(keyBytes.count), keyCount: Int32(utf8.count))
            keyBytes += utf8
            var starts: [Int32] = []
            var counts: [Int32] = []
            for field in IndexedField.allCases {
                let list = fieldLists[field.rawValue]
                if !list.isEmpty { kindsByField[field.rawValue] |= Self.bit(kind) }
                starts.append(Int32(postings.count))
                counts.append(Int32(list.count))
                postings += list
            }
            entry.listStart = (starts[0], starts[1], starts[2], starts[3])
            entry.listCount = (counts[0], counts[1], counts[2], counts[3])
            // A dense bitset costs recipientNotCount/8 bytes, the sparse list 4 bytes a rule:
            // going dense only from recipientNotCount/32 rules on keeps memory within twice the lists.
            let notList = fieldLists[IndexedField.recipientNot.rawValue]
            if notWords > 0, notList.count * 32 >= recipientNotCount {
                entry.denseStart = Int32(denseWords.count)
                var words = [UInt64](repeating: 0, count: notWords)
                for number in notList { words[Int(number) >> 6] |= 1 << (UInt64(number) & 63) }
                denseWords += words
            }
            var slot = Int(truncatingIfNeeded: hash) & (capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(entries.count)
            slotHashes[slot] = hash
            entries.append(entry)
        }
        // One element of padding each, so that ``withView(_:)`` always has a base address.
        keyBytes.append(0)
        postings.append(0)
        denseWords.append(0)
    }

    /// Calls `body` with raw pointers into the table (no per-lookup array access).
    @inline(__always)
    func withView<R>(_ body: (IndexKeyView) -> R) -> R {
        entries.withUnsafeBufferPointer { entries in
            slots.withUnsafeBufferPointer { slots in
                slotHashes.withUnsafeBufferPointer { hashes in
                    keyBytes.withUnsafeBufferPointer { keyBytes in
                        postings.withUnsafeBufferPointer { postings in
                            denseWords.withUnsafeBufferPointer { dense in
                                guard let slotBase = slots.baseAddress, let hashBase = hashes.baseAddress,
                                    let keyBase = keyBytes.baseAddress, let postingBase = postings.baseAddress,
                                    let denseBase = dense.baseAddress
                                else {
                                    // Unreachable (every array holds at least one element), but
                                    // fail safe: a one-slot table with no entry, so every lookup misses.
                                    let empty = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
                                    empty.initialize(to: ~0)
                                    defer { empty.deallocate() }
                                    let raw = UnsafeRawPointer(empty)
                                    return body(
                                        IndexKeyView(
                                            entries: UnsafeBufferPointer(start: nil, count: 0),
                                            slots: raw.assumingMemoryBound(to: Int32.self),
                                            slotHashes: raw.assumingMemoryBound(to: UInt64.self), mask: 0,
                                            keyBytes: raw.assumingMemoryBound(to: UInt8.self),
                                            postings: raw.assumingMemoryBound(to: Int32.self),
                                            dense: raw.assumingMemoryBound(to: UInt64.self), kindsByField: [0, 0, 0, 0])
                                    )
                                }
                                return body(
                                    IndexKeyView(
                                        entries: entries, slots: slotBase, slotHashes: hashBase,
                                        mask: slots.count - 1, keyBytes: keyBase, postings: postingBase,
                                        dense: denseBase, kindsByField: kindsByField))
                            }
                        }
                    }
                }
            }
        }
    }

    @inline(__always) static func bit(_ kind: IndexKeyKind) -> UInt8 {
        switch kind {
        case .address: 1
        case .domain: 2
        case .suffix: 4
        }
    }
}

/// Raw pointers into an ``IndexKeyTable``, valid only inside ``IndexKeyTable/withView(_:)``.
struct IndexKeyView {
    let entries: UnsafeBufferPointer<IndexKeyTable.Entry>
    let slots: UnsafePointer<Int32>
    let slotHashes: UnsafePointer<UInt64>
    /// Slot count minus one (the count is a power of two).
    let mask: Int
    let keyBytes: UnsafePointer<UInt8>
    let postings: UnsafePointer<Int32>
    let dense: UnsafePointer<UInt64>
    let server: UInt8
    let sender: UInt8
    let recipient: UInt8
    let recipientNot: UInt8

    init(
        entries: UnsafeBufferPointer<IndexKeyTable.Entry>, slots: UnsafePointer<Int32>,
        slotHashes: UnsafePointer<UInt64>, mask: Int, keyBytes: UnsafePointer<UInt8>,
        postings: UnsafePointer<Int32>, dense: UnsafePointer<UInt64>, kindsByField: [UInt8]
    ) {
        self.entries = entries
        self.slots = slots
        self.slotHashes = slotHashes
        self.mask = mask
        self.keyBytes = keyBytes
        self.postings = postings
        self.dense = dense
        server = kindsByField[IndexedField.server.rawValue]
        sender = kindsByField[IndexedField.sender.rawValue]
        recipient = kindsByField[IndexedField.recipient.rawValue]
        recipientNot = kindsByField[IndexedField.recipientNot.rawValue]
    }

    /// The entry for the key of `kind` whose bytes are `key[0..<count]` and hash `hash`, or -1.
    @inline(__always)
    func find(_ kind: IndexKeyKind, hash: UInt64, key: UnsafePointer<UInt8>, count: Int) -> Int {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let candidate = Int(slots[slot])
            if candidate < 0 { return -1 }
            if slotHashes[slot] == hash {
                let entry = entries[candidate]
                if entry.kind == kind && Int(entry.keyCount) == count
                    && foldedEqual(lowered: keyBytes + Int(entry.keyStart), key, count)
                {
                    return candidate
                }
            }
            slot = (slot + 1) & mask
        }
    }
}

/// Whether `subject[0..<count]`, ASCII-lower-cased, equals `lowered[0..<count]`;
/// compares eight bytes at a time.
@inline(__always)
func foldedEqual(lowered: UnsafePointer<UInt8>, _ subject: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var offset = 0
    while offset + 8 <= count {
        let key = UnsafeRawPointer(lowered + offset).loadUnaligned(as: UInt64.self)
        let word = UnsafeRawPointer(subject + offset).loadUnaligned(as: UInt64.self)
        if key != asciiLowerWord(word) { return false }
        offset += 8
    }
    while offset < count {
        if lowered[offset] != asciiLower(subject[offset]) { return false }
        offset += 1
    }
    return true
}

/// Copies `count` bytes from `subject` to `target`, ASCII-lower-cased, eight at a time.
@inline(__always)
func copyLowered(_ subject: UnsafePointer<UInt8>, _ count: Int, to target: UnsafeMutableRawPointer) {
    var offset = 0
    while offset + 8 <= count {
        let word = UnsafeRawPointer(subject + offset).loadUnaligned(as: UInt64.self)
        target.storeBytes(of: asciiLowerWord(word), toByteOffset: offset, as: UInt64.self)
        offset += 8
    }
    while offset < count {
        target.storeBytes(of: asciiLower(subject[offset]), toByteOffset: offset, as: UInt8.self)
        offset += 1
    }
}

/// ``asciiLower(_:)`` on each of the eight bytes of `word` at once (SWAR): a byte in
/// 0x41...0x5A gains 0x20, every other byte (including those from 0x80) is unchanged.
@inline(__always)
func asciiLowerWord(_ word: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let high: UInt64 = 0x8080_8080_8080_8080
    // Each byte's low seven bits plus a constant: no carry crosses a byte (at most 0xBE).
    let low = word & ~high
    let atLeastA = low &+ ones &* (0x80 - 0x41)
    let pastZ = low &+ ones &* (0x80 - 0x5B)
    let upper = atLeastA & ~pastZ & ~word & high
    return word | (upper >> 2)
}
