import Foundation
import Testing

extension InteropSuite {
    @Test("binary invoked as sendmail with -t -i and a configuration file delivers to To, Cc and Bcc")
    func sendmailWithConfiguration() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let config = work.appendingPathComponent("config.yaml")
        try """
        postern-config: 1
        server: mail.test
        connect: 127.0.0.1:\(server.implicitPort)
        security: implicit-tls
        ca-file: \(server.caFile)
        user: \(server.user)
        password:
          file: \(server.passwordFile)
        """.write(to: config, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.path)

        let marker = Self.uniqueMarker()
        let to = "\(marker)-to@example.test", cc = "\(marker)-cc@example.test", bcc = "\(marker)-bcc@example.test"
        let text = Self.message(marker: marker, to: to, extraHeaders: "Cc: \(cc)\nBcc: \(bcc)\n")
        let file = work.appendingPathComponent("m.eml")
        try text.write(to: file, atomically: true, encoding: .utf8)

        let run = try await PosternBinary.run(
            ["-t", "-i", "-f", "bounces@example.test", "-C", config.path], stdinFile: file.path,
            executableName: "sendmail")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        for recipient in [to, cc, bcc] {
            let delivered = try Maildir.withoutFirstReceived(
                try await Maildir.waitForMessage(in: server, recipient: recipient, marker: marker))
            #expect(!delivered.lowercased().contains("\nbcc:"))
            // -i: the lone "." line is data, delivered intact.
            #expect(Maildir.split(delivered).body == Maildir.split(text).body)
        }
        let log = (try? String(contentsOfFile: server.postfixLog, encoding: .utf8)) ?? ""
        #expect(log.contains("from=<bounces@example.test>"), "-f sets the envelope sender")
    }

    @Test("sendmail without -i ends the message at a lone '.' line")
    func sendmailLoneDotEndsInput() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let config = work.appendingPathComponent("config.yaml")
        try """
        postern-config: 1
        server: 127.0.0.1:\(server.implicitPort)
        ca-file: \(server.caFile)
        user: \(server.user)
        password:
          file: \(server.passwordFile)
        """.write(to: config, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config.path)
        let marker = Self.uniqueMarker()
        let recipient = "\(marker)@example.test"
        let text =
            "From: alice@example.test\nTo: \(recipient)\nSubject: \(marker)\n\nkept\n.\nnot part of the message\n"
        let file = work.appendingPathComponent("m.eml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try await PosternBinary.run(["sendmail", "-C", config.path, recipient], stdinFile: file.path)
        #expect(run.status == 0, "\(run.stderr)")
        let delivered = try Maildir.withoutFirstReceived(
            try await Maildir.waitForMessage(in: server, recipient: recipient, marker: marker))
        #expect(Maildir.split(delivered).body == "kept\n")
    }
}
