import Testing

@testable import PosternMIME

/// A generator that replays fixed candidates, to force collisions.
struct ScriptedBoundaries: BoundaryGenerator {
    var candidates: [String]
    mutating func nextBoundary() -> String { candidates.isEmpty ? "" : candidates.removeFirst() }
}

@Suite struct MultipartBuilderTests {
    @Test func seededGeneratorIsReproducibleAndWellFormed() {
        var first = RandomBoundaryGenerator(rng: SplitMix64(seed: 42))
        var second = RandomBoundaryGenerator(rng: SplitMix64(seed: 42))
        let a = first.nextBoundary()
        #expect(a == second.nextBoundary())
        #expect(a != first.nextBoundary())
        #expect(a.hasPrefix("=_Postern_"))
        #expect(a.count <= 70)
    }

    @Test func buildsMultipartThatParsesBack() throws {
        let text = try MIMEEntity(
            contentType: ContentType(type: "text", subtype: "plain"), encodedBody: bytes("hello\nworld\n"))
        let data = try MIMEEntity(
            contentType: ContentType(type: "application", subtype: "octet-stream"), transferEncoding: "base64",
            encodedBody: Base64.encode([1, 2, 3]))
        var boundaries = RandomBoundaryGenerator(rng: SplitMix64(seed: 1))
        let entity = try MIMEEntity.multipart(
            subtype: "mixed", parts: [text, data], boundaries: &boundaries)
        var message = Message(entity: entity)
        try message.headers.set("From", "a@x.example")
        let written = try message.serialized()
        #expect(!hasBareLineEnding(written))
        let reparsed = try Message(parsing: written)
        let parts = try #require(reparsed.entity.multipart).parts
        #expect(try parts[0].decodedBody() == bytes("hello\r\nworld\r\n"))
        #expect(try parts[1].decodedBody() == [1, 2, 3])
    }

    @Test func boundaryOccurringInContentIsSkipped() throws {
        let part = try MIMEEntity(
            contentType: ContentType(type: "text", subtype: "plain"), encodedBody: bytes("--taken\r\n--taken--\r\n"))
        var boundaries = ScriptedBoundaries(candidates: ["taken", "free"])
        let entity = try MIMEEntity.multipart(subtype: "mixed", parts: [part], boundaries: &boundaries)
        #expect(entity.multipart?.boundary == "free")
        var always = ScriptedBoundaries(candidates: Array(repeating: "taken", count: 20))
        let error = try #require(throws: MIMEError.self) {
            try MIMEEntity.multipart(subtype: "mixed", parts: [part], boundaries: &always)
        }
        #expect(error.code == .boundaryCollision)
    }
}
