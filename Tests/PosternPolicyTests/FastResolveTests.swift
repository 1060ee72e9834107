import Testing

@testable import PosternPolicy

/// The byte-level index path (`resolve`) must give exactly what the reference path gives:
/// `resolveLinearly`, which matches every rule's globs and meets rule by rule.
@Suite struct FastResolveTests {
    /// Indexable shapes (literal address, `*@domain`, domain, `*.suffix`, `*@*.suffix`) in
    /// mixed case, plus shapes that are not indexable, so both kinds of rule are exercised.
    static let patterns = [
        "alice@example.org", "Alice@Example.ORG", "*@example.org", "*@EXAMPLE.org", "example.org",
        "*.example.org", "*@*.example.org", "*@sub.example.org", "sub.example.org", "*.org", "*@*.org",
        "bob@sub.example.org", "a*@example.org", "*@ex*.org", "*", "*@*", "*.test", "partner.example.test",
        "*@partner.example.test", "x@a.b.example.org",
    ]
    static let serverPatterns = [
        "smtp.example.org", "*.example.org", "SMTP.example.org", "example.org", "*.org", "*", "smtp*.example.org",
        "mail.sub.example.org",
    ]
    /// Subjects that probe the edges of the key derivation: case, several `@`, no `@`,
    /// empty labels, a trailing dot, non-ASCII bytes, long and short (inline) strings.
    static let addresses = [
        "alice@example.org", "ALICE@EXAMPLE.ORG", "bob@sub.example.org", "x@a.b.example.org", "a@b@example.org",
        "noat.example.org", "@example.org", "x@example.org.", "x@.example.org", "x@exämple.org", "", "x@Example.Org",
        "carol@partner.example.test", "dave@example.invalid", "eve@org",
        "someone.with.a.long.name@mail.sub.example.org",
        "a@", "x@X.A.B.EXAMPLE.ORG",
    ]
    static let servers: [String?] = [
        "smtp.example.org", "SMTP.Example.org:587", "[::1]:25", "example.org", "mail.sub.example.org", nil,
        "smtp.exämple.org", "relay.example.test", "smtp.example.org.",
    ]

    struct Generator {
        var rng: SeededGenerator
        mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        mutating func bool(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < probability }
        mutating func globs(_ pool: [String]) -> String {
            "[" + (0..<Int.random(in: 1...3, using: &rng)).map { _ in "\"\(pick(pool))\"" }.joined(separator: ", ")
                + "]"
        }

        /// A policy with many rules, most conditioned on one field.
        mutating func policy(name: String, rules: Int) throws -> PolicyDocument {
            var lines = ["postern-policy: 1", "name: \(name)", "rules:"]
            for index in 0..<rules {
                lines.append("  - name: r\(index)")
                var when: [String] = []
                let fields = bool(0.8) ? 1 : Int.random(in: 0...3, using: &rng)
                let keys = ["server", "sender", "recipient", "recipient-not"].shuffled(using: &rng).prefix(fields)
                for key in keys {
                    when.append(
                        "\(key): \(globs(key == "server" ? FastResolveTests.serverPatterns : FastResolveTests.patterns))"
                    )
                }
                if !when.isEmpty { lines.append("    when: { \(when.joined(separator: ", ")) }") }
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: lines.append("    message: { encrypt: \(pick(["required", "forbidden", "optional"])) }")
                case 1:
                    lines.append(
                        "    transport: { min-tls: \"1.3\", security: [\(pick(["starttls", "implicit-tls"]))] }")
                case 2: lines.append("    envelope: { recipients: { deny: [\"*@example.invalid\"] } }")
                case 3:
                    lines.append(
                        "    transport: { pins: [\"sha256//F265CNlFZNTCrI02k+L09vwK5BUnubP6O1Gr6MO2UZE=\"] }")
                case 4: lines.append("    envelope: { senders: [\"*@example.org\", \"*@*.example.org\"] }")
                default:
                    lines.append("    message: { max-size: \(Int.random(in: 1...9, using: &rng))MiB, sign: required }")
                }
            }
            return try document(lines.joined(separator: "\n") + "\n", file: "\(name).yaml")
        }

