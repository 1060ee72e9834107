import Testing

@testable import PosternMIME

@Suite struct HeaderProtectionTests {
    let message: Message = {
        let raw = simpleMessage.replacingOccurrences(
            "Date:",
            "Keywords: secret plans\r\nResent-Bcc: r@x.example\r\nContent-Type: text/plain; charset=utf-8\r\nDate:")
        return (try? Message(parsing: bytes(raw))) ?? Message(entity: MIMEEntity(headers: Headers(), body: .leaf([])))
    }()

    @Test func encryptedPayloadCarriesRealHeadersAndOuterIsObscured() throws {
        #expect(message.headers.contains("Keywords"))
        let result = try HeaderProtection.protect(message, as: .encrypted)
        let inner = result.inner.headers
        let contentType = try inner.contentType()
        #expect(contentType.mimeType == "text/plain")
        #expect(contentType[parameter: "hp"] == "cipher")
        #expect(contentType[parameter: "charset"] == "utf-8")
        #expect(inner.first?.hasName("Content-Type") == true)
        #expect(inner["Subject"] == "Hello world")
        #expect(inner["From"] == "Alice Example <alice@example.org>")
        #expect(inner["Message-ID"] == "<1@example.org>")
        #expect(inner["Keywords"] == "secret plans")
        #expect(!inner.contains("Bcc"))
        #expect(!inner.contains("Resent-Bcc"))
        let hpOuter = inner.fields(named: "HP-Outer").map(\.value)
        #expect(hpOuter.contains("Subject: [...]"))
        #expect(hpOuter.contains("From: Alice Example <alice@example.org>"))
        #expect(!hpOuter.contains { $0.hasPrefix("Keywords") || $0.hasPrefix("Bcc") })

        let outer = result.outerHeaders
        #expect(outer["Subject"] == "[...]")
        #expect(outer["From"] == "Alice Example <alice@example.org>")
        #expect(outer["Message-ID"] == "<1@example.org>")
        #expect(outer["MIME-Version"] == "1.0")
        #expect(!outer.contains("Bcc"))
        #expect(!outer.contains("Resent-Bcc"))
        #expect(!outer.contains("Keywords"))
        #expect(!outer.contains { $0.name.lowercased().hasPrefix("content-") })
        #expect(try result.inner.decodedBody() == bytes("Body line one.\r\nBody line two.\r\n"))
    }

    @Test func signedOnlyKeepsSubjectOutsideAndMarksClear() throws {
        let result = try HeaderProtection.protect(message, as: .signed)
        #expect(try result.inner.headers.contentType()[parameter: "hp"] == "clear")
        #expect(!result.inner.headers.contains("HP-Outer"))
        #expect(result.outerHeaders["Subject"] == "Hello world")
        #expect(result.outerHeaders["Keywords"] == "secret plans")
        #expect(!result.outerHeaders.contains("Bcc"))
        #expect(!result.inner.headers.contains("Bcc"))
    }

    @Test func outerMessageCombinesOuterHeadersWithCryptoEntity() throws {
        let result = try HeaderProtection.protect(message, as: .encrypted)
        let wrapper = try MIMEEntity(
            contentType: ContentType(
                type: "application", subtype: "pkcs7-mime",
                parameters: [.init("smime-type", "enveloped-data")]),
            transferEncoding: "base64", encodedBody: Base64.encode([9, 9, 9]))
        let outer = result.outerMessage(wrapping: wrapper)
        let written = text(try outer.serialized())
        #expect(written.contains("Subject: [...]\r\n"))
        #expect(!written.contains("Hello"))
        #expect(!written.lowercased().contains("bcc"))
        #expect(try outer.entity.contentType().mimeType == "application/pkcs7-mime")
        #expect(outer.headers.fields(named: "MIME-Version").count == 1)
    }

    @Test func innerBodyIsMadeSevenBitCleanForSigning() throws {
        let raw = "From: a@x.example\r\nSubject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n"
        let result = try HeaderProtection.protect(try Message(parsing: bytes(raw)), as: .signed)
        var out: [UInt8] = []
        MessageWriter.write(result.inner, into: &out)
        #expect(out.allSatisfy { $0 < 0x80 })
        #expect(result.inner.headers.contentTransferEncoding == "quoted-printable")
        #expect(try result.inner.decodedBody() == bytes("Grüße\r\n"))
    }

