import Testing

@testable import PosternCLI

/// Envelope defaults from the headers, Bcc handling and the canonical wire form.
@Suite("Outgoing message preparation")
struct OutgoingMessageTests {
    static let message = """
        From: Alice <alice@example.org>\r
        To: bob@example.org, Carol <carol@example.org>\r
        Cc: dave@example.org\r
        Bcc: eve@example.org, Frank <frank@example.org>\r
        Subject: hello\r
        \r
        body\r

        """

    @Test("envelope from the headers: From is the sender, To+Cc together, each Bcc alone, Bcc header gone")
    func headerDefaults() throws {
        let prepared = try OutgoingMessage.prepare(Array(Self.message.utf8), overrides: .init())
        #expect(prepared.sender == "alice@example.org")
        #expect(prepared.recipients == ["bob@example.org", "carol@example.org", "dave@example.org"])
        #expect(prepared.bccRecipients == ["eve@example.org", "frank@example.org"])
        let wire = String(decoding: prepared.wireBytes, as: UTF8.self)
        #expect(!wire.lowercased().contains("bcc:"))
        #expect(!wire.contains("eve@example.org"))
        #expect(wire.hasPrefix("From: Alice <alice@example.org>\r\nTo:"))
        #expect(wire.hasSuffix("\r\n\r\nbody\r\n"))
    }

    @Test("--from and --to override the headers; a --to address named in Bcc still goes alone")
    func overrides() throws {
        let prepared = try OutgoingMessage.prepare(
            Array(Self.message.utf8),
            overrides: .init(sender: "bounce@example.org", recipients: ["x@example.net", "EVE@example.org"]))
        #expect(prepared.sender == "bounce@example.org")
        #expect(prepared.recipients == ["x@example.net"])
        #expect(prepared.bccRecipients == ["EVE@example.org"])
    }

    @Test("sendmail -t adds the header recipients to those given, without duplicates")
    func addHeaderRecipients() throws {
        let prepared = try OutgoingMessage.prepare(
            Array(Self.message.utf8),
            overrides: .init(recipients: ["bob@EXAMPLE.org", "z@example.net"], addHeaderRecipients: true))
        #expect(prepared.recipients == ["bob@EXAMPLE.org", "z@example.net", "carol@example.org", "dave@example.org"])
        #expect(prepared.bccRecipients == ["eve@example.org", "frank@example.org"])
    }

    @Test("an address in To and in Bcc is already visible: it stays in the shared transaction")
    func visibleAndBlind() throws {
        let text = "From: a@example.org\r\nTo: b@example.org\r\nBcc: B@example.org, c@example.org\r\n\r\nbody\r\n"
        let prepared = try OutgoingMessage.prepare(Array(text.utf8), overrides: .init())
        #expect(prepared.recipients == ["b@example.org"])
        #expect(prepared.bccRecipients == ["c@example.org"])
    }

    @Test("several From: addresses: Sender: picks the envelope sender (RFC 5322 §3.6.2), else it is a data error")
    func severalFromAddresses() throws {
        let withSender = "From: a@example.org, b@example.org\r\nSender: b@example.org\r\nTo: c@example.org\r\n\r\nx\r\n"
        #expect(try OutgoingMessage.prepare(Array(withSender.utf8), overrides: .init()).sender == "b@example.org")
        let without = "From: a@example.org, b@example.org\r\nTo: c@example.org\r\n\r\nx\r\n"
        let failure = #expect(throws: OutgoingMessage.Failure.self) {
            try OutgoingMessage.prepare(Array(without.utf8), overrides: .init())
        }
        #expect(failure?.message.contains("Sender") == true)
    }

    @Test("sendmail -f '<>' is the null sender; an address that is not local@domain is refused before any byte")
    func nullSenderAndPlainAddresses() throws {
        let text = "From: a@example.org\r\nTo: c@example.org\r\n\r\nx\r\n"
        #expect(try OutgoingMessage.prepare(Array(text.utf8), overrides: .init(sender: "")).sender == "")
        for bad in ["root", "<c@example.org>", "c d@example.org"] {
            #expect(throws: OutgoingMessage.Failure.self) {
                try OutgoingMessage.prepare(Array(text.utf8), overrides: .init(recipients: [bad]))
            }
        }
    }

    @Test("bare LF and bare CR become CRLF; a line over 998 octets becomes quoted-printable")
    func canonicalForm() throws {
        let long = String(repeating: "x", count: 1500)
        let text = "From: a@example.org\nTo: b@example.org\n\nline one\rline two\n.leading dot\n\(long)\n"
        let prepared = try OutgoingMessage.prepare(Array(text.utf8), overrides: .init())
        let wire = String(decoding: prepared.wireBytes, as: UTF8.self)
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(wire.contains("\r\n.leading dot\r\n"))
        #expect(wire.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 998 })
        #expect(wire.lowercased().contains("content-transfer-encoding: quoted-printable"))
    }

    @Test(
        "no sender, no recipients or no header section is a data error",
        arguments: [
            "To: b@example.org\r\n\r\nbody\r\n",
            "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n",
            "From: a@example.org\r\nTo: <<<\r\n\r\nbody\r\n",
            "",
        ])
    func failures(text: String) {
        #expect(throws: OutgoingMessage.Failure.self) {
            try OutgoingMessage.prepare(Array(text.utf8), overrides: .init())
        }
    }
}

@Suite("sendmail input terminator")
struct SendmailInputTerminatorTests {
    @Test(
        "without -i a lone dot line ends the input",
        arguments: [
            ("a\n.\nb\n", "a\n"), ("a\r\n.\r\nb", "a\r\n"), ("a\n.", "a\n"), (".\nrest", ""),
            ("a\n..\nb\n", "a\n..\nb\n"), ("a\n. \nb", "a\n. \nb"), ("a.\n", "a.\n"), ("", ""),
        ])
    func truncation(input: String, expected: String) {
        #expect(SendmailInputTerminator.truncatedAtLoneDot(Array(input.utf8)) == Array(expected.utf8))
    }
}
