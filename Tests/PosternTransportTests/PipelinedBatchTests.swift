import Foundation
import Postern
import PosternPolicy
import PosternSMTP
import PosternTestSupport
import Testing

/// A batch over one connection with PIPELINING (RFC 2920 §3.1): each next envelope right behind the end of data,
/// against the scripted server over real TLS, asserting what the server saw and in which order.
@Suite("Pipelined batches over one connection")
struct PipelinedBatchTests {
    static func messages(_ count: Int) -> [SubmissionMessage] {
        (0..<count).map { Harness.message(to: ["r\($0)@example.org"]) }
    }

    static func envelope(_ index: Int) -> String {
        "MAIL FROM:<alice@example.org> SIZE=\(Harness.messageBytes.count)\r\nRCPT TO:<r\(index)@example.org>\r\nDATA\r\n"
    }

    /// Half the RFC limits: a client that failed to pipeline would stall on a held reply for five minutes (the
    /// end-of-data limit) rather than ten, and then fail. The greeting limit (which covers the TLS handshake) must
    /// stay far above what a loaded machine needs: at a tenth (30 s) a fresh-clone CI run on 2 busy cores once
    /// timed out at the greeting. A working client never waits for a limit.
    static let timeoutScale = 0.5

    static func send(_ server: ScriptedSMTPServer, _ pki: TestPKI, count: Int) async throws -> Report {
        await Harness.send(
            server, pki: pki, policy: try Harness.policy(nil), security: .implicitTLS, messages: messages(count),
            timeoutScale: timeoutScale)
    }

    @Test("each next MAIL FROM, RCPT TO and DATA follow the end of data before the server has answered it")
    func envelopeFollowsTheEndOfData() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            // The server answers message 0's and 1's end of data only once the next command has arrived.
            script.endOfDataRepliesHeldForNextCommand = [0, 1]
            try await withScriptedSMTPServer(script) { server in
                let report = try await Self.send(server, pki, count: 3)
                let recording = server.recording
                #expect(report.exitCode == .ok, "\(report)")
                #expect(report.smtp?.accepted == ["r0@example.org", "r1@example.org", "r2@example.org"])
                #expect(recording.connections == 1)
                #expect(recording.messages == Array(repeating: Harness.stuffedMessageBytes, count: 3))

                // The exact byte stream after AUTH: body, terminator and the next envelope back to back.
                let stream = String(decoding: recording.tlsBytes, as: UTF8.self)
                let fromFirstMail = try #require(stream.range(of: "MAIL FROM:"))
                let body = String(decoding: Harness.stuffedMessageBytes, as: UTF8.self) + ".\r\n"
                let expected = (0..<3).map { Self.envelope($0) + body }.joined() + "QUIT\r\n"
                #expect(String(stream[fromFirstMail.lowerBound...]) == expected)

                // In the server's order of events: message k's end of data, then message k+1's commands, then
                // only the reply to message k.
                let dialogue = recording.dialogue
                let ends = dialogue.indices.filter { dialogue[$0] == "C: ." }
                let queued = dialogue.indices.filter { dialogue[$0].hasPrefix("S: 250 2.0.0 Ok: queued") }
                #expect(ends.count == 3 && queued.count == 3)
                let mails = dialogue.indices.filter { dialogue[$0].hasPrefix("C: MAIL FROM:") }
                #expect(mails.count == 3)
                for index in 1..<min(3, mails.count) {
                    #expect(ends[index - 1] < mails[index] && mails[index] < queued[index - 1], "\(dialogue)")
                }
            }
        }
    }

    @Test("without PIPELINING the next MAIL FROM waits for the previous message's reply")
    func notOffered() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.capabilitiesAfterTLS.removeAll { $0 == "PIPELINING" }
            try await withScriptedSMTPServer(script) { server in
                let report = try await Self.send(server, pki, count: 2)
                #expect(report.exitCode == .ok, "\(report)")
                let dialogue = server.recording.dialogue
                let secondMail = try #require(
                    dialogue.indices.filter { dialogue[$0].hasPrefix("C: MAIL FROM:") }.dropFirst().first)
                let firstQueued = try #require(dialogue.firstIndex { $0.hasPrefix("S: 250 2.0.0 Ok: queued") })
                #expect(firstQueued < secondMail)
            }
        }
    }

    @Test("message 0 refused at end of data (554): message 1, already under way, is sent; nothing after it")
    func firstRefusedSecondProceeds() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.endOfDataReplies[0] = .reply("554 5.7.1 Rejected as spam")
            try await withScriptedSMTPServer(script) { server in
                let report = try await Self.send(server, pki, count: 3)
                let recording = server.recording
                #expect(report.exitCode == .unavailable, "\(report)")
                #expect(report.smtp?.accepted == ["r1@example.org"])
                #expect(report.error?.contains("554") == true)
                #expect(recording.messages.count == 2)
                #expect(!recording.commandLines.contains { $0.contains("r2@example.org") })
                #expect(recording.verbs.last == "QUIT")
            }
        }
    }

    @Test("message 1's recipient refused: DATA refused, RSET and QUIT, no message data; message 0 stays sent")
    func secondRecipientRefused() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.rejectedRecipients = ["r1@example.org"]
            script.refusesDataWithoutValidRecipients = true
            try await withScriptedSMTPServer(script) { server in
                let report = try await Self.send(server, pki, count: 3)
                let recording = server.recording
                #expect(report.exitCode == .unavailable, "\(report) \(recording.dialogue)")
                #expect(report.smtp?.accepted == ["r0@example.org"])
                #expect(report.smtp?.rejected == ["r1@example.org"])
                #expect(recording.messages.count == 1)
                #expect(recording.partialMessageBytes.isEmpty)
                #expect(Array(recording.verbs.suffix(5)) == ["MAIL", "RCPT", "DATA", "RSET", "QUIT"])
                #expect(!recording.commandLines.contains { $0.contains("r2@example.org") })
            }
        }
    }

    @Test("message 1's recipient refused by a server that answers 354 anyway: no message data, the session ends")
    func secondRecipientRefusedNonConforming() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.rejectedRecipients = ["r1@example.org"]
            try await withScriptedSMTPServer(script) { server in
                let report = try await Self.send(server, pki, count: 2)
                let recording = server.recording
                #expect(report.exitCode == .unavailable, "\(report)")
                #expect(report.smtp?.accepted == ["r0@example.org"])
                #expect(report.smtp?.rejected == ["r1@example.org"])
                #expect(recording.messages.count == 1)
                #expect(recording.partialMessageBytes.isEmpty)
            }
        }
    }

    @Test("the server drops the connection after message 0's end of data: TEMPFAIL, nothing reported as sent")
    func dropAfterEndOfData() async throws {
        try await withTestPKI { pki in
            var script = Harness.implicitScript(pki.valid)
            script.endOfDataReplies[0] = .disconnect
            try await withScriptedSMTPServer(script) { server in
                let report = try await Self.send(server, pki, count: 2)
                #expect(report.exitCode == .tempFail, "\(report) \(server.recording.dialogue)")
                #expect(report.smtp?.accepted == [])
                #expect(report.decision == .error)
                // The server did take message 0's data; the client cannot know whether it was queued.
                #expect(server.recording.messages.count == 1)
            }
        }
    }
}
