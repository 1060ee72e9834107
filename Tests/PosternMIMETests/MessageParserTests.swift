import Testing

@testable import PosternMIME

@Suite struct MessageParserTests {
    @Test func parsesHeadersWithFoldingCaseInsensitively() throws {
        let message = try Message(parsing: bytes(simpleMessage))
        #expect(message.headers["subject"] == "Hello world")
        #expect(message.subject == "Hello world")
        #expect(message.headers.fields(named: "SUBJECT").first?.rawValue == bytes(" Hello\r\n world"))
        #expect(try message.addresses(in: "to").map(\.address) == ["bob@example.org", "carol@example.net"])
        #expect(try message.addresses(in: "From").first?.displayName == "Alice Example")
        #expect(try message.entity.decodedBody() == bytes("Body line one.\r\nBody line two.\r\n"))
        #expect(!message.requiresSMTPUTF8)
    }

    @Test(arguments: ["\n", "\r", "\r\n"])
    func anyLineEndingParsesToTheSameCanonicalMessage(ending: String) throws {
        let input = simpleMessage.replacingOccurrences("\r\n", ending)
        let message = try Message(parsing: bytes(input))
        let canonical = try Message(parsing: bytes(simpleMessage))
        #expect(message == canonical)
        #expect(try message.serialized() == bytes(simpleMessage))
    }

    @Test func headerOnlyMessageWithoutBlankLineIsAccepted() throws {
        let message = try Message(parsing: bytes("From: a@b.example\r\nSubject: x"))
        #expect(message.headers.count == 2)
        #expect(message.entity.body == .leaf([]))
    }

    @Test func decodesEncodedWordSubjectAndAcceptsUTF8Headers() throws {
        let message = try Message(
            parsing: bytes("Subject: =?utf-8?Q?gr=C3=BC=C3=9Fe?=\r\nTo: Jörg <jörg@example.org>\r\n\r\nx"))
        #expect(message.subject == "grüße")
        #expect(message.requiresSMTPUTF8)
        #expect(try message.addresses(in: "To").first?.localPart == "jörg")
    }

    @Test func parsesNestedMultipartAndDecodesParts() throws {
        let raw = """
            From: a@example.org\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            preamble\r
            --outer\r
            Content-Type: multipart/alternative; boundary=inner\r
            \r
            --inner\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            caf=C3=A9\r
            --inner\r
            Content-Type: text/html\r
            \r
            <p>hi</p>\r
            --inner--\r
            --outer  \r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: base64\r
            \r
            AAECAw==\r
            --outer--\r
            epilogue\r

            """
        let message = try Message(parsing: bytes(raw))
        let outer = try #require(message.entity.multipart)
        #expect(outer.boundary == "outer")
        #expect(outer.preamble == bytes("preamble"))
        #expect(outer.epilogue == bytes("epilogue\r\n"))
        #expect(outer.parts.count == 2)
        let inner = try #require(outer.parts[0].multipart)
        #expect(inner.parts.count == 2)
        #expect(try inner.parts[0].decodedBody() == bytes("café"))
        #expect(try inner.parts[1].decodedBody() == bytes("<p>hi</p>"))
        #expect(try outer.parts[1].decodedBody() == [0, 1, 2, 3])
        #expect(message.entity.leaves.count == 3)
        // Round trip: the output parses to the same model (transport padding is dropped).
        let written = try message.serialized()
        #expect(try Message(parsing: written) == message)
        #expect(try Message(parsing: written).serialized() == written)
    }

    struct BadInput: Sendable, CustomStringConvertible {
        var name: String
        var input: [UInt8]
        var code: MIMEError.Code
        var line: Int?
        var description: String { name }
    }

