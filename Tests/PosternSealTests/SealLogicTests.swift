import PosternMIME
import PosternPolicy
import Testing

@testable import Postern

/// The pure parts of seal: the decision rule and the chunked canonicaliser.
@Suite struct SealLogicTests {
    struct PlanCase: CustomTestStringConvertible, Sendable {
        var sign: ProtectionFormat?
        var encrypt: ProtectionFormat?
        var signLevel: EffectiveLevel
        var encryptLevel: EffectiveLevel
        var formats: [ProtectionFormat]
        var keysFor: Set<ProtectionFormat>
        var expectedSign: ProtectionFormat?
        var expectedEncrypt: ProtectionFormat?
        var testDescription: String {
            "sign \(sign?.rawValue ?? "-")/\(signLevel) encrypt \(encrypt?.rawValue ?? "-")/\(encryptLevel) formats \(formats.map(\.rawValue)) keys \(keysFor.map(\.rawValue).sorted())"
        }
    }

    static let planCases: [PlanCase] = [
        // Nothing asked, nothing required: nothing applied.
        .init(signLevel: .optional, encryptLevel: .optional, formats: [.smime, .openpgp], keysFor: [.smime]),
        // Required and not asked for: applied, first allowed format with every key.
        .init(
            signLevel: .optional, encryptLevel: .required, formats: [.smime, .openpgp], keysFor: [.openpgp],
            expectedEncrypt: .openpgp),
        // No format has every key: the first allowed one (its missing keys get reported).
        .init(
            signLevel: .required, encryptLevel: .required, formats: [.openpgp, .smime], keysFor: [],
            expectedSign: .openpgp, expectedEncrypt: .openpgp),
        // The user's format wins, and the required operation follows it.
        .init(
            sign: .smime, signLevel: .optional, encryptLevel: .required, formats: [.openpgp, .smime],
            keysFor: [.openpgp], expectedSign: .smime, expectedEncrypt: .smime),
        // Asked for and forbidden: kept, so that the evaluation denies it.
        .init(
            encrypt: .smime, signLevel: .optional, encryptLevel: .forbidden, formats: [.smime], keysFor: [.smime],
            expectedEncrypt: .smime),
        // Required but no format allowed: nothing (the evaluation reports policy-conflict).
        .init(signLevel: .required, encryptLevel: .optional, formats: [], keysFor: [.smime]),
    ]

    @Test(arguments: planCases)
    func protectionPlan(_ test: PlanCase) {
        let plan = ProtectionPlan.decide(
            requestedSign: test.sign, requestedEncrypt: test.encrypt, signLevel: test.signLevel,
            encryptLevel: test.encryptLevel, allowedFormats: test.formats,
            hasAllKeys: { format, _, _ in test.keysFor.contains(format) })
        #expect(plan.sign == test.expectedSign)
        #expect(plan.encrypt == test.expectedEncrypt)
        #expect(plan.signImposed == (test.expectedSign != nil && test.sign == nil))
        #expect(plan.encryptImposed == (test.expectedEncrypt != nil && test.encrypt == nil))
    }

    @Test(arguments: 0..<200)
    func chunkCanonicalizerMatchesCRLFNormalizerForAnySplit(seed: Int) {
        var rng = SplitMix(seed: UInt64(seed))
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x41, 0x42, 0x20, 0x80, 0x00, 0x7A]
        let input = (0..<Int.random(in: 0..<400, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0x41 }
        var reference = CRLFNormalizer()
        var expected = reference.normalize(input)
        reference.finish(into: &expected)

        var canonicalizer = ChunkCanonicalizer()
        var output: [UInt8] = []
        var start = 0
        while start < input.count {
            let end = min(input.count, start + Int.random(in: 1...17, using: &rng))
            input[start..<end].withUnsafeBytes { canonicalizer.normalize($0, into: &output) }
            start = end
        }
        canonicalizer.finish()
        #expect(output == expected)
        #expect(canonicalizer.longestLine == reference.longestLine)
        #expect(canonicalizer.sawEightBitOrNUL == reference.sawEightBitOrNUL)
    }
}

/// A small seeded generator, so a failing case can be replayed by its seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
