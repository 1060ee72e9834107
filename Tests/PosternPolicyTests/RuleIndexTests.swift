import Testing

@testable import PosternPolicy

@Suite struct RuleIndexTests {
    @Test(arguments: [
        ("alice@Example.org", "a:alice@example.org"), ("*@example.org", "d:example.org"),
        ("example.org", "d:example.org"),
        ("*.example.org", "s:example.org"), ("*@*.example.org", "s:example.org"),
    ])
    func indexableShapes(pattern: String, key: String) throws {
        #expect(RuleIndex.key(of: try Glob.compile(pattern).get()) == key)
    }

    @Test(arguments: ["*", "a*@example.org", "*@ex*.org", "*x.example.org", "alice@*", "*@*"])
    func otherShapesAreScannedLinearly(pattern: String) throws {
        #expect(RuleIndex.key(of: try Glob.compile(pattern).get()) == nil)
    }

    @Test func subjectKeysCoverEverySuffix() {
        #expect(
            RuleIndex.subjectKeys(address: "Bob@Mail.Example.ORG") == [
                "a:bob@mail.example.org", "d:mail.example.org", "s:example.org", "s:org",
            ])
        #expect(RuleIndex.subjectKeys(host: "smtp.example.org") == ["d:smtp.example.org", "s:example.org", "s:org"])
    }

    /// The index must never miss a rule: resolution through it equals checking every rule.
    @Test(arguments: 0..<4)
    func indexedResolutionEqualsLinearResolution(seed: Int) throws {
        var random = RandomPolicies(seed: UInt64(seed) &* 15_485_863 &+ 5)
        var applied = 0
        for round in 0..<60 {
            let layers = try (0..<Int.random(in: 1...3, using: &random.rng)).map {
                try random.policy(name: "l\(round)-\($0)")
            }
            let compiled = CompiledPolicy(layers: layers)
            for _ in 0..<10 {
                let context = random.context()
                let indexed = compiled.resolve(context)
                let linear = compiled.resolveLinearly(context)
                #expect(indexed.requirements == linear.requirements, "\(context)")
                if indexed.requirements != compiled.base { applied += 1 }
            }
        }
        #expect(applied > 50, "the random rules must actually apply sometimes")
    }
}
