import Foundation
import Postern
import PosternPolicy
import PosternTestSupport
import Testing

/// Messages of 4 MiB and more, given as a file and sealed to a file, stream through
/// the crypto in chunks; the result must be what openssl and gpg accept.
@Suite struct SealStreamingTests {
    /// A multipart message of about 5 MiB with a base64 attachment and bare-LF line ends.
    static func bigMessage() -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<(3_900_000)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let base64 = Data(raw).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return """
            From: alice@example.test
            To: bob@example.test
            Bcc: carol@example.test
            Subject: Quarterly figures
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="part"

            --part
            Content-Type: text/plain

            The figures are attached.
            --part
            Content-Type: application/octet-stream
            Content-Transfer-Encoding: base64

            \(base64)
            --part--

            """
    }

    @Test func largeSMIMEMessageStreamsAndVerifies() async throws {
        try await SealFixture.with { fixture in
            let input = try fixture.write("big.eml", Array(Self.bigMessage().utf8))
            let output = fixture.path("big-sealed.eml")
            let request = SealRequest(
                input: .file(input), outputFile: output, sign: .smime, encrypt: .smime, keys: fixture.keys)
            let outcome = await seal(request, logger: .init(label: "t"))
            #expect(outcome.exitStatus == .ok, "\(outcome.summary)")
            #expect(outcome.main?.content == .file(output))
            let sealed = try outcome.mainBytes()
            #expect(sealed.headerSection.contains("Subject: [...]"))
            #expect(!sealed.headerSection.contains("Bcc"))
            let inner = try await #require(try fixture.smimeDecrypt(sealed, as: "bob"))
            let content = try await #require(try fixture.smimeVerify(inner))
            #expect(content.headerSection.contains("Subject: Quarterly figures"))
            #expect(content.text.contains("The figures are attached."))
            // The full address: "@" never occurs in the random base64 attachment, so this
            // cannot match by chance (a bare "carol" did, about once in 200 runs).
            #expect(!content.text.contains("carol@example.test"))

            let copy = try #require(outcome.bccCopies.first)
            #expect(copy.content == .file(output + ".bcc-1"))
            let bcc = try copy.bytes()
            await #expect(try fixture.smimeDecrypt(bcc, as: "carol") != nil)
            await #expect(try fixture.smimeDecrypt(bcc, as: "bob") == nil)
            await #expect(try fixture.smimeDecrypt(sealed, as: "carol") == nil)
        }
    }

    @Test func largeOpenPGPMessageStreamsAndDecrypts() async throws {
        try await SealFixture.with { fixture in
            let input = try fixture.write("big.eml", Array(Self.bigMessage().utf8))
            let output = fixture.path("big-sealed.eml")
            let request = SealRequest(
                input: .file(input), outputFile: output, sign: .openpgp, encrypt: .openpgp, keys: fixture.keys)
            let outcome = await seal(request, logger: .init(label: "t"))
            #expect(outcome.exitStatus == .ok, "\(outcome.summary)")
            let sealed = try outcome.mainBytes()
            #expect(sealed.headerSection.contains("multipart/encrypted"))
            let result = try await fixture.gpgDecrypt(sealed)
            #expect(result.status == 0, "\(result.stderrText)")
            #expect(result.stderrText.contains("[GNUPG:] GOODSIG"))
            #expect(result.stdoutText.contains("Subject: Quarterly figures"))
            let copy = try #require(outcome.bccCopies.first).bytes()
            let alice = fixture.encryptionKeyIDs("alice")
            await #expect(try fixture.gpgRecipientKeyIDs(copy) == fixture.encryptionKeyIDs("carol").union(alice))
            await #expect(try fixture.gpgRecipientKeyIDs(sealed) == fixture.encryptionKeyIDs("bob").union(alice))
        }
    }

    @Test func largeMessageNeedingReEncodingFallsBackToMemoryAndStillVerifies() async throws {
        try await SealFixture.with { fixture in
            // 8-bit text and a 3000-octet line deep in the body: found only while streaming.
            let message = Self.bigMessage().replacingOccurrences(
                of: "--part--",
                with: "--part\nContent-Type: text/plain; charset=utf-8\n\nCaf\u{e9} "
                    + String(repeating: "x", count: 3000) + "\n--part--")
            let input = try fixture.write("big8.eml", Array(message.utf8))
            let output = fixture.path("big8-sealed.eml")
            let request = SealRequest(input: .file(input), outputFile: output, sign: .smime, keys: fixture.keys)
            let outcome = await seal(request, logger: .init(label: "t"))
            #expect(outcome.exitStatus == .ok, "\(outcome.summary)")
            let sealed = try outcome.mainBytes()
            #expect(sealed.allSatisfy { $0 < 0x80 })
            let content = try await #require(try fixture.smimeVerify(sealed))
            #expect(content.text.contains("quoted-printable"))
            let names = try FileManager.default.contentsOfDirectory(atPath: fixture.pki.directory.path)
            #expect(names.filter { $0.contains("big8-sealed") } == ["big8-sealed.eml"])
        }
    }

    @Test func largeMessageDeniedLeavesNoFile() async throws {
        try await SealFixture.with { fixture in
            let input = try fixture.write("big.eml", Array(Self.bigMessage().utf8))
            let output = fixture.path("big-denied.eml")
            let policy = try PolicyLoaderHelper.policy(
                "postern-policy: 1\nname: small\nmessage: { max-size: 1MiB }\n")
            let request = SealRequest(
                input: .file(input), outputFile: output, policy: policy, sign: .smime, keys: fixture.keys)
            let outcome = await seal(request, logger: .init(label: "t"))
            #expect(outcome.exitStatus == .noPerm)
            #expect(outcome.report.violations.contains { $0.code == "message-too-large" })
            let names = try FileManager.default.contentsOfDirectory(atPath: fixture.pki.directory.path)
            #expect(!names.contains { $0.contains("big-denied") })
        }
    }
}
