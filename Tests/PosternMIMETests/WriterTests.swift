import Testing

@testable import PosternMIME

@Suite struct WriterTests {
    @Test func unchangedMessageIsWrittenByteForByte() throws {
        let message = try Message(parsing: bytes(simpleMessage))
        #expect(try message.serialized() == bytes(simpleMessage))
    }

    @Test func removingBccDropsEveryBccField() throws {
        let message = try Message(
            parsing: bytes("From: a@x.example\r\nBcc: b@x.example\r\nbcc: c@x.example\r\n\r\nhi\r\n"))
        let stripped = message.removingHeader("BCC")
        #expect(!stripped.headers.contains("bcc"))
        #expect(!text(try stripped.serialized()).lowercased().contains("bcc"))
        #expect(stripped.headers.count == 1)
    }

    @Test func bodyLineOver998OctetsBecomesQuotedPrintableOnThatLeafOnly() throws {
        let long = String(repeating: "abcdefghij", count: 150)
        let raw = """
            From: a@x.example\r
            Content-Type: multipart/mixed; boundary=b\r
            \r
            --b\r
            Content-Type: text/plain\r
            \r
            short line\r
            --b\r
            Content-Type: text/plain\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(long)\r
            next line\r
            --b--\r

            """
        let message = try Message(parsing: bytes(raw))
        let written = try message.serialized()
        #expect(crlfLines(written).allSatisfy { $0.count <= 998 })
        let reparsed = try Message(parsing: written)
        let parts = try #require(reparsed.entity.multipart).parts
        #expect(parts[0].headers["Content-Transfer-Encoding"] == nil)
        #expect(parts[1].headers["Content-Transfer-Encoding"] == "quoted-printable")
        #expect(parts[1].headers.fields(named: "Content-Transfer-Encoding").count == 1)
        #expect(try parts[1].decodedBody() == bytes("\(long)\r\nnext line"))
        #expect(reparsed.headers["MIME-Version"] == "1.0")
    }

    @Test func eightBitStaysUnlessSevenBitCleanIsAsked() throws {
        let raw = """
            From: a@x.example\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary=b\r
            \r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Grüße\r
            --b\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: binary\r
            \r
            \u{1}\u{2}ÿ\r
            --b--\r

            """
        let message = try Message(parsing: bytes(raw))
        #expect(message.requires8BitMIME)
        #expect(try message.serialized() == bytes(raw))

        let clean = try message.serialized(options: WriteOptions(sevenBitClean: true))
        #expect(clean.allSatisfy { $0 < 0x80 && $0 != 0 })
        let reparsed = try Message(parsing: clean)
        #expect(!reparsed.requires8BitMIME)
        let parts = try #require(reparsed.entity.multipart).parts
        #expect(parts[0].headers.contentTransferEncoding == "quoted-printable")
        #expect(parts[1].headers.contentTransferEncoding == "base64")
        let originalParts = try #require(message.entity.multipart).parts
        #expect(try parts[0].decodedBody() == originalParts[0].decodedBody())
        #expect(try parts[1].decodedBody() == originalParts[1].decodedBody())
    }

    @Test func unparseableEncapsulatedMessageNeedingReencodingIsAnError() throws {
        let raw = "Content-Type: message/rfc822\r\n\r\nSubject: " + String(repeating: "x", count: 1200) + "\r\n"
        let message = try Message(parsing: bytes(raw))
        #expect(throws: MIMEError.self) { try message.serialized() }
    }

    @Test func headerValuesWithLineBreaksOrNULAreRefused() {
        for value in ["a\r\nBcc: evil@x.example", "a\nb", "a\rb", "a\u{0}b"] {
            #expect(throws: MIMEError.self) { try HeaderField(name: "Subject", value: value) }
        }
        #expect(throws: MIMEError.self) { try HeaderField(name: "Bad Name", value: "x") }
        #expect(throws: MIMEError.self) { try HeaderField(name: "", value: "x") }
    }

    @Test func longApiValuesAreFoldedUnder78Octets() throws {
        let words = (0..<60).map { "word\($0)" }.joined(separator: " ")
        let field = try HeaderField(name: "Subject", value: words)
        let lines = crlfLines(field.serialized)
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(field.value == words)
        #expect(throws: MIMEError.self) {
            try HeaderField(name: "Subject", value: String(repeating: "x", count: 1000))
        }
    }

    @Test func setReplacesInPlace() throws {
        var headers = Headers()
        try headers.set("A", "1")
        try headers.set("B", "2")
        try headers.set("a", "3")
        #expect(headers.map(\.value) == ["3", "2"])
    }
}

@Suite struct WriterCanonicalFormTests {
    @Test func apiBuiltBodiesWithBareLineEndingsAreWrittenCanonically() throws {
        var headers = Headers()
        try headers.set("From", "a@x.example")
        let message = Message(entity: MIMEEntity(headers: headers, body: .leaf(bytes("one\ntwo\rthree\r\n"))))
        let written = try message.serialized()
        #expect(!hasBareLineEnding(written))
        #expect(text(written).hasSuffix("\r\n\r\none\r\ntwo\r\nthree\r\n"))
    }

    @Test func multipartBoundaryHeaderIsKeptInStepWithTheBody() throws {
        let part = MIMEEntity(headers: Headers(), body: .leaf(bytes("x")))
        var headers = Headers()
        try headers.set("Content-Type", "multipart/mixed; boundary=stale")
        let entity = MIMEEntity(headers: headers, body: .multipart(Multipart(boundary: "fresh", parts: [part])))
        let written = try MessageWriter.serialize(entity)
        let reparsed = try MessageParser.parse(written)
        #expect(reparsed.entity.multipart?.boundary == "fresh")
        #expect(reparsed.entity.multipart?.parts.count == 1)
        // No Content-Type at all: the writer declares multipart/mixed.
        let bare = MIMEEntity(headers: Headers(), body: .multipart(Multipart(boundary: "b", parts: [part])))
        #expect(
            try MessageParser.parse(MessageWriter.serialize(bare)).entity.contentType().mimeType == "multipart/mixed")
    }

    @Test func headerLinesAcceptedUnderARaisedLimitAreRefoldedOnWrite() throws {
        let subject = (0..<300).map { "w\($0)" }.joined(separator: " ")
        let raw = "From: a@x.example\r\nSubject: \(subject)\r\n\r\nbody\r\n"
        let options = ParseOptions(limits: MessageSizeLimits(maxHeaderLineLength: 5000))
        let message = try Message(parsing: bytes(raw), options: options)
        let written = try message.serialized()
        #expect(crlfLines(written).allSatisfy { $0.count <= 998 })
        #expect(try Message(parsing: written).headers["Subject"] == subject)
    }

    @Test func recipientsCombineToCcBccWithoutDuplicates() throws {
        let raw =
            "From: a@x.example\r\nTo: B <b@x.example>, c@x.example\r\nCc: C@X.example, d@x.example\r\nBcc: e@x.example\r\n\r\n"
        let message = try Message(parsing: bytes(raw))
        #expect(
            try message.recipients().map(\.address) == ["b@x.example", "c@x.example", "d@x.example", "e@x.example"])
        #expect(
            try message.recipients(includingBcc: false).map(\.address) == ["b@x.example", "c@x.example", "d@x.example"])
    }
}
