import Testing

@testable import PosternMIME

/// Generates random MIME trees, writes them, parses them back and checks that the
/// structure and every decoded leaf survive, with and without 7-bit cleaning.
@Suite struct RoundTripTests {
    static func randomBody(_ rng: inout SplitMix64) -> [UInt8] {
        let pieces: [[UInt8]] = [
            bytes("text "), bytes("\r\n"), bytes("\n"), bytes("\r"), bytes("ü"), bytes("="),
            bytes("--"), bytes(" \t"), bytes("From "), [0xFF, 0x00], bytes(String(repeating: "L", count: 700)),
        ]
        var out: [UInt8] = []
        for _ in 0..<Int.random(in: 0..<40, using: &rng) {
            out += pieces[Int.random(in: 0..<pieces.count, using: &rng)]
        }
        return out
    }

    static func randomEntity(_ rng: inout SplitMix64, depth: Int, boundaries: inout RandomBoundaryGenerator<SplitMix64>)
        throws -> MIMEEntity
    {
        if depth < 3, Int.random(in: 0..<3, using: &rng) == 0 {
            let parts = try (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                try randomEntity(&rng, depth: depth + 1, boundaries: &boundaries)
            }
            return try MIMEEntity.multipart(subtype: "mixed", parts: parts, boundaries: &boundaries)
        }
        let isText = Bool.random(using: &rng)
        let type =
            isText
            ? ContentType(type: "text", subtype: "plain", parameters: [.init("charset", "utf-8")])
            : ContentType(type: "application", subtype: "octet-stream")
        let body = randomBody(&rng)
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: return try MIMEEntity(contentType: type, transferEncoding: "base64", encodedBody: Base64.encode(body))
        case 1:
            return try MIMEEntity(
                contentType: type, transferEncoding: "quoted-printable",
                encodedBody: QuotedPrintable.encode(body, text: false))
        default: return try MIMEEntity(contentType: type, transferEncoding: "8bit", encodedBody: body)
        }
    }

    static func decodedLeaves(_ entity: MIMEEntity) throws -> [[UInt8]] {
        try entity.leaves.map { try #require(try $0.decodedBody()) }
    }

    @Test(arguments: [false, true])
    func randomTreesRoundTrip(sevenBitClean: Bool) throws {
        var rng = SplitMix64(seed: sevenBitClean ? 99 : 98)
        var boundaries = RandomBoundaryGenerator(rng: SplitMix64(seed: 5))
        for _ in 0..<150 {
            var message = Message(entity: try Self.randomEntity(&rng, depth: 0, boundaries: &boundaries))
            try message.headers.set("From", "a@x.example")
            let options = WriteOptions(sevenBitClean: sevenBitClean)
            let written = try message.serialized(options: options)
            #expect(!hasBareLineEnding(written))
            #expect(crlfLines(written).allSatisfy { $0.count <= 998 })
            if sevenBitClean { #expect(written.allSatisfy { $0 < 0x80 && $0 != 0 }) }
            let reparsed = try Message(parsing: written)
            #expect(reparsed == (try message.prepared(options: options)))
            #expect(try reparsed.serialized(options: options) == written)
            // Re-encoding never changes what a reader decodes, octet for octet.
            #expect(try Self.decodedLeaves(message.entity) == Self.decodedLeaves(reparsed.entity))
        }
    }
}
