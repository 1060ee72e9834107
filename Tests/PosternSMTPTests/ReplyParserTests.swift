import Testing

@testable import PosternSMTP

@Suite("Reply parser")
struct ReplyParserTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var input: String
        var codes: [Int]
        var lineCounts: [Int]
        var testDescription: String { input.debugDescription }
    }

    static let valid: [Valid] = [
        Valid(input: "220 mx.test ESMTP\r\n", codes: [220], lineCounts: [1]),
        Valid(input: "250-mx.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n", codes: [250], lineCounts: [3]),
        Valid(input: "250\r\n", codes: [250], lineCounts: [1]),
        Valid(input: "250-\r\n250 \r\n", codes: [250], lineCounts: [2]),
        Valid(input: "250 ok\r\n354 go ahead\r\n", codes: [250, 354], lineCounts: [1, 1]),
        Valid(input: "550 5.1.1 caf\u{e9} unknown\tuser\r\n", codes: [550], lineCounts: [1]),
    ]

    @Test("valid replies parse the same whatever the chunking", arguments: valid)
    func validReplies(_ example: Valid) throws {
        let bytes = [UInt8](example.input)
        for seed in 0..<20 as Range<UInt64> {
            var generator = SeededGenerator(seed: seed)
            var parser = SMTPReplyParser()
            var replies: [SMTPReply] = []
            for chunk in randomChunks(bytes, using: &generator) {
                parser.append(chunk)
                while let reply = try parser.nextReply() { replies.append(reply) }
            }
            #expect(replies.map(\.code) == example.codes)
            #expect(replies.map(\.lines.count) == example.lineCounts)
            #expect(parser.unconsumedByteCount == 0)
            try parser.finish()
        }
    }

    @Test func multiLineTextIsKept() throws {
        var parser = SMTPReplyParser()
        parser.append([UInt8]("250-mx.test greets you\r\n250 SIZE 1000\r\n"))
        let reply = try #require(try parser.nextReply())
        #expect(reply.textLines == ["mx.test greets you", "SIZE 1000"])
        #expect(reply.description == "250-mx.test greets you\n250 SIZE 1000")
    }

    @Test(
        "enhanced status codes only when advertised, class must match",
        arguments: [
            ("250 2.1.5 Ok\r\n", true, "2.1.5"),
            ("550 5.7.1 Relaying denied\r\n", true, "5.7.1"),
            ("451 4.3.0 try later\r\n", true, "4.3.0"),
            ("250 2.1.5 Ok\r\n", false, nil),
            ("250 5.1.1 mismatch\r\n", true, nil),
            ("250 2.1 short\r\n", true, nil),
            ("250 2.1.5x\r\n", true, nil),
            ("354 2.0.0 go\r\n", true, nil),
        ] as [(String, Bool, String?)])
    func enhancedStatusCodes(_ input: String, _ advertised: Bool, _ expected: String?) throws {
        var parser = SMTPReplyParser(parsesEnhancedStatusCodes: advertised)
        parser.append([UInt8](input))
        let reply = try #require(try parser.nextReply())
        #expect(reply.enhancedStatusCode?.description == expected)
    }

    @Test(
        "unconsumed bytes after a complete reply are counted",
        arguments: [
            ("220 go ahead\r\n", 0),
            ("220 go ahead\r\n2", 1),
            ("220 go ahead\r\n235 2.7.0 ok\r\n", 14),
            ("220 go ahead\r\n250-a\r\n", 7),
        ])
    func unconsumed(_ input: String, _ expected: Int) throws {
        var parser = SMTPReplyParser()
        parser.append([UInt8](input))
        let reply = try #require(try parser.nextReply())
        #expect(reply.code == 220)
        #expect(parser.unconsumedByteCount == expected)
    }

    static let malformed: [(String, SMTPError.Code)] = [
        ("abc hello\r\n", .replyMalformed),
        ("25x ok\r\n", .replyMalformed),
        ("150 ok\r\n", .replyMalformed),
        ("260 ok\r\n", .replyMalformed),
        ("250_ok\r\n", .replyMalformed),
        ("250 ok\n", .replyMalformed),
        ("250 o\rk\r\n", .replyMalformed),
        ("250 o\u{0}k\r\n", .replyMalformed),
        ("25\r\n", .replyMalformed),
        ("250-a\r\n251 b\r\n", .replyMalformed),
        ("HTTP/1.1 400 Bad Request", .replyMalformed),
        ("250 " + String(repeating: "x", count: 507) + "\r\n", .replyLineTooLong),
        (String(repeating: "250-x\r\n", count: 100) + "250 x\r\n", .replyTooManyLines),
    ]

    @Test("garbage and over-limit replies are protocol errors", arguments: malformed)
    func malformedReplies(_ input: String, _ code: SMTPError.Code) {
        var parser = SMTPReplyParser()
        parser.append([UInt8](input))
        #expect {
            while try parser.nextReply() != nil {}
        } throws: { error in
            (error as? SMTPError)?.code == code && (error as? SMTPError)?.category == .protocolError
        }
        // The parser stays failed.
        #expect(throws: SMTPError.self) { try parser.nextReply() }
    }

    @Test func limitsAreInclusive() throws {
        var parser = SMTPReplyParser()
        // 512 octets including CRLF is allowed; 100 lines are allowed.
        parser.append([UInt8]("250 " + String(repeating: "x", count: 506) + "\r\n"))
        #expect(try parser.nextReply()?.lines.first?.count == 506)
        parser.append([UInt8](String(repeating: "250-x\r\n", count: 99) + "250 x\r\n"))
        #expect(try parser.nextReply()?.lines.count == 100)
    }

    @Test func overLongLineIsRejectedBeforeItsCRLFArrives() {
        var parser = SMTPReplyParser()
        parser.append([UInt8]("250 "))
        #expect(throws: Never.self) { try parser.nextReply() }
        parser.append([UInt8](repeating: UInt8(ascii: "x"), count: 507))
        #expect(parser.unconsumedByteCount == 511)
        #expect(throws: Never.self) { try parser.nextReply() }
        parser.append([UInt8(ascii: "x")])
        #expect { try parser.nextReply() } throws: { ($0 as? SMTPError)?.code == .replyLineTooLong }
    }

    @Test func garbageIsRejectedBeforeItsLineEnds() {
        var parser = SMTPReplyParser()
        parser.append([UInt8]("SSH-2.0-OpenSSH"))
        #expect { try parser.nextReply() } throws: { ($0 as? SMTPError)?.code == .replyMalformed }
    }

    @Test("a missing CRLF at the end of input is a truncated reply", arguments: ["250 ok", "250-a\r\n", "2"])
    func truncated(_ input: String) throws {
        var parser = SMTPReplyParser()
        parser.append([UInt8](input))
        #expect(try parser.nextReply() == nil)
        #expect { try parser.finish() } throws: { ($0 as? SMTPError)?.code == .replyTruncated }
    }

    @Test("random bytes in random chunks: no crash, bounded buffer", arguments: 0..<8 as Range<UInt64>)
    func fuzz(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let alphabet = [UInt8]("0123455 -\r\n2505xAz.") + [0, 0x7F, 0xFF, 0x09]
        for _ in 0..<300 {
            var parser = SMTPReplyParser(parsesEnhancedStatusCodes: Bool.random(using: &generator))
            let length = Int.random(in: 0...4000, using: &generator)
            // Mix plausible reply lines with noise so that deep states are reached.
            var bytes: [UInt8] = []
            while bytes.count < length {
                if Bool.random(using: &generator) {
                    let code = ["250", "220", "354", "550", "421"].randomElement(using: &generator) ?? "250"
                    let separator = Bool.random(using: &generator) ? "-" : " "
                    bytes += [UInt8](code + separator + "2.0.0 text\r\n")
                } else {
                    bytes.append(alphabet.randomElement(using: &generator) ?? 0)
                }
            }
            var failed = false
            for chunk in randomChunks(bytes, using: &generator) where !failed {
                parser.append(chunk)
                do {
                    while let reply = try parser.nextReply() {
                        #expect((200...559).contains(reply.code))
                        #expect(reply.lines.count <= SMTPReplyParser.maximumLineCount)
                    }
                } catch {
                    failed = true
                }
                #expect(
                    parser.unconsumedByteCount
                        <= SMTPReplyParser.maximumLineCount * SMTPReplyParser.maximumLineLength)
            }
        }
    }
}
