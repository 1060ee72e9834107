import Testing

@testable import PosternMIME

@Suite struct EncapsulationAndHeaderEncodingTests {
    let forwarded = """
        From: a@x.example\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary=b\r
        \r
        --b\r
        Content-Type: text/plain\r
        \r
        see below\r
        --b\r
        Content-Type: message/rfc822\r
        \r
        From: old@y.example\r
        Subject: =?utf-8?Q?caf=C3=A9?=\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: 8bit\r
        \r
        Grüße \(String(repeating: "long ", count: 300))\r
        --b--\r

        """

    @Test func encapsulatedMessageIsParsedAndRoundTrips() throws {
        let message = try Message(parsing: bytes(forwarded))
        let parts = try #require(message.entity.multipart).parts
        let inner = try #require(parts[1].encapsulatedMessage)
        #expect(inner.headers["Subject"] == "=?utf-8?Q?caf=C3=A9?=")
        #expect(message.entity.leaves.count == 2)
        // The forwarded body line is over 998 octets, so writing re-encodes it (inside the
        // encapsulated message); the result parses to the prepared model and is stable.
        let written = try message.serialized()
        #expect(written != bytes(forwarded))
        #expect(try Message(parsing: written) == message.prepared())
        #expect(try Message(parsing: written).serialized() == written)
    }

    @Test func encapsulatedMessageLeafIsReencodedInsideNotTheWrapper() throws {
        let message = try Message(parsing: bytes(forwarded))
        let written = try message.serialized(options: WriteOptions(sevenBitClean: true))
        #expect(written.allSatisfy { $0 < 0x80 })
        #expect(crlfLines(written).allSatisfy { $0.count <= 998 })
        let reparsed = try Message(parsing: written)
        let wrapper = try #require(reparsed.entity.multipart).parts[1]
        #expect(wrapper.headers["Content-Transfer-Encoding"] == nil)
        let inner = try #require(wrapper.encapsulatedMessage)
        #expect(inner.headers.contentTransferEncoding == "quoted-printable")
        let originalWrapper = try #require(message.entity.multipart).parts[1]
        let original = try #require(originalWrapper.encapsulatedMessage)
        #expect(try inner.decodedBody() == original.decodedBody())
    }

    @Test func unparseableEncapsulatedMessageStaysALeaf() throws {
        let raw = "Content-Type: message/rfc822\r\n\r\nnot a header line\r\n"
        let message = try Message(parsing: bytes(raw))
        #expect(message.entity.body == .leaf(bytes("not a header line\r\n")))
    }

    @Test func partHeadersWithUTF8BecomeRFC2231AndEncodedWords() throws {
        let raw = """
            From: a@x.example\r
            Content-Type: multipart/mixed; boundary=b\r
            \r
            --b\r
            Content-Type: application/pdf; name="Übersicht.pdf"\r
            Content-Disposition: attachment; filename="Übersicht.pdf"\r
            Content-Description: Übersicht\r
            Content-Transfer-Encoding: base64\r
            \r
            AAEC\r
            --b--\r

            """
        let message = try Message(parsing: bytes(raw))
        #expect(message.requires8BitMIME)
        let written = try message.serialized(options: WriteOptions(sevenBitClean: true))
        #expect(written.allSatisfy { $0 < 0x80 })
        let part = try #require(try Message(parsing: written).entity.multipart).parts[0]
        #expect(try part.contentType()[parameter: "name"] == "Übersicht.pdf")
        let disposition = try #require(part.headers["Content-Disposition"])
        #expect(try ContentDisposition(parsing: disposition)[parameter: "filename"] == "Übersicht.pdf")
        #expect(part.headers.fields(named: "Content-Description").first?.decodedValue == "Übersicht")
    }

    @Test func injectedHeadersAreSevenBitForSigningButKeepTheirMeaning() throws {
        let raw = "From: Jörg Müller <joerg@x.example>\r\nTo: \"Team\" <t@x.example>\r\nSubject: Grüße\r\n\r\nhi\r\n"
        let message = try Message(parsing: bytes(raw))
        let result = try HeaderProtection.protect(message, as: .encrypted)
        var out: [UInt8] = []
        MessageWriter.write(result.inner, into: &out)
        #expect(out.allSatisfy { $0 < 0x80 })
        let inner = try MessageParser.parse(out)
        #expect(inner.subject == "Grüße")
        let from = try inner.addresses(in: "From")
        #expect(from.map(\.displayName) == ["Jörg Müller"])
        #expect(from.map(\.address) == ["joerg@x.example"])
        let hpOuter = inner.headers.fields(named: "HP-Outer").map(\.decodedValue)
        #expect(hpOuter.contains("From: Jörg Müller <joerg@x.example>"))
        #expect(hpOuter.contains("Subject: [...]"))
    }

    @Test(arguments: [
        "a@x.example", "Alice <a@x.example>", "\"Doe, John\" <j@x.example>", "G: a@x.example, B <b@x.example>;",
        "\"quote \\\" inside\" <q@x.example>", "Jörg <j@x.example>", "John Q. Public <jqp@x.example>",
    ])
    func formattedAddressesParseBackIdentically(input: String) throws {
        let parsed = try AddressParser.parseList(input)
        #expect(try AddressParser.parseList(AddressFormatter.format(parsed)) == parsed)
    }
}
