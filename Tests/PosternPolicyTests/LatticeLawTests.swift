import Testing

@testable import PosternPolicy

/// The meet laws (CONTRACT §3.1 and DESIGN "The policy engine"), over hundreds of random policies.
@Suite struct LatticeLawTests {
    /// Random lattice elements: meets of random parts' statements, with random (possibly equal) ranks.
    func randomElements(seed: UInt64, count: Int) throws -> [Requirements] {
        var random = RandomPolicies(seed: seed)
        var elements: [Requirements] = []
        for index in 0..<count {
            let doc = try random.policy(name: "p\(index)")
            var element = Requirements(stated: doc.requirements, rank: Int.random(in: 0..<6, using: &random.rng))
            for rule in doc.rules where random.bool() {
                element = element.meet(
                    Requirements(stated: rule.requirements, rank: Int.random(in: 0..<6, using: &random.rng)))
            }
            elements.append(element)
        }
        return elements
    }

    @Test(arguments: 0..<4)
    func meetIsCommutativeAssociativeIdempotent(seed: Int) throws {
        let elements = try randomElements(seed: UInt64(seed) &* 7919 &+ 1, count: 120)
        for index in elements.indices {
            let a = elements[index]
            let b = elements[(index + 1) % elements.count]
            let c = elements[(index * 7 + 3) % elements.count]
            #expect(a.meet(b) == b.meet(a))
            #expect(a.meet(b).meet(c) == a.meet(b.meet(c)))
            #expect(a.meet(a) == a)
            #expect(a.meet(.unstated) == a)
            #expect(a.meet(b).meet(b) == a.meet(b))
        }
    }

    func codes(_ decision: Decision) -> Set<ViolationCode> { Set(decision.violations.map(\.code)) }

    /// Layer order changes only preference order and provenance, never what is allowed.
    /// And a meet never allows a fact pattern that either side denies.
    @Test(arguments: 0..<4)
    func layerMeetIsOrderIndependentAndMonotone(seed: Int) throws {
        var random = RandomPolicies(seed: UInt64(seed) &* 104_729 &+ 17)
        var denials = 0
        var allowances = 0
        for round in 0..<75 {
            let a = try random.policy(name: "a\(round)")
            let b = try random.policy(name: "b\(round)")
            let onlyA = CompiledPolicy(layers: [a])
            let onlyB = CompiledPolicy(layers: [b])
            let ab = CompiledPolicy(layers: [a, b])
            let ba = CompiledPolicy(layers: [b, a])
            let aa = CompiledPolicy(layers: [a, a])
            for _ in 0..<4 {
                let context = random.context()
                let facts = random.facts(recipients: context.recipients)
                let resolvedAB = ab.resolve(context)
                #expect(Set(resolvedAB.allowedSecurityModes) == Set(ba.resolve(context).allowedSecurityModes))
                #expect(aa.resolve(context).allowedSecurityModes == onlyA.resolve(context).allowedSecurityModes)
                for stage in Stage.allCases {
                    let decisionAB = resolvedAB.evaluate(stage, facts: facts)
                    let decisionBA = ba.evaluate(stage, facts: facts, context: context)
                    #expect(codes(decisionAB) == codes(decisionBA), "commutative at \(stage)")
                    #expect(
                        codes(aa.evaluate(stage, facts: facts, context: context))
                            == codes(onlyA.evaluate(stage, facts: facts, context: context)), "idempotent at \(stage)")
                    for side in [onlyA, onlyB] {
                        let decision = side.evaluate(stage, facts: facts, context: context)
                        guard !decision.isAllowed else {
                            allowances += 1
                            continue
                        }
                        denials += 1
                        // The one designed exception: `pin-required` says "no pin is configured";
                        // a pin configured by the other layer satisfies it, and is then enforced at `tls`.
                        let onlyPinRequired = codes(decision) == [.pinRequired]
                        if onlyPinRequired && !resolvedAB.pinSets.isEmpty { continue }
                        #expect(
                            !decisionAB.isAllowed,
                            "meet allowed what one side denied at \(stage): \(decision.violations)")
                        // Stronger: each reason survives the meet, up to the codes that a tighter
                        // policy may legitimately report instead (a conflict, or another mode refusal).
                        let codesAB = codes(decisionAB)
                        for code in codes(decision) where !codesAB.contains(code) && !codesAB.contains(.policyConflict)
                        {
                            let modeRefusals: Set<ViolationCode> = [
                                .implicitTLSRequired, .securityModeNotAllowed, .plaintextNotAllowed,
                            ]
                            // A refused mode stops the connect checks, so it stands in for all of them.
                            if stage == .connect && !codesAB.isDisjoint(with: modeRefusals) { continue }
                            if code == .pinRequired && !resolvedAB.pinSets.isEmpty { continue }
                            Issue.record("\(code) at \(stage) lost in the meet: \(decisionAB.violations)")
                        }
                    }
                }
            }
        }
        // The generator must exercise both outcomes, or the property proves nothing.
        #expect(denials > 100)
        #expect(allowances > 100)
    }

    @Test func preferenceOrderComesFromTheFirstLayerThatStatesIt() throws {
        let first = try document(
            headerYAML + "transport:\n  security: [starttls, implicit-tls, plaintext]\n", file: "one.yaml")
        let second = try document(
            "postern-policy: 1\nname: u\ntransport:\n  security: [implicit-tls, starttls]\n", file: "two.yaml")
        let context = SendContext(server: "smtp.example.org")
        #expect(
            CompiledPolicy(layers: [first, second]).allowedSecurityModes(for: context) == [.starttls, .implicitTLS])
        #expect(
            CompiledPolicy(layers: [second, first]).allowedSecurityModes(for: context) == [.implicitTLS, .starttls])
    }

    @Test func unstatedSecurityStillForbidsPlaintext() throws {
        let lab = try document(headerYAML + "transport:\n  security: [plaintext]\n  auth: { over-plaintext: allow }\n")
        let quiet = try document("postern-policy: 1\nname: quiet\n")
        let context = SendContext(server: "127.0.0.1")
        #expect(CompiledPolicy(layers: [lab]).allowedSecurityModes(for: context) == [.plaintext])
        #expect(CompiledPolicy(layers: [lab, quiet]).allowedSecurityModes(for: context).isEmpty)
        let decision = CompiledPolicy(layers: [lab, quiet]).evaluate(.policy, facts: Facts(), context: context)
        #expect(decision.violations.map(\.code) == [.policyConflict])
    }

    @Test func levelsCombineAsTheContractSays() throws {
        func level(_ values: [ProtectionLevel]) -> EffectiveLevel {
            var field = StatementField<ProtectionLevel>.unstated
            for (rank, value) in values.enumerated() { field = field.meet(.init(stating: value, rank: rank)) }
            return Requirements.level(field)
        }
        #expect(level([]) == .optional)
        #expect(level([.optional]) == .optional)
        #expect(level([.optional, .required]) == .required)
        #expect(level([.forbidden, .optional]) == .forbidden)
        #expect(level([.required, .forbidden]) == .conflict)
        #expect(level([.forbidden, .required, .optional]) == .conflict)
    }

    @Test func boundsTakeTheStricterValue() {
        let a = AtLeastField(value: 2, rank: 3)
        let b = AtLeastField(value: 3, rank: 5)
        #expect(a.meet(b) == b && b.meet(a) == b)
        let small = AtMostField(value: 1000, rank: 4)
        let large = AtMostField(value: 5000, rank: 1)
        #expect(small.meet(large) == small && large.meet(small) == small)
        #expect(AtMostField.unstated.meet(large) == large)
    }
}
