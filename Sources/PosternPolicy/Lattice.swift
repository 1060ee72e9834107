// The lattice fields that make up ``Requirements``. Each field's meet is commutative,
// associative and idempotent by construction: it is built only from bitwise AND, `min`,
// `max`, sorted-set union and a lexicographic minimum over (rank, value).
//
// A *rank* is the index of the part (a layer's top level or one of its rules) that stated a
// value; parts are numbered in layer order, and within a layer the top level comes before
// its rules. `Rank.unstated` (Int.max) marks "no part said anything": the field's top.
//
// "Keeping the preference order of the first layer that states it" (CONTRACT §3.1) is
// made order-independent by taking the order from the lowest-ranked stating part. The
// allowed *set* never depends on ranks; the rank only decides which stated order wins, and
// ties on rank (the same part) are broken by the packed order value, so meet stays
// commutative even on arbitrary inputs.

/// Part indices; see the comment at the top of Lattice.swift.
enum Rank {
    /// No part stated the value.
    static let unstated = Int.max
}

/// An allowed subset of a vocabulary plus the preference order of the lowest-ranked part
/// that stated one. Heap-free: a bit mask and nibble-packed order.
struct ChoiceField<C: PolicyChoice>: Hashable, Sendable {
    /// Bit `ordinal` set when the value is still allowed.
    private(set) var allowedMask: UInt16
    /// Preferred order, ordinal+1 per nibble, most preferred in the lowest nibble.
    private(set) var packedOrder: UInt64
    /// The part whose order is used; `Rank.unstated` when none stated the field.
    private(set) var orderRank: Int

    /// The top: everything allowed, nobody stated an order.
    static var unstated: ChoiceField {
        ChoiceField(
            allowedMask: UInt16(truncatingIfNeeded: (1 << C.allCases.count) - 1), packedOrder: 0,
            orderRank: Rank.unstated)
    }

    private init(allowedMask: UInt16, packedOrder: UInt64, orderRank: Int) {
        self.allowedMask = allowedMask
        self.packedOrder = packedOrder
        self.orderRank = orderRank
    }

    /// A part's statement: exactly these values, in this order.
    init(stating values: [C], rank: Int) {
        var mask: UInt16 = 0
        var order: UInt64 = 0
        var shift: UInt64 = 0
        for value in values where mask & (1 << value.ordinal) == 0 {
            mask |= 1 << value.ordinal
            order |= UInt64(value.ordinal + 1) << shift
            shift += 4
        }
        self.init(allowedMask: mask, packedOrder: order, orderRank: rank)
    }

    /// Whether any part stated the field.
    var isStated: Bool { orderRank != Rank.unstated }

    /// Whether `value` is allowed.
    @inline(__always) func allows(_ value: C) -> Bool { allowedMask & (1 << value.ordinal) != 0 }

    /// Whether nothing at all is allowed.
    var isEmpty: Bool { allowedMask == 0 }

    /// Intersection; the order of the lower-ranked statement.
    func meet(_ other: ChoiceField) -> ChoiceField {
        let winner = (orderRank, packedOrder) <= (other.orderRank, other.packedOrder) ? self : other
        return ChoiceField(
            allowedMask: allowedMask & other.allowedMask, packedOrder: winner.packedOrder, orderRank: winner.orderRank)
    }

    /// The allowed values, most preferred first, without allocating.
    func forEachAllowed(_ body: (C) -> Bool) {
        if isStated {
            var order = packedOrder
            while order != 0 {
                let ordinal = Int(order & 0xF) - 1
                order >>= 4
                if ordinal >= 0, allowedMask & (1 << ordinal) != 0, let value = C.member(at: ordinal) {
                    if !body(value) { return }
                }
            }
        } else {
            var ordinal = 0
            for value in C.allCases {
                if allowedMask & (1 << ordinal) != 0 && !body(value) { return }
                ordinal += 1
            }
        }
    }

    /// The first allowed value in preference order.
    var mostPreferred: C? {
        var found: C?
        forEachAllowed { value in
            found = value
            return false
        }
        return found
    }

    /// The allowed values, most preferred first.
    var preferenceList: [C] {
        var list: [C] = []
        forEachAllowed { value in
            list.append(value)
            return true
        }
        return list
    }
}

/// A lower bound where the larger bound wins (`min-tls`, `min-rsa-bits`).
struct AtLeastField: Hashable, Sendable {
    /// The bound; `Int.min` when unstated.
    private(set) var value: Int
    /// The lowest-ranked part that states the winning bound.
    private(set) var rank: Int

    static let unstated = AtLeastField(value: Int.min, rank: Rank.unstated)

    init(value: Int, rank: Int) {
        self.value = value
        self.rank = rank
    }

