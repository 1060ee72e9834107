import Testing

@testable import PosternSMTP

@Suite("Addresses and parameters")
struct MailboxTests {
    @Test(
        "valid mailboxes",
        arguments: [
            ("bob@example.org", false),
            ("first.last+tag@sub.example.co.uk", false),
            ("\"john doe\"@example.org", false),
            ("\"a@b\"@example.org", false),
            ("user@[192.0.2.1]", false),
            ("user@[IPv6:2001:db8::1]", false),
            ("!#$%&'*+-/=?^_`{|}~@x.example", false),
            ("jos\u{e9}@example.org", true),
            ("\u{7528}\u{6237}@\u{4f8b}\u{5b50}.\u{6d4b}\u{8bd5}", true),
        ])
    func valid(_ address: String, _ needsUTF8: Bool) throws {
        let mailbox = try SMTPMailbox(validating: address)
        #expect(mailbox.requiresSMTPUTF8 == needsUTF8)
    }

    @Test(
        "invalid mailboxes",
        arguments: [
            "", "bob", "@example.org", "bob@", "bob@@example.org", "bob.@example.org", ".bob@example.org",
            "b..ob@example.org", "bob@-example.org", "bob@example-.org", "bob@exa_mple.org", "bob@example..org",
            "bob smith@example.org", "<bob@example.org>", "bob@[300.1.1.1]", "bob@[nope]",
            String(repeating: "a", count: 65) + "@example.org", "bob@" + String(repeating: "a", count: 64) + ".org",
            "\"unterminated@example.org", "bob@example.org\u{7F}",
        ])
    func invalid(_ address: String) {
        #expect { try SMTPMailbox(validating: address) } throws: {
            ($0 as? SMTPError)?.code == .invalidAddress && ($0 as? SMTPError)?.category == .dataError
        }
    }

    @Test(
        "CR, LF and NUL are data errors",
        arguments: [
            "bob@example.org\r\nRCPT TO:<eve@evil.example>", "bob@example.org\n", "bob\r@example.org",
            "bob\u{0}@example.org",
        ])
    func lineBreaks(_ address: String) {
        #expect { try SMTPMailbox(validating: address) } throws: {
            guard let error = $0 as? SMTPError else { return false }
            return error.category == .dataError && error.category.exitCode == 65
                && (error.message.contains("CR") || error.message.contains("LF") || error.message.contains("NUL"))
        }
    }

    @Test(
        "EHLO names",
        arguments: [
            ("client.example.org", true), ("[192.0.2.7]", true), ("localhost", true), ("", false),
            ("bad name", false), ("x\r\nMAIL FROM:<a@b.c>", false), ("caf\u{e9}.example", false), ("a\u{0}b", false),
        ])
    func ehloNames(_ name: String, _ valid: Bool) {
        if valid {
            #expect(throws: Never.self) { try validateEHLOName(name) }
        } else {
            #expect { try validateEHLOName(name) } throws: { ($0 as? SMTPError)?.code == .invalidEHLOName }
        }
    }

    @Test func dsnEnvelopeIDIsXtextAndRejectsLineBreaks() throws {
        #expect(try xtextEncode("id+1=2 x", what: "ENVID") == "id+2B1+3D2+20x")
        #expect { try xtextEncode("id\r\nQUIT", what: "ENVID") } throws: { ($0 as? SMTPError)?.category == .dataError }
        #expect(throws: SMTPError.self) {
            try SMTPTransaction(
                sender: "a@example.org", recipients: ["b@example.org"], messageSize: 1,
                dsn: SMTPDSNRequest(envelopeID: "x\ny"))
        }
    }

    @Test func aTransactionNeedsRecipients() {
        #expect(throws: SMTPError.self) { try SMTPTransaction(sender: "a@example.org", recipients: [], messageSize: 1) }
    }
}
