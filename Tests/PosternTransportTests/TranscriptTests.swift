import Foundation
import Logging
import Postern
import PosternPolicy
import PosternSMTP
import PosternTestSupport
import Synchronization
import Testing

/// Collects log messages, for asserting what `-v` would print.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        var logger = Logger(label: "capture") { _ in CapturingHandler(sink: self) }
        logger.logLevel = .debug
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { sink.append(event.message.description) }
}

@Suite("The -v transcript")
struct TranscriptTests {
    @Test("the transcript goes to the logger with AUTH redacted and the message summarised")
    func redacted() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let log = CapturedLog()
                let request = SubmissionRequest(
                    connection: Harness.connection(server, pki: pki, security: nil), credentials: Harness.credentials,
                    policy: try Harness.policy(nil), messages: [Harness.message()])
                let report = await MailSubmitter().send(request, logger: log.logger)
                #expect(report.exitCode == .ok)
                let lines = log.all
                #expect(lines.contains("C: AUTH PLAIN <redacted>"))
                #expect(lines.contains { $0.hasPrefix("C: MAIL FROM:<alice@example.org>") })
                #expect(lines.contains { $0.hasPrefix("S: 250") })
                let everything = lines.joined(separator: "\n")
                #expect(!everything.contains(Harness.password))
                #expect(!everything.contains(Harness.canary))
                // Not even inside the base64 of AUTH PLAIN.
                let plain = [UInt8]("\u{0}alice@example.org\u{0}\(Harness.password)".utf8)
                #expect(!everything.contains(Data(plain).base64EncodedString()))
            }
        }
    }

    @Test("AUTH follows the policy's preference: LOGIN before PLAIN when the policy says so")
    func policyPreference() async throws {
        try await withTestPKI { pki in
            try await withScriptedSMTPServer(Harness.implicitScript(pki.valid)) { server in
                let yaml = "postern-policy: 1\nname: legacy\ntransport:\n  auth:\n    mechanisms: [LOGIN, PLAIN]\n"
                let report = await Harness.send(server, pki: pki, policy: try Harness.policy(yaml), security: nil)
                #expect(report.exitCode == .ok, "\(report)")
                #expect(report.transport?.auth == "LOGIN")
                #expect(server.recording.commandLines.contains("[tls] AUTH LOGIN"))
            }
        }
    }
}