    var isStated: Bool { rank != Rank.unstated }

    func meet(_ other: AtLeastField) -> AtLeastField {
        if value != other.value { return value > other.value ? self : other }
        return rank <= other.rank ? self : other
    }
}

/// An upper bound where the smaller bound wins (`max-size`).
struct AtMostField: Hashable, Sendable {
    /// The bound; `UInt64.max` when unstated.
    private(set) var value: UInt64
    /// The lowest-ranked part that states the winning bound.
    private(set) var rank: Int

    static let unstated = AtMostField(value: UInt64.max, rank: Rank.unstated)

    init(value: UInt64, rank: Int) {
        self.value = value
        self.rank = rank
    }

    var isStated: Bool { rank != Rank.unstated }

    func meet(_ other: AtMostField) -> AtMostField {
        if value != other.value { return value < other.value ? self : other }
        return rank <= other.rank ? self : other
    }
}

/// For each value of a small vocabulary, the lowest-ranked part that stated it.
/// Used where the stricter statement wins whatever the order: `sign`/`encrypt`
/// (required beats optional, required with forbidden is a conflict), `require-pin`
/// (true beats false), `over-plaintext` (refuse beats allow), `certificate`
/// (every stated demand holds).
struct StatementField<C: PolicyChoice>: Hashable, Sendable {
    /// Lowest stating rank per ordinal, `Rank.unstated` where nobody stated it. Fixed size (≤ 3).
    private(set) var first: Int
    private(set) var second: Int
    private(set) var third: Int

    static var unstated: StatementField {
        StatementField(first: Rank.unstated, second: Rank.unstated, third: Rank.unstated)
    }

    private init(first: Int, second: Int, third: Int) {
        self.first = first
        self.second = second
        self.third = third
    }

    /// A part's statement of one value.
    init(stating value: C, rank: Int) {
        self = .unstated
        switch value.ordinal {
        case 0: first = rank
        case 1: second = rank
        default: third = rank
        }
    }

    /// The lowest rank that stated `value`, or nil.
    func rank(of value: C) -> Int? {
        let rank: Int
        switch value.ordinal {
        case 0: rank = first
        case 1: rank = second
        default: rank = third
        }
        return rank == Rank.unstated ? nil : rank
    }

    /// Whether any part stated `value`.
    @inline(__always) func states(_ value: C) -> Bool { rank(of: value) != nil }

    /// Whether any part stated anything.
    var isStated: Bool { first != Rank.unstated || second != Rank.unstated || third != Rank.unstated }

    func meet(_ other: StatementField) -> StatementField {
        StatementField(
            first: min(first, other.first), second: min(second, other.second), third: min(third, other.third))
    }
}

/// A sorted set of part ranks, for requirements that every stating part imposes on its own
/// terms (pin sets, sender and recipient lists). Meet is union. Copy-on-write: the common
/// cases (one side empty, or both equal) share storage and do not allocate.
struct RankSet: Hashable, Sendable {
    private(set) var ranks: [Int]

    static let empty = RankSet(ranks: [])

    private init(ranks: [Int]) { self.ranks = ranks }

    init(_ rank: Int) { ranks = [rank] }

    /// This set with `added` (ascending) merged in: the meet with each one-rank set, built
    /// with one allocation however many ranks are added.
    func adding(_ added: [Int]) -> RankSet {
        if added.isEmpty { return self }
        var merged: [Int] = []
        merged.reserveCapacity(ranks.count + added.count)
        var left = 0
        var right = 0
        while left < ranks.count || right < added.count {
            let next: Int
            if right == added.count || (left < ranks.count && ranks[left] <= added[right]) {
                next = ranks[left]
                left += 1
            } else {
                next = added[right]
                right += 1
            }
            if merged.last != next { merged.append(next) }
        }
        return RankSet(ranks: merged)
    }

    var isEmpty: Bool { ranks.isEmpty }

    func meet(_ other: RankSet) -> RankSet {
        if other.ranks.isEmpty || ranks == other.ranks { return self }
        if ranks.isEmpty { return other }
        var merged: [Int] = []
        merged.reserveCapacity(ranks.count + other.ranks.count)
        var left = 0
        var right = 0
        while left < ranks.count || right < other.ranks.count {
            if right == other.ranks.count || (left < ranks.count && ranks[left] < other.ranks[right]) {
                merged.append(ranks[left])
                left += 1
            } else if left == ranks.count || other.ranks[right] < ranks[left] {
                merged.append(other.ranks[right])
                right += 1
            } else {
                merged.append(ranks[left])
                left += 1
                right += 1
            }
        }
        return RankSet(ranks: merged)
    }
}
