import Foundation
import PosternTestSupport
import Testing

/// How many gpg processes one OpenPGP seal starts, counted with strace on the real binary.
///
/// Before contexts were pooled and lookups batched, signing and encrypting to three
/// recipients ran gpg 18 times (8 of them `gpg --version`); now it is 7: GPGME's engine probe,
/// one context's probe, the signer and recipient listings, the re-checks of those keys
/// inside the operation, and the operation itself.
@Suite struct SealProcessCountTests {
    static let strace = "/usr/bin/strace"

    /// strace exists and may trace here (ptrace can be forbidden in containers).
    static func straceWorks() async -> Bool {
        guard FileManager.default.isExecutableFile(atPath: strace),
            let result = try? await ToolProcess.run(
                strace, ["-f", "-qq", "-e", "trace=execve", "-o", "/dev/null", "/bin/true"])
        else { return false }
        return result.status == 0
    }

    @Test(.enabled("strace is missing or may not trace") { await straceWorks() })
    func aThreeRecipientSealRunsFewGPGProcesses() async throws {
        try await SealFixture.with { fixture in
            let home = fixture.keyring.home
            // The agent is started before tracing: a daemon under strace -f would keep strace waiting.
            let launch = try await ToolProcess.run("/usr/bin/gpgconf", ["--homedir", home, "--launch", "gpg-agent"])
            #expect(launch.status == 0, "\(launch.stderr)")
            let message = """
                From: alice@example.test\r
                To: bob@example.test, carol@example.test\r
                Cc: alice@example.test\r
                Subject: count\r
                \r
                Hello.\r

                """
            let input = try fixture.write("count.eml", Array(message.utf8))
            let output = fixture.path("count-out.eml")
            let trace = fixture.path("count.trace")
            let result = try await ToolProcess.run(
                Self.strace,
                [
                    "-f", "-qq", "-e", "trace=execve", "-o", trace, try SealCLITests.executable(), "seal",
                    "--sign", "openpgp", "--encrypt", "openpgp", "--gnupg-home", home, "--output", output, input,
                ],
                environment: ["POSTERN_POLICY": ""])
            #expect(result.status == 0, "\(result.stderr)")
            let execs = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
                .filter { $0.contains("execve(\"") && !$0.contains("ENOENT") }
            let gpg = execs.filter { $0.contains("execve(\"/usr/bin/gpg\"") || $0.contains("/bin/gpg\", [") }
            let versions = gpg.filter { $0.contains("\"--version\"") }
            // The seal really happened: encrypted to exactly the three, and decryptable.
            let sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
            let everyone = fixture.encryptionKeyIDs("alice").union(fixture.encryptionKeyIDs("bob"))
                .union(fixture.encryptionKeyIDs("carol"))
            await #expect(try fixture.gpgRecipientKeyIDs(sealed) == everyone)
            await #expect(try fixture.gpgDecrypt(sealed).status == 0)
            #expect(gpg.count >= 3, "strace saw no gpg at all: \(execs)")
            #expect(gpg.count <= 8, "\(gpg.joined(separator: "\n"))")
            #expect(versions.count <= 2, "\(versions.joined(separator: "\n"))")
        }
    }
}