    @Test(arguments: [
        BadInput(
            name: "line that is not a header", input: bytes("From: a@b.example\r\nthis is not a header\r\n\r\nbody"),
            code: .malformedHeader, line: 2),
        BadInput(name: "empty input", input: [], code: .noHeaderFields, line: 1),
        BadInput(name: "blank first line", input: bytes("\r\nbody\r\n"), code: .noHeaderFields, line: 1),
        BadInput(
            name: "continuation first", input: bytes(" folded\r\nFrom: a@b.example\r\n\r\n"),
            code: .malformedHeader, line: 1),
        BadInput(name: "empty field name", input: bytes(": value\r\n\r\n"), code: .malformedHeader, line: 1),
        BadInput(
            name: "NUL in header", input: bytes("From: a@b.example\r\nSubject: a") + [0] + bytes("b\r\n\r\n"),
            code: .nulInHeader, line: 2),
        BadInput(
            name: "latin-1 in header", input: bytes("Subject: caf") + [0xE9] + bytes("\r\n\r\n"),
            code: .eightBitInHeader, line: 1),
        BadInput(
            name: "multipart without boundary", input: bytes("Content-Type: multipart/mixed\r\n\r\n--x\r\n"),
            code: .malformedMultipart, line: 1),
        BadInput(
            name: "multipart without closing delimiter",
            input: bytes("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\npart\r\n"),
            code: .malformedMultipart, line: nil),
        BadInput(
            name: "multipart whose boundary never occurs",
            input: bytes("Content-Type: multipart/mixed; boundary=x\r\n\r\nno parts here\r\n"),
            code: .malformedMultipart, line: 3),
        BadInput(
            name: "multipart with no parts",
            input: bytes("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"),
            code: .malformedMultipart, line: 3),
        BadInput(
            name: "malformed content type", input: bytes("Content-Type: text\r\n\r\n"),
            code: .malformedContentType, line: 1),
        BadInput(
            name: "header line over 998", input: bytes("Subject: " + String(repeating: "x", count: 1000) + "\r\n\r\n"),
            code: .headerLineTooLong, line: 1),
    ])
    func malformedInputIsAnErrorWithLocation(bad: BadInput) {
        do {
            _ = try Message(parsing: bad.input)
            Issue.record("\(bad.name) was accepted")
        } catch let error as MIMEError {
            #expect(error.code == bad.code, "\(error)")
            if let line = bad.line { #expect(error.line == line, "\(error)") }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func utf8HeadersAreRefusedWhenNotAllowed() {
        #expect(throws: MIMEError.self) {
            try Message(parsing: bytes("Subject: grüße\r\n\r\n"), options: ParseOptions(allowUTF8Headers: false))
        }
    }

    @Test func hundredMegabyteHeaderLineIsRefusedAfterTheLimit() throws {
        var input = [UInt8](repeating: UInt8(ascii: "x"), count: 100 * 1024 * 1024)
        input.replaceSubrange(0..<9, with: bytes("Subject: "))
        let error = try #require(throws: MIMEError.self) { try Message(parsing: input) }
        #expect(error.code == .headerLineTooLong)
        #expect(error.line == 1)
    }

    @Test func headerCountAndSizeLimitsHold() throws {
        let many = String(repeating: "X-A: b\r\n", count: 50) + "\r\n"
        let countError = try #require(throws: MIMEError.self) {
            try Message(parsing: bytes(many), options: ParseOptions(limits: MessageSizeLimits(maxHeaderCount: 10)))
        }
        #expect(countError.code == .tooManyHeaders)
        let sizeError = try #require(throws: MIMEError.self) {
            try Message(parsing: bytes(many), options: ParseOptions(limits: MessageSizeLimits(maxHeaderBytes: 100)))
        }
        #expect(sizeError.code == .headerSectionTooLarge)
        // An endless folded field is bounded by the total header size too.
        let folded = "Subject: x" + String(repeating: "\r\n y", count: 200_000) + "\r\n\r\n"
        let foldedError = try #require(throws: MIMEError.self) { try Message(parsing: bytes(folded)) }
        #expect(foldedError.code == .headerSectionTooLarge)
    }

    @Test func deepNestingIsRefused() throws {
        var raw = ""
        for depth in 0..<40 { raw += "Content-Type: multipart/mixed; boundary=b\(depth)\r\n\r\n--b\(depth)\r\n" }
        raw += "\r\nleaf\r\n"
        for depth in (0..<40).reversed() { raw += "--b\(depth)--\r\n" }
        let error = try #require(throws: MIMEError.self) { try Message(parsing: bytes(raw)) }
        #expect(error.code == .nestingTooDeep)
        // The same structure within the limit parses.
        #expect(throws: Never.self) {
            try Message(parsing: bytes(raw), options: ParseOptions(limits: MessageSizeLimits(maxNestingDepth: 64)))
        }
    }

    @Test func errorDescriptionNamesLocation() {
        let error = MIMEError(.malformedHeader, "bad", line: 3, byteOffset: 17)
        #expect(error.description == "line 3, byte 17: malformed-header: bad")
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
