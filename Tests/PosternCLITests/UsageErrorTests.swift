import Foundation
import Testing

@Suite struct UsageErrorTests {
    @Test(arguments: [
        [],
        ["frobnicate"],
        ["send", "--server", "smtp.example.org", "--no-such-option"],
        ["send", "--server", "smtp.example.org", "--format", "xml"],
        ["send"],
        ["send", "--server", "smtp.example.org", "--user", "bob"],
        ["send", "--server", "smtp.example.org", "--password-env", "PW"],
        ["send", "--server", "smtp.example.org", "--user", "bob", "--password-env", "PW", "--password-file", "/f"],
        ["send", "--server", "smtp.example.org", "--user", "bob", "--password-env", "1BAD-NAME"],
        ["send", "--server", "a b"],
        ["send", "--server", "smtp.example.org:99999"],
        ["send", "--server", "smtp.example.org", "--connect", "relay.example.org"],
        ["send", "--server", "smtp.example.org", "--timeout", "0"],
        ["send", "--server", "smtp.example.org", "--security", "plaintext"],
        ["send", "--server", "smtp.example.org", "--sign", "pgp"],
        ["send", "--server", "smtp.example.org", "--smime-cert", "a.pem"],
        ["seal", "--output"],
        ["check"],
        ["check", "--server", "smtp.example.org", "--auth"],
        ["pin"],
        ["pin", "--server", "smtp.example.org", "--cert", "c.pem"],
        ["pin", "--cert", "c.pem", "--starttls"],
        ["policy"],
        ["policy", "lint"],
        ["explain", "--from", ""],
        ["sendmail"],
        ["sendmail", "-x", "a@example.org"],
        ["sendmail", "-bp"],
        ["sendmail", "a@example.org", "-f"],
        ["sendmail", "--password=x", "a@example.org"],
    ])
    func badCommandLineExits64(arguments: [String]) async throws {
        let result = try await PosternProcess.run(arguments)
        #expect(result.status == 64, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: [
        ["send", "--server", "smtp.example.org", "--bogus", "--format", "json"],
        ["check", "--format=json"],
        ["seal", "--format", "json"],
        ["sendmail", "-q", "--format", "json"],
    ])
    func usageErrorWithJSONFormatStillPrintsOneReport(arguments: [String]) async throws {
        let result = try await PosternProcess.run(arguments)
        #expect(result.status == 64)
        let json = try result.jsonObject()
        #expect(Set(json.keys) == reportKeys)
        #expect(json["decision"] as? String == "error")
        #expect(json["exit-code"] as? Int == 64)
        #expect(json["verb"] as? String == arguments[0])
        #expect((json["error"] as? String)?.isEmpty == false)
    }

    @Test(arguments: [
        ["--help"], ["send", "--help"], ["policy", "lint", "--help"], ["help", "explain"], ["sendmail", "--help"],
    ])
    func helpExitsZeroOnStdout(arguments: [String]) async throws {
        let result = try await PosternProcess.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.lowercased().contains("usage"))
    }

    @Test(arguments: [
        ["explain", "--from", "a@example.org\r\nRCPT TO:<x@evil.example>"],
        ["send", "--server", "smtp.example.org", "--to", "b@example.org\rX"],
        ["check", "--server", "smtp.example.org", "--from", "a@example.org\n"],
    ])
    func envelopeAddressWithLineBreakIsADataError(arguments: [String]) async throws {
        let result = try await PosternProcess.run(arguments + ["--format", "json"])
        #expect(result.status == 65)
        let json = try result.jsonObject()
        #expect(json["exit-code"] as? Int == 65)
        #expect(json["decision"] as? String == "error")
        #expect(result.stderr.contains("holds CR, LF or NUL"))
    }

    @Test func sendHelpListsTheContractOptions() async throws {
        let help = try await PosternProcess.run(["send", "--help"]).stdout
        for option in [
            "--from", "--to", "--server", "--connect", "--security", "--ca-file", "--helo", "--timeout", "--user",
            "--password-env", "--password-file", "--password-command", "--policy", "--smime-cert", "--smime-key",
            "--smime-certs", "--gnupg-home", "--pgp-signer", "--sign", "--encrypt", "--format", "--verbose",
        ] {
            #expect(help.contains(option), "send --help lacks \(option)")
        }
        #expect(!help.contains("--password "))
    }
}
