import Foundation
import Testing

extension InteropSuite {
    /// A message with what SMTP gets wrong most often: a leading dot, a lone dot line, an empty line, a line of
    /// exactly 998 octets and trailing spaces; optionally a line over 998 octets.
    static func message(marker: String, to recipient: String, extraHeaders: String = "", longLine: String? = nil)
        -> String
    {
        var body = "Hello from the interop test.\n.leading dot line\n.\n\nline with trailing spaces   \n"
        body += String(repeating: "y", count: 998) + "\n"
        if let longLine { body += longLine + "\n" }
        body += "last line\n"
        return "From: Alice <alice@example.test>\nTo: <\(recipient)>\n\(extraHeaders)Subject: interop \(marker)\n"
            + "Message-ID: <\(marker)@client.test>\n\n" + body
    }

    static func uniqueMarker() -> String { "it-" + UUID().uuidString.lowercased().prefix(13) }

    /// A policy that permits only AUTH PLAIN (the baseline prefers SCRAM-SHA-256).
    static func plainOnlyPolicy(in directory: URL) throws -> String {
        let file = directory.appendingPathComponent("plain-only.yaml")
        try """
        postern-policy: 1
        name: plain-only
        transport:
          security: [implicit-tls, starttls]
          auth:
            mechanisms: [PLAIN]
        """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("postern-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("send over implicit TLS with AUTH PLAIN: arrives with the body byte-identical")
    func sendImplicitTLSPlain() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let marker = Self.uniqueMarker()
        let recipient = "\(marker)@example.test"
        let text = Self.message(marker: marker, to: recipient)
        let file = work.appendingPathComponent("m.eml")
        try text.write(to: file, atomically: true, encoding: .utf8)

        let run = try await PosternBinary.run([
            "send", "--server", "mail.test", "--connect", "127.0.0.1:\(server.implicitPort)",
            "--ca-file", server.caFile, "--user", server.user, "--password-file", server.passwordFile,
            "--policy", try Self.plainOnlyPolicy(in: work), "--format", "json", file.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try run.json()
        #expect(json["decision"] as? String == "allow")
        let transport = try #require(json["transport"] as? [String: Any])
        #expect(transport["security"] as? String == "implicit-tls")
        #expect(transport["auth"] as? String == "PLAIN")
        #expect((transport["certificate"] as? [String: Any])?["verified"] as? Bool == true)
        let smtp = try #require(json["smtp"] as? [String: Any])
        #expect(smtp["accepted"] as? [String] == [recipient])
        #expect((smtp["reply"] as? String)?.hasPrefix("250") == true)

        let delivered = try Maildir.withoutFirstReceived(
            try await Maildir.waitForMessage(in: server, recipient: recipient, marker: marker))
        #expect(Maildir.split(delivered).body == Maildir.split(text).body)
        #expect(delivered == text, "headers and body as sent (LF form)")
    }

    @Test("send over STARTTLS (policy's default mechanism, SCRAM-SHA-256), from stdin, text summary on stderr")
    func sendSTARTTLS() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let marker = Self.uniqueMarker()
        let recipient = "\(marker)@example.test"
        let text = Self.message(marker: marker, to: recipient)
        let file = work.appendingPathComponent("m.eml")
        try text.write(to: file, atomically: true, encoding: .utf8)

        let run = try await PosternBinary.run(
            [
                "send", "--server", "localhost:\(server.startTLSPort)", "--security", "starttls",
                "--ca-file", server.caFile, "--user", server.user, "--password-file", server.passwordFile,
            ], stdinFile: file.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("postern send: allow"))
        #expect(run.stderr.contains("starttls"))
        #expect(run.stderr.contains("AUTH SCRAM-SHA-256"))
        let delivered = try Maildir.withoutFirstReceived(
            try await Maildir.waitForMessage(in: server, recipient: recipient, marker: marker))
        #expect(Maildir.split(delivered).body == Maildir.split(text).body)
    }

    @Test("a body line over 998 octets arrives quoted-printable and decodes to the original")
    func sendLongLine() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let marker = Self.uniqueMarker()
        let recipient = "\(marker)@example.test"
        let long = String((0..<3000).map { index in Array("abcdefghijklmnopqrstuvwxyz0123456789 =.")[index % 39] })
        let text = Self.message(marker: marker, to: recipient, longLine: long)
        let file = work.appendingPathComponent("m.eml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try await PosternBinary.run([
            "send", "--server", "127.0.0.1:\(server.implicitPort)", "--ca-file", server.caFile,
            "--user", server.user, "--password-file", server.passwordFile, file.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let delivered = try Maildir.withoutFirstReceived(
            try await Maildir.waitForMessage(in: server, recipient: recipient, marker: marker))
        let (headers, body) = Maildir.split(delivered)
        #expect(headers.lowercased().contains("content-transfer-encoding: quoted-printable"))
        #expect(delivered.split(separator: "\n").allSatisfy { $0.utf8.count <= 998 })
        #expect(Maildir.decodeQuotedPrintable(body) == Maildir.split(text).body)
    }

    @Test("Bcc: every recipient gets the message, nobody sees the Bcc header; several files go as one batch")
    func sendBccAndBatch() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let marker = Self.uniqueMarker()
        let to = "\(marker)-to@example.test"
        let hidden = "\(marker)-bcc@example.test"
        let first = Self.message(marker: marker, to: to, extraHeaders: "Bcc: <\(hidden)>\n")
        let secondMarker = marker + "-2"
        let second = Self.message(marker: secondMarker, to: to)
        let files = [work.appendingPathComponent("1.eml"), work.appendingPathComponent("2.eml")]
        try first.write(to: files[0], atomically: true, encoding: .utf8)
        try second.write(to: files[1], atomically: true, encoding: .utf8)
        let run = try await PosternBinary.run(
            [
                "send", "--server", "mail.test", "--connect", "127.0.0.1:\(server.implicitPort)", "--ca-file",
                server.caFile, "--user", server.user, "--password-file", server.passwordFile, "--format", "json",
            ] + files.map(\.path))
        #expect(run.status == 0, "\(run.stderr)")
        let accepted = try #require((try run.json()["smtp"] as? [String: Any])?["accepted"] as? [String])
        #expect(Set(accepted) == [to, hidden])
        for (recipient, mark) in [(to, marker), (hidden, marker), (to, secondMarker)] {
            let delivered = try Maildir.withoutFirstReceived(
                try await Maildir.waitForMessage(in: server, recipient: recipient, marker: "<\(mark)@client.test>"))
            #expect(!delivered.lowercased().contains("bcc:"))
            #expect(!delivered.contains(hidden))
        }
    }

    @Test("check against the implicit-TLS and STARTTLS ports lists every step and the AUTH mechanisms")
    func checkBothPorts() async throws {
        let server = try MailServer.require()
        for (port, security) in [(server.implicitPort, "implicit-tls"), (server.startTLSPort, "starttls")] {
            let text = try await PosternBinary.run([
                "check", "--server", "mail.test", "--connect", "127.0.0.1:\(port)", "--security", security,
                "--ca-file", server.caFile,
            ])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("tls: ok"), "\(text.stdout)")
            #expect(text.stdout.contains("auth mechanisms offered:"))
            for mechanism in ["PLAIN", "LOGIN", "SCRAM-SHA-256"] {
                #expect(text.stdout.contains(mechanism), "\(text.stdout)")
            }
            let json = try await PosternBinary.run([
                "check", "--server", "mail.test", "--connect", "127.0.0.1:\(port)", "--security", security,
                "--ca-file", server.caFile, "--format", "json",
            ])
            #expect(json.status == 0)
            let transport = try #require(try json.json()["transport"] as? [String: Any])
            #expect(transport["security"] as? String == security)
            let extensions = try #require(transport["extensions"] as? [String])
            let auth = try #require(extensions.first { $0.hasPrefix("AUTH") })
            #expect(auth.contains("PLAIN") && auth.contains("SCRAM-SHA-256"))
            #expect(transport["auth"] is NSNull, "check sends no credentials without --auth")
        }
    }

