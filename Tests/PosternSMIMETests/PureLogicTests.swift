import Foundation
import Testing

@testable import PosternSMIME

/// Tests of the pure pieces that need no PKI.
@Suite struct PureLogicTests {
    @Test(
        "address matching: local part exact, domain case-insensitive, split at the last @",
        arguments: [
            ("alice@example.org", "alice@example.org", true),
            ("alice@Example.ORG", "alice@example.org", true),
            ("Alice@example.org", "alice@example.org", false),
            ("alice+tag@example.org", "alice@example.org", false),
            (" alice@example.org", "alice@example.org", false),
            ("alice@example.org", "alice@example.org.", false),
            ("\"a@b\"@example.org", "\"a@b\"@example.org", true),
            ("alice", "alice", false),
            ("@example.org", "@example.org", false),
            ("alice@", "alice@", false),
            ("alice@exämple.org", "alice@EXÄMPLE.org", false),  // only ASCII letters fold
        ])
    func addressMatch(address: String, name: String, expected: Bool) {
        #expect(RFC822AddressMatch.matches(address: address, certificateName: name) == expected)
    }

    @Test(
        "base64 with CRLF lines equals Foundation's encoding, whatever the chunking",
        arguments: [0, 1, 2, 3, 56, 57, 58, 114, 1000, 4099])
    func base64Chunking(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let input = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let expected = Data(input).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        for chunk in [1, 7, 57, 64, 10_000] {
            let collected = ArraySink()
            let encoder = Base64LineSink(next: collected)
            var offset = 0
            while offset < input.count {
                let end = min(offset + chunk, input.count)
                try encoder.write(Array(input[offset..<end]))
                offset = end
            }
            try encoder.finish()
            let text = String(decoding: collected.bytes, as: UTF8.self)
            #expect(text == (expected.isEmpty ? "" : expected + "\r\n"), "chunk \(chunk)")
        }
    }

    @Test("the boundary scanner finds a delimiter line split across chunks, and only at a line start")
    func boundaryScanner() {
        let content = Array("abc\r\nx--b0und\r\n--b0und-rest\r\n".utf8)
        for split in 0...content.count {
            var scanner = BoundaryScanner(boundary: "b0und")
            content[..<split].withUnsafeBytes { scanner.scan($0) }
            content[split...].withUnsafeBytes { scanner.scan($0) }
            #expect(scanner.found, "split at \(split)")
        }
        var clean = BoundaryScanner(boundary: "b0und")
        Array("x--b0und\r\n -b0und\r\n--b0un\r\n".utf8).withUnsafeBytes { clean.scan($0) }
        #expect(!clean.found)
        var atStart = BoundaryScanner(boundary: "b0und")
        Array("--b0und".utf8).withUnsafeBytes { atStart.scan($0) }
        #expect(atStart.found)
    }
}
