import Testing

@testable import PosternMIME

@Suite struct CanonicalizerTests {
    @Test(arguments: [
        ("a\r\nb", "a\r\nb"),
        ("a\nb", "a\r\nb"),
        ("a\rb", "a\r\nb"),
        ("a\r\r\nb", "a\r\n\r\nb"),
        ("a\n\rb", "a\r\n\r\nb"),
        ("a\n\nb\n", "a\r\n\r\nb\r\n"),
        ("\r", "\r\n"),
        ("\n", "\r\n"),
        ("\r\n", "\r\n"),
        ("a\r\n\rb", "a\r\n\r\nb"),
        ("", ""),
        ("no newline", "no newline"),
    ])
    func canonicalisesEveryLineEnding(input: String, expected: String) {
        #expect(Canonicalizer.canonicalLineEndings(bytes(input)) == bytes(expected))
    }

    @Test func streamingMatchesOneShotAtEverySplitPoint() {
        let input = bytes("x\r\ny\rz\n\r\n\r\r\nend\r")
        let expected = Canonicalizer.canonicalLineEndings(input)
        for split in 0...input.count {
            var normalizer = CRLFNormalizer()
            var output = normalizer.normalize(input[..<split])
            output += normalizer.normalize(input[split...])
            output += normalizer.finish()
            #expect(output == expected, "split at \(split)")
        }
    }

    @Test func streamingByteByByteHandlesLargeInputInChunks() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x41, 0x42, 0x20]
        let input = (0..<20_000).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
        var normalizer = CRLFNormalizer()
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            let size = Int.random(in: 1...97, using: &rng)
            normalizer.normalize(input[index..<min(input.count, index + size)], into: &output)
            index += size
        }
        normalizer.finish(into: &output)
        #expect(output == Canonicalizer.canonicalLineEndings(input))
        #expect(!hasBareLineEnding(output))
        #expect(normalizer.longestLine == crlfLines(output).map(\.count).max())
    }

    @Test func tracksLongestLineAndEightBit() {
        var normalizer = CRLFNormalizer()
        _ = normalizer.normalize(bytes("short\n") + [UInt8](repeating: 0x41, count: 1200) + [0x0D])
        _ = normalizer.normalize(bytes("\nä"))
        _ = normalizer.finish()
        #expect(normalizer.longestLine == 1200)
        #expect(normalizer.sawEightBitOrNUL)
    }
}
