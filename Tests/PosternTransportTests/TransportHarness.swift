import Foundation
import Logging
import Postern
import PosternPolicy
import PosternSMTP
import PosternTestSupport
import PosternTransport

/// Shared pieces of the transport tests: canaries, policies from YAML, and one call that sends through a
/// scripted server with the test CA as the only trust anchor.
enum Harness {
    /// A password that must never reach a server except inside a verified TLS session's AUTH.
    static let password = "canary-pw-Zq81xK"
    /// A marker in every test message body: it must never reach a server when the send is denied.
    static let canary = "MESSAGE-CANARY-5521"

    static var credentials: SMTPCredentials {
        SMTPCredentials(username: "alice@example.org", proof: .password(PosternSMTP.Secret(password)))
    }

    static var logger: Logger {
        var logger = Logger(label: "postern.transport.tests")
        logger.logLevel = .critical
        return logger
    }

    /// A canonical message with lines that need dot-stuffing.
    static let messageBytes = Array(
        ("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: test\r\n\r\n"
            + "\(canary)\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n").utf8)

    /// What the server must receive for ``messageBytes``: dot-stuffed, without the final `.` line.
    static let stuffedMessageBytes = Array(
        ("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: test\r\n\r\n"
            + "\(canary)\r\n..leading dot\r\n...two dots\r\n..\r\nlast line\r\n").utf8)

    static func message(
        _ bytes: [UInt8] = messageBytes, sender: String = "alice@example.org",
        to recipients: [String] = ["bob@example.org"],
        bcc: [String] = []
    ) -> SubmissionMessage {
        SubmissionMessage(content: .bytes(bytes), sender: sender, recipients: recipients, bccRecipients: bcc)
    }

    /// Compiles one policy layer from YAML text; nil gives the built-in baseline.
    static func policy(_ yaml: String?) throws -> CompiledPolicy {
        guard let yaml else { return CompiledPolicy(layers: []) }
        return CompiledPolicy(layers: [try PolicyLoader.parse(Array(yaml.utf8), file: "test.yaml")])
    }

    static func connection(
        _ server: ScriptedSMTPServer, pki: TestPKI, security: SecurityMode?, timeoutScale: Double = 1,
        serverName: String = "localhost"
    ) -> ConnectionSettings {
        ConnectionSettings(
            server: ServerEndpoint(host: serverName, port: server.port),
            connect: ServerEndpoint(host: server.host, port: server.port), security: security,
            timeoutScale: timeoutScale, caFile: pki.caFilePath, usesSystemTrustStore: false)
    }

    static func send(
        _ server: ScriptedSMTPServer, pki: TestPKI, policy: CompiledPolicy, security: SecurityMode?,
        credentials: SMTPCredentials? = Harness.credentials, messages: [SubmissionMessage] = [message()],
        timeoutScale: Double = 1
    ) async -> Report {
        let request = SubmissionRequest(
            connection: connection(server, pki: pki, security: security, timeoutScale: timeoutScale),
            credentials: credentials, policy: policy, messages: messages)
        return await MailSubmitter().send(request, logger: logger)
    }

    static func implicitScript(_ identity: TestIdentity) -> SMTPServerScript {
        SMTPServerScript(security: .implicitTLS, identity: identity)
    }

    static func startTLSScript(_ identity: TestIdentity) -> SMTPServerScript {
        SMTPServerScript(security: .startTLS, identity: identity)
    }
}

extension SMTPServerRecording {
    /// Whether the message canary reached the server in any form.
    var sawMessageCanary: Bool { allBytes.contains(subsequence: Array(Harness.canary.utf8)) }
    /// Command verbs received (first word, upper-cased, `[tls] ` prefix removed).
    var verbs: [String] {
        commandLines.map { line in
            let text = line.hasPrefix("[tls] ") ? String(line.dropFirst(6)) : line
            return text.split(separator: " ").first.map { $0.uppercased() } ?? ""
        }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

extension Report {
    var violationCodes: [String] { violations.map(\.code) }
}
