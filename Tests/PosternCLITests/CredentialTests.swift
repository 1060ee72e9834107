import Foundation
import Testing

/// A password must never appear in any output, whatever the verbosity.
@Suite struct CredentialTests {
    static let canary = "canary-Xq7-\(UUID().uuidString)"

    @Test func passwordFileContentIsNeverPrinted() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(Self.canary + "\n", to: "pw")
        for format in ["text", "json"] {
            let result = try PosternProcess.run([
                "send", "--server", "smtp.example.org", "--user", "bob", "--password-file", file, "-v", "--format", format,
            ])
            #expect(result.status == 69)
            #expect(!result.stdout.contains(Self.canary))
            #expect(!result.stderr.contains(Self.canary))
            // The trace does run: it names the user and the source, not the secret.
            #expect(result.stderr.contains("bob, password from file"))
        }
    }

    @Test func passwordEnvironmentValueIsNeverPrinted() throws {
        let result = try PosternProcess.run(
            ["check", "--server", "smtp.example.org", "--user", "bob", "--password-env", "PW", "--auth", "-v"],
            environment: ["PW": Self.canary])
        #expect(result.status == 69)
        #expect(!result.stdout.contains(Self.canary) && !result.stderr.contains(Self.canary))
        #expect(result.stderr.contains("environment variable PW"))
    }

    @Test func passwordCommandLineIsRedactedInTheTrace() throws {
        let result = try PosternProcess.run([
            "send", "--server", "smtp.example.org", "--user", "bob", "--password-command", "echo \(Self.canary)", "-v",
        ])
        #expect(result.status == 69)
        #expect(!result.stdout.contains(Self.canary) && !result.stderr.contains(Self.canary))
        #expect(result.stderr.contains("command (not shown)"))
    }

    @Test(arguments: [["--password", canary], ["--password=\(canary)"]])
    func aPasswordInArgvIsRefusedWithoutEcho(password: [String]) throws {
        let result = try PosternProcess.run(
            ["send", "--server", "smtp.example.org", "--user", "bob"] + password + ["--format", "json", "-v"])
        #expect(result.status == 64)
        #expect(!result.stdout.contains(Self.canary) && !result.stderr.contains(Self.canary))
        #expect(result.stderr.contains("never taken from the command line"))
        #expect(try result.jsonObject()["exit-code"] as? Int == 64)
    }
}
