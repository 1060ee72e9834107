import Foundation
import Testing

extension InteropSuite {
    @Test("pin --server against Postfix (implicit TLS) equals the pin of the server's certificate file")
    func pinServerEqualsCertificateFile() async throws {
        let server = try MailServer.require()
        let fromFile = try await PosternBinary.run(["pin", "--cert", server.serverCertificateFile])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        let expected = fromFile.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.hasPrefix("sha256//") && expected.count == 52)

        let verified = try await PosternBinary.run([
            "pin", "--server", "mail.test", "--connect", "127.0.0.1:\(server.implicitPort)",
            "--ca-file", server.caFile, "--format", "json",
        ])
        #expect(verified.status == 0, "\(verified.stderr)")
        let certificate = try #require(
            (try verified.json()["transport"] as? [String: Any])?["certificate"] as? [String: Any])
        #expect(certificate["spki-sha256"] as? String == expected)
        #expect(certificate["verified"] as? Bool == true)
        #expect(!verified.stderr.contains("not verified"))

        // Without the test CA the same pin is printed, flagged as unverified (trust on first use).
        let unverified = try await PosternBinary.run(["pin", "--server", "127.0.0.1:\(server.implicitPort)"])
        #expect(unverified.status == 0)
        #expect(unverified.stdout == expected + "\n")
        #expect(unverified.stderr.contains("not verified: certificate-untrusted"))
    }
}
