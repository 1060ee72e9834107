import Foundation
import PosternTestSupport
import Testing

/// A password must never appear in any output, whatever the verbosity. The sends go to a real TLS server, so the
/// password is really read and really used for AUTH.
@Suite struct CredentialTests {
    static let canary = "canary-Xq7-\(UUID().uuidString)"

    /// Runs `postern VERB … --server mail.test --connect <scripted server> --ca-file <test CA> ARGUMENTS` against an
    /// honest implicit-TLS server and returns the run and what the server received.
    static func runAgainstServer(
        _ arguments: [String], verb: String = "send", environment: [String: String] = [:]
    ) async throws -> (ProcessOutput, Bool) {
        try await withTestPKI { (pki: TestPKI) async throws -> (ProcessOutput, Bool) in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: pki.valid)) { server in
                let directory = try TemporaryDirectory()
                let message = try directory.write("From: a@example.org\nTo: b@example.org\n\nhi\n", to: "m.eml")
                let result = try await PosternProcess.run(
                    [
                        verb, "--server", "mail.test", "--connect", "127.0.0.1:\(server.port)", "--ca-file",
                        pki.caFilePath,
                    ]
                        + arguments + (verb == "send" ? [message] : []),
                    environment: environment)
                return (result, server.recording.contains(secret: Self.canary))
            }
        }
    }

    @Test func passwordFileContentIsNeverPrinted() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(Self.canary + "\n", to: "pw")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        for format in ["text", "json"] {
            let (result, serverGotIt) = try await Self.runAgainstServer([
                "--user", "bob", "--password-file", file, "-v", "--format", format,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(serverGotIt, "the password was used for AUTH")
            #expect(!result.stdout.contains(Self.canary))
            #expect(!result.stderr.contains(Self.canary))
            // The trace does run: it names the user and the source, not the secret.
            #expect(result.stderr.contains("bob, password from file"))
        }
    }

    @Test func passwordEnvironmentValueIsNeverPrinted() async throws {
        let (result, serverGotIt) = try await Self.runAgainstServer(
            ["--user", "bob", "--password-env", "PW", "--auth", "-v"], verb: "check", environment: ["PW": Self.canary])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(serverGotIt, "check --auth authenticates")
        #expect(!result.stdout.contains(Self.canary) && !result.stderr.contains(Self.canary))
        #expect(result.stderr.contains("environment variable PW"))
    }

    @Test func passwordCommandLineIsRedactedInTheTrace() async throws {
        let (result, serverGotIt) = try await Self.runAgainstServer([
            "--user", "bob", "--password-command", "echo \(Self.canary)", "-v",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(serverGotIt)
        #expect(!result.stdout.contains(Self.canary) && !result.stderr.contains(Self.canary))
        #expect(result.stderr.contains("command (not shown)"))
    }

    @Test(arguments: [["--password", canary], ["--password=\(canary)"]])
    func aPasswordInArgvIsRefusedWithoutEcho(password: [String]) async throws {
        let result = try await PosternProcess.run(
            ["send", "--server", "smtp.example.org", "--user", "bob"] + password + ["--format", "json", "-v"])
        #expect(result.status == 64)
        #expect(!result.stdout.contains(Self.canary) && !result.stderr.contains(Self.canary))
        #expect(result.stderr.contains("never taken from the command line"))
        #expect(try result.jsonObject()["exit-code"] as? Int == 64)
    }
}