        mutating func context() -> SendContext {
            let count = Int.random(in: 0...12, using: &rng)
            return SendContext(
                sender: bool(0.85) ? pick(FastResolveTests.addresses) : nil,
                recipients: (0..<count).map { _ in pick(FastResolveTests.addresses) },
                server: pick(FastResolveTests.servers))
        }
    }

    @Test(arguments: 0..<6)
    func indexedResolutionEqualsReference(seed: Int) throws {
        var generator = Generator(rng: SeededGenerator(seed: UInt64(seed) &* 7_919 &+ 13))
        var applied = 0
        for round in 0..<12 {
            // Up to 300 rules a layer, so recipient-not lists cross the dense-bitset threshold.
            let layers = try (0..<Int.random(in: 1...2, using: &generator.rng)).map {
                try generator.policy(name: "p\(round)-\($0)", rules: Int.random(in: 1...300, using: &generator.rng))
            }
            let compiled = CompiledPolicy(layers: layers)
            for _ in 0..<25 {
                let context = generator.context()
                let fast = compiled.resolve(context)
                let reference = compiled.resolveLinearly(context)
                #expect(fast.requirements == reference.requirements, "\(context)")
                for stage in Stage.allCases {
                    #expect(fast.evaluate(stage, facts: Facts()) == reference.evaluate(stage, facts: Facts()))
                }
                if fast.requirements != compiled.base { applied += 1 }
            }
        }
        #expect(applied > 100, "the random rules must actually apply")
    }

    /// An address pattern under `server` (which only a document built in code can hold)
    /// never matches a host, so the index must not take a key hit for a match.
    @Test func addressPatternUnderServerNeverMatchesAHost() throws {
        let parsed = try document(
            headerYAML
                + "rules:\n  - name: r\n    when: { sender: \"*@example.org\" }\n    message: { sign: required }\n")
        var condition = RuleCondition()
        condition.server = Located(GlobList([try Glob.compile("*@example.org").get()]), at: parsed.location)
        let rule = PolicyRule(
            name: "r", location: parsed.location, condition: condition, requirements: parsed.rules[0].requirements)
        let built = PolicyDocument(
            name: parsed.name, file: parsed.file, description: nil, location: parsed.location,
            requirements: parsed.requirements, rules: [rule])
        let compiled = CompiledPolicy(layers: [built])
        let context = SendContext(sender: "a@example.org", recipients: ["b@example.org"], server: "example.org")
        #expect(compiled.resolve(context).requirements == compiled.resolveLinearly(context).requirements)
        #expect(compiled.resolve(context).signLevel == .optional)
    }

    /// The byte-level key walk yields exactly the string keys the index files patterns under.
    @Test(arguments: addresses)
    func byteKeysEqualStringKeys(address: String) {
        func walk(_ subject: String, isAddress: Bool) -> Set<String> {
            var keys = Set<String>()
            withBytes(of: subject) { bytes in
                forEachSubjectKey(bytes, isAddress: isAddress) { kind, start, hash in
                    let key = String(decoding: bytes[start...].map(asciiLower), as: UTF8.self)
                    let expected = Array(key.utf8).withUnsafeBufferPointer { ReverseKeyHash.of(kind, $0) }
                    #expect(hash == expected, "incremental hash of \(key)")
                    keys.insert(String(decoding: [kind.rawValue, 0x3A], as: UTF8.self) + key)
                }
            }
            return keys
        }
        #expect(walk(address, isAddress: true) == Set(RuleIndex.subjectKeys(address: address)))
        #expect(walk(address, isAddress: false) == Set(RuleIndex.subjectKeys(host: address)))
    }

    /// The shape fast paths of `Glob` agree with the general wildcard loop.
    @Test(arguments: ["*@example.org", "alice@example.org", "*.example.org", "example.org", "*", "a*@example.org"])
    func globShapesAgreeWithGeneralMatching(pattern: String) throws {
        let glob = try Glob.compile(pattern).get()
        for subject in Self.addresses + ["EXAMPLE.ORG", "sub.example.org", "Alice@Example.Org"] {
            let expected = wildcardReference(Array(pattern.utf8), Array(subject.utf8))
            if glob.isAddressPattern {
                #expect(glob.matches(address: subject) == expected, "\(pattern) vs \(subject)")
            } else {
                #expect(glob.matches(host: subject) == expected, "\(pattern) vs \(subject)")
            }
        }
    }

    /// Plain recursive glob matching with ASCII folding, as the reference.
    func wildcardReference(_ pattern: [UInt8], _ subject: [UInt8]) -> Bool {
        guard let first = pattern.first else { return subject.isEmpty }
        if first == 0x2A {
            return (0...subject.count).contains { wildcardReference(Array(pattern.dropFirst()), Array(subject[$0...])) }
        }
        guard let head = subject.first, asciiLower(first) == asciiLower(head) else { return false }
        return wildcardReference(Array(pattern.dropFirst()), Array(subject.dropFirst()))
    }
}