    @Test func preparedInnerEntityIsSerializedUnchanged() throws {
        let raw =
            "From: a@x.example\r\nSubject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße "
            + String(repeating: "x", count: 1200) + "\r\n"
        let result = try HeaderProtection.protect(try Message(parsing: bytes(raw)), as: .signed)
        var direct: [UInt8] = []
        MessageWriter.write(result.inner, into: &direct)
        #expect(try result.inner.serialized() == direct)
        #expect(try result.inner.serialized(options: WriteOptions(sevenBitClean: true)) == direct)
    }

    @Test func multipartPayloadGetsHpOnItsRoot() throws {
        let raw =
            "From: a@x.example\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\nx\r\n--z--\r\n"
        let result = try HeaderProtection.protect(try Message(parsing: bytes(raw)), as: .encrypted)
        let contentType = try result.inner.headers.contentType()
        #expect(contentType.mimeType == "multipart/mixed")
        #expect(contentType[parameter: "hp"] == "cipher")
        #expect(contentType[parameter: "boundary"] == "z")
        var out: [UInt8] = []
        MessageWriter.write(result.inner, into: &out)
        let reparsed = try MessageParser.parse(out)
        #expect(reparsed.entity.multipart?.parts.count == 1)
        #expect(reparsed.headers["Subject"] == "s")
    }
}

@Suite struct SigningAssemblyTests {
    /// What S/MIME and PGP/MIME signing rely on: the first part of the assembled
    /// multipart/signed, as transmitted, is octet for octet the content that was signed.
    @Test func signedPartIsTransmittedExactlyAsSigned() throws {
        let raw = """
            From: Jörg <joerg@x.example>\r
            To: b@x.example\r
            Bcc: hidden@x.example\r
            Subject: Grüße\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            From the start: \(String(repeating: "ü", count: 600))\r
            trailing space \r

            """
        let message = try Message(parsing: bytes(raw))
        let protected = try HeaderProtection.protect(message, as: .signed)
        let signedOctets = try protected.inner.serialized()
        let signature = try MIMEEntity(
            contentType: ContentType(type: "application", subtype: "pkcs7-signature"), transferEncoding: "base64",
            encodedBody: Base64.encode([0x30, 0x80, 0x01]))
        var boundaries = RandomBoundaryGenerator(rng: SplitMix64(seed: 3))
        let signed = try MIMEEntity.multipart(
            subtype: "signed",
            parameters: [.init("protocol", "application/pkcs7-signature"), .init("micalg", "sha-256")],
            parts: [protected.inner, signature], boundaries: &boundaries)
        let wire = try protected.outerMessage(wrapping: signed).serialized()

        // Find the first part on the wire by its boundary, independently of our parser.
        let boundary = try #require(signed.multipart?.boundary)
        let opening = bytes("--\(boundary)\r\n")
        let delimiter = bytes("\r\n--\(boundary)")
        let start = try #require(firstRange(of: opening, in: wire)).upperBound
        let end = try #require(firstRange(of: delimiter, in: Array(wire[start...]))).lowerBound + start
        #expect(Array(wire[start..<end]) == signedOctets)
        // The signed content is 7-bit (RFC 8551 §3.1.1); the outer header keeps the original's
        // UTF-8, so the message needs SMTPUTF8 exactly as the original did.
        #expect(signedOctets.allSatisfy { $0 < 0x80 })
        #expect(try Message(parsing: wire).requiresSMTPUTF8 == message.requiresSMTPUTF8)
        #expect(!text(wire).lowercased().contains("bcc"))
        #expect(crlfLines(wire).allSatisfy { $0.count <= 998 })
    }

    @Test func customConfidentialityPolicyIsApplied() throws {
        let policy = HeaderProtection.ConfidentialityPolicy { field in
            if field.hasName("To") { return nil }
            return try HeaderProtection.ConfidentialityPolicy.baseline.transform(field)
        }
        let message = try Message(parsing: bytes(simpleMessage))
        let result = try HeaderProtection.protect(message, as: .encrypted, policy: policy)
        #expect(!result.outerHeaders.contains("To"))
        #expect(result.outerHeaders["Subject"] == "[...]")
        #expect(result.inner.headers["To"] != nil)
        #expect(!result.inner.headers.fields(named: "HP-Outer").contains { $0.value.hasPrefix("To:") })
    }
}

func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
    guard needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count)
    where haystack[start..<(start + needle.count)].elementsEqual(needle) {
        return start..<(start + needle.count)
    }
    return nil
}
