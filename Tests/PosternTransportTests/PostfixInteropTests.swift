import Foundation
import Postern
import PosternPolicy
import PosternSMTP
import Testing

/// A running `scripts/mailserver` instance, named by `POSTERN_MAILSERVER_DIR` (these tests are skipped without
/// it: they need root to start Postfix and Dovecot).
struct MailServer: Sendable {
    let directory: String
    let values: [String: String]

    static var configured: MailServer? {
        guard let directory = ProcessInfo.processInfo.environment["POSTERN_MAILSERVER_DIR"],
            let text = try? String(contentsOfFile: directory + "/ports.env", encoding: .utf8)
        else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                values[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            }
        }
        return MailServer(directory: directory, values: values)
    }

    func port(_ key: String) throws -> Int { try #require(values[key].flatMap(Int.init)) }

    var credentials: SMTPCredentials {
        get throws {
            let password = try String(contentsOfFile: try #require(values["PASSWORD_FILE"]), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return SMTPCredentials(
                username: try #require(values["USER"]), proof: .password(PosternSMTP.Secret(password)))
        }
    }

    func connection(_ portKey: String, security: SecurityMode) throws -> ConnectionSettings {
        let port = try port(portKey)
        return ConnectionSettings(
            server: ServerEndpoint(host: "mail.test", port: port),
            connect: ServerEndpoint(host: "127.0.0.1", port: port),
            security: security, caFile: values["CA_FILE"], usesSystemTrustStore: false)
    }

    /// Waits (bounded) for a delivered file for `recipient` that contains `marker`.
    func delivered(to recipient: String, containing marker: String) async throws -> String? {
        let folder = try #require(values["MAILDIR"]) + "/" + recipient
        for _ in 0..<200 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(".eml") {
                if let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8), text.contains(marker) {
                    return text
                }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }
}

@Suite("Against a real Postfix + Dovecot (POSTERN_MAILSERVER_DIR)", .enabled(if: MailServer.configured != nil))
struct PostfixInteropTests {
    static func message(_ marker: String, to recipient: String) -> SubmissionMessage {
        let text =
            "From: alice@example.test\r\nTo: \(recipient)\r\nSubject: \(marker)\r\n\r\n.dot line\r\n\(marker)\r\n"
        return SubmissionMessage(
            content: .bytes(Array(text.utf8)), sender: "alice@example.test", recipients: [recipient])
    }

    @Test(
        "implicit TLS and STARTTLS: SCRAM-SHA-256 (the policy's first), delivered intact",
        arguments: [("IMPLICIT_PORT", SecurityMode.implicitTLS), ("STARTTLS_PORT", .starttls)])
    func delivers(_ portKey: String, _ security: SecurityMode) async throws {
        let server = try #require(MailServer.configured)
        let marker = "postern-interop-\(UUID().uuidString)"
        let request = SubmissionRequest(
            connection: try server.connection(portKey, security: security), credentials: try server.credentials,
            policy: try Harness.policy(nil), messages: [Self.message(marker, to: "bob@example.org")])
        let report = await MailSubmitter().send(request, logger: Harness.logger)
        #expect(report.exitCode == .ok, "\(report)")
        #expect(report.transport?.auth == "SCRAM-SHA-256")
        #expect(report.transport?.certificate?.verified == true)
        let delivered = try #require(try await server.delivered(to: "bob@example.org", containing: marker))
        #expect(delivered.contains("\n.dot line\n"))
    }

    @Test("the plaintext port offers AUTH in the clear; the client never sends it")
    func plaintextPort() async throws {
        let server = try #require(MailServer.configured)
        let yaml = "postern-policy: 1\nname: lan\ntransport:\n  security: [plaintext]\n"
        let request = SubmissionRequest(
            connection: try server.connection("PLAIN_PORT", security: .plaintext), credentials: try server.credentials,
            policy: try Harness.policy(yaml), messages: [Self.message("never", to: "bob@example.org")])
        let report = await MailSubmitter().send(request, logger: Harness.logger)
        #expect(report.exitCode == .noPerm)
        #expect(report.violationCodes == ["auth-over-plaintext"])
    }
}
