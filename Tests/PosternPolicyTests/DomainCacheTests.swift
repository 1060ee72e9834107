import Testing

@testable import PosternPolicy

/// The per-send recipient-domain cache and the eight-bytes-at-a-time case folding of
/// `SendMatcher` must not change what `resolve` finds: checked against `resolveLinearly`
/// (every rule's globs, rule by rule) on sends whose recipients share domains in different
/// case, overflow the cache, carry UTF-8 or domains too long to cache.
@Suite struct DomainCacheTests {
    /// Domains of the recipients: shared suffixes, a long one (over the 64 cached bytes),
    /// non-ASCII ones (`Ä` must not fold to `ä`: only ASCII folds), an empty one.
    static let domains = [
        "example.org", "sub.example.org", "a.b.example.org", "partner.example.test", "example.invalid", "org",
        "dept2.example.org", "exämple.org", "EXÄMPLE.org",
        "a-very-long-subdomain-name-that-goes-past-the-cache.sub.example.org", ".example.org", "example.org.", "",
        "xn--exmple-cua.org",
    ]
    static let locals = ["alice", "Bob", "x", "dave", "ü", "a.b"]

    /// Patterns indexed under literal addresses, domains and suffixes, plus general ones.
    static let patterns = [
        "*@example.org", "example.org", "*.example.org", "*@*.example.org", "sub.example.org", "*.org",
        "alice@example.org", "Bob@Sub.Example.Org", "*@partner.example.test", "*@dept2.example.org",
        "*.sub.example.org", "*@example.invalid", "a*@example.org", "*", "xn--exmple-cua.org",
        "*@a-very-long-subdomain-name-that-goes-past-the-cache.sub.example.org",
    ]

    /// Upper-cases a random subset of the ASCII letters.
    static func randomCase(_ text: String, _ rng: inout SeededGenerator) -> String {
        String(
            text.map { character in
                character.isASCII && Bool.random(using: &rng) ? Character(character.uppercased()) : character
            })
    }

    static func policy(_ rng: inout SeededGenerator, name: String, rules: Int) throws -> PolicyDocument {
        func globs() -> String {
            "["
                + (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                    "\"\(patterns[Int.random(in: 0..<patterns.count, using: &rng)])\""
                }.joined(separator: ", ") + "]"
        }
        var lines = ["postern-policy: 1", "name: \(name)", "rules:"]
        for index in 0..<rules {
            lines.append("  - name: r\(index)")
            let field = ["recipient", "recipient-not", "recipient-not", "sender"][Int.random(in: 0..<4, using: &rng)]
            lines.append("    when: { \(field): \(globs()) }")
            switch index % 4 {
            case 0: lines.append("    message: { encrypt: required, max-size: \(index + 1)KB }")
            case 1: lines.append("    transport: { min-tls: \"1.3\" }")
            case 2: lines.append("    message: { formats: [smime], sign: required }")
            default: lines.append("    envelope: { recipients: { deny: [\"*@example.invalid\"] } }")
            }
        }
        return try document(lines.joined(separator: "\n") + "\n", file: "\(name).yaml")
    }

