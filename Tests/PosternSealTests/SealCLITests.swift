import Foundation
import PosternTestSupport
import Testing

/// `postern seal` as a subprocess: stdout, stderr and exit codes of the real binary.
@Suite struct SealCLITests {
    static func executable() throws -> String {
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            candidates.append(
                URL(fileURLWithPath: first).deletingLastPathComponent().appendingPathComponent("postern").path)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/postern").path)
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) })
    }

    func run(_ arguments: [String], fixture: SealFixture) async throws -> ToolProcess.Output {
        try await ToolProcess.run(try Self.executable(), ["seal"] + arguments, environment: ["POSTERN_POLICY": ""])
    }

    func smimeKeys(_ fixture: SealFixture) throws -> [String] {
        let alice = try #require(fixture.identities["alice"])
        return [
            "--smime-cert", alice.certificatePath, "--smime-key", alice.keyPath, "--smime-certs",
            fixture.certificateDirectory, "--ca-file", fixture.ca.certificatePath,
        ]
    }

    @Test func textModeWritesTheMessageToStdoutAndTheSummaryToStderr() async throws {
        try await SealFixture.with { fixture in
            let input = try fixture.write("cli.eml", Array(letter.utf8))
            let result = try await run(["--sign", "smime"] + smimeKeys(fixture) + [input], fixture: fixture)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("postern seal: signed (smime"))
            let sealed = [UInt8](result.stdout)
            #expect(sealed.headerSection.contains("multipart/signed"))
            await #expect(try fixture.smimeVerify(sealed) != nil)
        }
    }

    @Test func jsonModeReportsTheProtection() async throws {
        try await SealFixture.with { fixture in
            let input = try fixture.write("cli.eml", Array(letter.utf8))
            let output = fixture.path("cli-out.eml")
            let result = try await run(
                ["--sign", "smime", "--encrypt", "smime", "--format", "json", "--output", output] + smimeKeys(fixture)
                    + [input], fixture: fixture)
            #expect(result.status == 0, "\(result.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            let protection = try #require(json["protection"] as? [String: Any])
            #expect(protection["signed"] as? String == "smime")
            #expect(protection["encrypted"] as? String == "smime")
            #expect(protection["recipients"] as? [String] == ["bob@example.test"])
            #expect(json["exit-code"] as? Int == 0)
            let sealed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
            await #expect(try fixture.smimeDecrypt(sealed, as: "bob") != nil)
        }
    }

    @Test func encryptedBccWithoutOutputIsRefused() async throws {
        try await SealFixture.with { fixture in
            let message = letter.replacingOccurrences(
                of: "To: bob@example.test", with: "To: bob@example.test\nBcc: carol@example.test")
            let input = try fixture.write("cli.eml", Array(message.utf8))
            let result = try await run(["--encrypt", "smime"] + smimeKeys(fixture) + [input], fixture: fixture)
            #expect(result.status == 64)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("--output"))
        }
    }

    @Test func deniedSealExits77AndWritesNothing() async throws {
        try await SealFixture.with { fixture in
            let message = letter.replacingOccurrences(of: "To: bob@example.test", with: "To: dave@example.test")
            let input = try fixture.write("cli.eml", Array(message.utf8))
            let output = fixture.path("cli-denied.eml")
            let result = try await run(
                ["--encrypt", "smime", "--format", "json", "--output", output] + smimeKeys(fixture) + [input],
                fixture: fixture)
            #expect(result.status == 77)
            let json = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
            let violations = try #require(json["violations"] as? [[String: Any]])
            #expect(violations.contains { ($0["code"] as? String) == "recipient-key-missing" })
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func missingInputIs66AndMalformedIs65() async throws {
        try await SealFixture.with { fixture in
            let missing = try await run(
                ["--sign", "smime"] + smimeKeys(fixture) + [fixture.path("nope.eml")], fixture: fixture)
            #expect(missing.status == 66)
            let bad = try fixture.write("bad.eml", Array("From: a@example.test\nbroken header line\n\nx\n".utf8))
            let malformed = try await run(["--sign", "smime"] + smimeKeys(fixture) + [bad], fixture: fixture)
            #expect(malformed.status == 65)
            #expect(malformed.stderr.contains("line 2"))
        }
    }
}
