import Testing

@testable import PosternSMTP

@Suite("EHLO capabilities")
struct CapabilitiesTests {
    func capabilities(_ text: String) throws -> SMTPCapabilities {
        var parser = SMTPReplyParser()
        parser.append([UInt8](text))
        return SMTPCapabilities(ehloReply: try #require(try parser.nextReply()))
    }

    @Test func parsesTheCommonExtensions() throws {
        let caps = try capabilities(
            "250-mx.test Hello\r\n250-pipelining\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-SmtpUtf8\r\n"
                + "250-STARTTLS\r\n250-AUTH PLAIN login scram-sha-256\r\n250-AUTH=XOAUTH2 PLAIN\r\n"
                + "250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n250 CHUNKING\r\n")
        #expect(caps.serverName == "mx.test")
        #expect(caps.pipelining && caps.eightBitMIME && caps.smtpUTF8 && caps.startTLS)
        #expect(caps.enhancedStatusCodes && caps.dsn && caps.chunking)
        #expect(caps.sizeLimit == 35_882_577)
        #expect(caps.authMechanisms == ["PLAIN", "LOGIN", "SCRAM-SHA-256", "XOAUTH2"])
        #expect(caps.supports("Pipelining"))
        #expect(caps.extensionDescriptions.contains("SIZE 35882577"))
    }

    @Test(
        "absent or odd extensions",
        arguments: [
            ("250 mx.test\r\n", nil as Int?),
            ("250-mx.test\r\n250 SIZE\r\n", 0),
            ("250-mx.test\r\n250 SIZE lots\r\n", 0),
        ])
    func sizes(_ text: String, _ size: Int?) throws {
        let caps = try capabilities(text)
        #expect(caps.sizeLimit == size)
        #expect(!caps.startTLS && !caps.pipelining && caps.authMechanisms.isEmpty)
    }

    @Test func ignoresGarbageKeywords() throws {
        let caps = try capabilities("250-mx.test\r\n250-ST@RTTLS\r\n250-\r\n250 X-FOO bar\r\n")
        #expect(!caps.startTLS)
        #expect(caps.parameters(of: "x-foo") == ["bar"])
    }
}