    @Test("the plaintext port: refused before AUTH (77), no credential reaches Postfix, nothing delivered")
    func plaintextRefused() async throws {
        let server = try MailServer.require()
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let marker = Self.uniqueMarker()
        let recipient = "\(marker)@example.test"
        let file = work.appendingPathComponent("m.eml")
        try Self.message(marker: marker, to: recipient).write(to: file, atomically: true, encoding: .utf8)
        // A policy that even lists plaintext: the password must still never go over it (over-plaintext: refuse).
        let policy = work.appendingPathComponent("plaintext.yaml")
        try """
        postern-policy: 1
        name: allows-plaintext
        transport:
          security: [plaintext]
          auth:
            over-plaintext: refuse
        """.write(to: policy, atomically: true, encoding: .utf8)
        let common = [
            "--server", "127.0.0.1:\(server.plainPort)", "--user", server.user, "--password-file", server.passwordFile,
            "--format", "json",
        ]
        let plaintext = try await PosternBinary.run(["send"] + common + ["--policy", policy.path, file.path])
        let baseline = try await PosternBinary.run(["send"] + common + ["--security", "starttls", file.path])
        for run in [plaintext, baseline] {
            #expect(run.status == 77, "\(run.stderr)")
            let codes = ((try run.json()["violations"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
            #expect(
                codes.contains {
                    ["auth-over-plaintext", "plaintext-not-allowed", "starttls-unavailable"].contains($0)
                },
                "\(codes)")
        }
        let firstCodes = ((try plaintext.json()["violations"] as? [[String: Any]]) ?? []).compactMap {
            $0["code"] as? String
        }
        #expect(firstCodes.contains("auth-over-plaintext") || firstCodes.contains("plaintext-not-allowed"))

        let password = try String(contentsOfFile: server.passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let plainBlob = Data("\0\(server.user)\0\(password)".utf8).base64EncodedString()
        let log = (try? String(contentsOfFile: server.postfixLog, encoding: .utf8)) ?? ""
        #expect(!log.contains(password))
        #expect(!log.contains(plainBlob))
        for run in [plaintext, baseline] {
            #expect(!run.stdout.contains(password) && !run.stderr.contains(password))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(Maildir.messages(in: server, recipient: recipient).isEmpty)
    }

    @Test("pin --server --starttls against Postfix equals the pin of the server's certificate file")
    func pinSTARTTLS() async throws {
        let server = try MailServer.require()
        let expected = try await PosternBinary.run(["pin", "--cert", server.serverCertificateFile]).stdout
        let run = try await PosternBinary.run([
            "pin", "--server", "mail.test", "--connect", "127.0.0.1:\(server.startTLSPort)", "--starttls",
            "--ca-file", server.caFile,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == expected)
        #expect(!run.stderr.contains("not verified"))
    }
}
