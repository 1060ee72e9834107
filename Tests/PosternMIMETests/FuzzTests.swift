import Testing

@testable import PosternMIME

@Suite struct FuzzTests {
    static let seeds: [[UInt8]] = [
        bytes(simpleMessage),
        bytes(
            """
            From: "A" <a@x.example>\r
            To: g: b@x.example, (c) <c@y.example>;\r
            Subject: =?utf-8?B?w6k=?=\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            --b1\r
            Content-Type: multipart/alternative; boundary=b2\r
            \r
            --b2\r
            Content-Type: text/plain; charset*=utf-8''x\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            a=3Db=\r
            c\r
            --b2--\r
            --b1\r
            Content-Transfer-Encoding: base64\r
            \r
            AAEC\r
            --b1--\r

            """),
        bytes(
            """
            From: a@x.example\r
            Content-Type: message/rfc822\r
            \r
            From: b@y.example\r
            Content-Type: multipart/alternative; boundary=q\r
            \r
            --q\r
            Content-Type: text/plain; charset=iso-8859-1\r
            Content-Disposition: attachment; filename*0*=utf-8''%C3%A9; filename*1=x\r
            \r
            \u{e9}t\u{e9}\r
            --q--\r

            """),
    ]

    /// Feeds a few thousand mutated messages through parse and write: each must either
    /// parse (and then write and re-parse consistently) or fail with a MIMEError.
    @Test func mutatedMessagesParseOrFailCleanly() throws {
        var rng = SplitMix64(seed: 0xC0FFEE)
        let interesting: [UInt8] = [
            0x0D, 0x0A, 0x00, 0x20, 0x09, 0xFF, 0xC3, UInt8(ascii: ":"), UInt8(ascii: "-"),
            UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ";"),
        ]
        var parsed = 0
        var rejected = 0
        for iteration in 0..<3000 {
            var data = Self.seeds[iteration % Self.seeds.count]
            let mutations = Int.random(in: 1...8, using: &rng)
            for _ in 0..<mutations where !data.isEmpty {
                let position = Int.random(in: 0..<data.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: data[position] = interesting[Int.random(in: 0..<interesting.count, using: &rng)]
                case 1: data[position] = UInt8.random(in: 0...255, using: &rng)
                case 2: data.remove(at: position)
                case 3: data.insert(interesting[Int.random(in: 0..<interesting.count, using: &rng)], at: position)
                default:
                    let end = min(data.count, position + Int.random(in: 1...40, using: &rng))
                    data.insert(contentsOf: data[position..<end], at: position)
                }
            }
            if iteration % 10 == 0 {
                data = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            do {
                let message = try Message(parsing: data)
                parsed += 1
                _ = message.subject
                for name in ["From", "To"] { _ = try? message.addresses(in: name) }
                for leaf in message.entity.leaves { _ = try? leaf.decodedBody() }
                if let written = try? message.serialized() {
                    #expect(!hasBareLineEnding(written))
                    #expect(crlfLines(written).allSatisfy { $0.count <= 998 })
                    let again = try Message(parsing: written)
                    #expect(try again.serialized() == written)
                }
                if let clean = try? message.serialized(options: WriteOptions(sevenBitClean: true)) {
                    #expect(try !Message(parsing: clean).requires8BitMIME)
                }
                _ = try? HeaderProtection.protect(message, as: .encrypted)
            } catch is MIMEError {
                rejected += 1
            }
        }
        // Both outcomes must actually occur, or the mutations are not exercising anything.
        #expect(parsed > 100)
        #expect(rejected > 100)
    }
}
