import Testing

@testable import PosternMIME

@Suite struct ContentTypeTests {
    @Test func parsesTypeAndParametersCaseInsensitively() throws {
        let type = try ContentType(parsing: "Multipart/Mixed; BOUNDARY=\"=_a b;c\" ; charset=UTF-8 (comment);")
        #expect(type.mimeType == "multipart/mixed")
        #expect(type.isMultipart)
        #expect(type[parameter: "boundary"] == "=_a b;c")
        #expect(type[parameter: "Charset"] == "UTF-8")
    }

    @Test func decodesRFC2231ContinuationsAndCharsets() throws {
        // RFC 2231 §3 and §4 examples.
        let continued = try ContentType(
            parsing: """
                message/external-body; access-type=URL; URL*0="ftp://"; URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"
                """)
        #expect(continued[parameter: "url"] == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        let encoded = try ContentType(
            parsing: "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A")
        #expect(encoded[parameter: "title"] == "This is ***fun***")
        let mixed = try ContentType(
            parsing: """
                application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2="isn't it!"
                """)
        #expect(mixed[parameter: "title"] == "This is even more ***fun*** isn't it!")
        let utf8 = try ContentType(parsing: "text/plain; name*=utf-8''%C3%A9t%C3%A9.txt")
        #expect(utf8[parameter: "name"] == "\u{e9}t\u{e9}.txt")
    }

    @Test func serializesQuotingAndRFC2231() throws {
        var type = ContentType(type: "text", subtype: "plain")
        type[parameter: "charset"] = "utf-8"
        type[parameter: "name"] = "a \"b\".txt"
        type[parameter: "title"] = "\u{e9}t\u{e9}"
        #expect(type.description == "text/plain; charset=utf-8; name=\"a \\\"b\\\".txt\"; title*=utf-8''%C3%A9t%C3%A9")
        #expect(try ContentType(parsing: type.description) == type)
    }

    @Test(arguments: ["text", "/plain", "text/plain; charset", "text/plain; =x", "text/plain junk", ""])
    func rejectsMalformed(value: String) {
        #expect(throws: MIMEError.self) { try ContentType(parsing: value) }
    }

    @Test func manyParametersParseInLinearTime() throws {
        // Would be quadratic with per-name filtering; 20k distinct names stays fast.
        let value = "text/plain" + (0..<20_000).map { "; p\($0)=v" }.joined()
        let type = try ContentType(parsing: value)
        #expect(type.parameters.count == 20_000)
    }
}