    @Test(arguments: 0..<5)
    func cachedResolutionEqualsReference(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &* 104_729 &+ 3)
        var differentFromBase = 0
        for round in 0..<10 {
            // Up to 400 rules, so recipient-not lists cross the dense-bitset threshold.
            let compiled = CompiledPolicy(
                layers: [try Self.policy(&rng, name: "c\(round)", rules: Int.random(in: 1...400, using: &rng))])
            for _ in 0..<30 {
                // A few domains per send, repeated in random case, so the cache hits and evicts.
                let pool = (0..<Int.random(in: 1...7, using: &rng)).map { _ in
                    Self.domains[Int.random(in: 0..<Self.domains.count, using: &rng)]
                }
                let recipients = (0..<Int.random(in: 1...14, using: &rng)).map { _ in
                    let local = Self.locals[Int.random(in: 0..<Self.locals.count, using: &rng)]
                    let domain = pool[Int.random(in: 0..<pool.count, using: &rng)]
                    return Self.randomCase("\(local)@\(domain)", &rng)
                }
                let context = SendContext(
                    sender: Self.randomCase("alice@example.org", &rng), recipients: recipients,
                    server: "smtp.example.org")
                let fast = compiled.resolve(context)
                let reference = compiled.resolveLinearly(context)
                #expect(fast.requirements == reference.requirements, "\(recipients)")
                if fast.requirements != compiled.base { differentFromBase += 1 }
            }
        }
        #expect(differentFromBase > 100, "the random rules must actually apply")
    }

    /// Recipients that differ only after the first eight bytes, or only in case, or only in a
    /// non-ASCII byte: a cache hit must need the whole domain to be equal (ASCII case folded).
    @Test func cacheHitNeedsTheWholeDomain() throws {
        let compiled = CompiledPolicy(layers: [
            try document(
                headerYAML + """
                    rules:
                      - name: outside
                        when: { recipient-not: ["*@abcdefgh.example.org", "*@example.org"] }
                        message: { encrypt: required }
                    """ + "\n")
        ])
        let inside = SendContext(recipients: ["a@ABCDEFGH.example.org", "b@abcdefgh.EXAMPLE.ORG", "c@Example.Org"])
        #expect(compiled.resolve(inside).encryptLevel == .optional)
        let outside = SendContext(recipients: ["a@abcdefgh.example.org", "b@abcdefgh.example.orh"])
        #expect(compiled.resolve(outside).encryptLevel == .required)
        let prefix = SendContext(recipients: ["a@abcdefgh.example.org", "b@abcdefgX.example.org"])
        #expect(compiled.resolve(prefix).encryptLevel == .required)
        // Only ASCII letters fold: `exämple.org` is not `example.org`, whatever came first.
        let umlaut = SendContext(recipients: ["x@example.org", "y@EXAMPLE.org", "z@exämple.org"])
        #expect(compiled.resolve(umlaut).encryptLevel == .required)
        // Five domains: the fifth evicts the first from the four-entry cache, which must
        // then be looked up again rather than forgotten.
        let evicting = SendContext(recipients: [
            "a@example.org", "b@one.example.org", "c@two.example.org", "d@three.example.org", "e@four.example.org",
            "f@EXAMPLE.ORG",
        ])
        #expect(compiled.resolve(evicting).encryptLevel == .required)
        #expect(compiled.resolve(evicting).requirements == compiled.resolveLinearly(evicting).requirements)
    }

    /// The eight-byte fold equals the byte fold for every byte value in every lane.
    @Test func wordFoldEqualsByteFold() {
        for lane in 0..<8 {
            for value in 0...255 {
                var bytes = [UInt8](repeating: 0x41 &+ UInt8(lane), count: 8)
                bytes[lane] = UInt8(value)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                let folded = withUnsafeBytes(of: asciiLowerWord(word)) { Array($0) }
                #expect(folded == bytes.map(asciiLower), "byte \(value) in lane \(lane)")
            }
        }
    }

    /// `foldedEqual` and `copyLowered` agree with byte-by-byte folding at every length
    /// (the eight-byte loop and the tail).
    @Test(arguments: 0...20)
    func foldedCompareAndCopy(length: Int) {
        let subject = Array("AbC@ÄX.Example.ORG-zZ".utf8.prefix(length))
        let lowered = subject.map(asciiLower)
        subject.withUnsafeBufferPointer { subjectBytes in
            lowered.withUnsafeBufferPointer { loweredBytes in
                guard let subjectBase = subjectBytes.baseAddress, let loweredBase = loweredBytes.baseAddress else {
                    return
                }
                #expect(foldedEqual(lowered: loweredBase, subjectBase, length))
                var copy = [UInt8](repeating: 0xFF, count: length + 1)
                copy.withUnsafeMutableBytes { target in
                    if let base = target.baseAddress { copyLowered(subjectBase, length, to: base) }
                }
                #expect(Array(copy.prefix(length)) == lowered)
                #expect(copy[length] == 0xFF, "writes nothing past the length")
                for index in 0..<length {
                    var changed = lowered
                    changed[index] ^= 0x01
                    changed.withUnsafeBufferPointer { changedBytes in
                        if let changedBase = changedBytes.baseAddress {
                            #expect(!foldedEqual(lowered: changedBase, subjectBase, length), "byte \(index)")
                        }
                    }
                }
            }
        }
    }
}

/// Resolving under the baseline alone (no rule, so an index with no key) for arbitrary
/// byte strings as addresses, from an async context as the facade calls it.
@Suite struct EmptyIndexTests {
    @Test(arguments: 0..<4)
    func baselineResolvesArbitraryAddresses(seed: Int) async {
        var rng = SeededGenerator(seed: UInt64(seed) &+ 77)
        let compiled = CompiledPolicy(layers: [])
        for _ in 0..<50 {
            func text() -> String {
                String(
                    decoding: (0..<Int.random(in: 0...90, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    }, as: UTF8.self)
            }
            let context = SendContext(
                sender: text(), recipients: (0..<Int.random(in: 0...5, using: &rng)).map { _ in text() }, server: text()
            )
            let copy = compiled
            #expect(copy.resolve(context).requirements == copy.resolveLinearly(context).requirements)
        }
    }
}
