import Foundation
import PosternTLS
import PosternTestSupport
import Testing

/// `postern pin`, the real binary: `--cert` against the openssl pipeline, `--server` against a real TLS server.
@Suite("postern pin")
struct PinCommandTests {
    @Test("pin --cert prints exactly the pin the openssl pipeline computes")
    func certMatchesOpenSSL() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for identity in [pki.valid, pki.selfSigned, pki.root] {
                let expected = try await OpenSSLReferencePin.ofCertificate(at: identity.certificatePath)
                let result = try await PosternProcess.run(["pin", "--cert", identity.certificatePath])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout == expected + "\n")
                #expect(result.stderr.isEmpty)
            }
        }
    }

    @Test("pin --cert of a DER file equals the PEM file's pin")
    func certDER() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let der = pki.directory.appendingPathComponent("valid.der")
            try Data(pki.valid.certificate.serializeAsPEM().derBytes).write(to: der)
            let result = try await PosternProcess.run(["pin", "--cert", der.path])
            #expect(result.status == 0)
            await #expect(
                result.stdout == (try OpenSSLReferencePin.ofCertificate(at: pki.valid.certificatePath)) + "\n")
        }
    }

    @Test("pin --cert --chain prints one line per certificate, pin then subject, in file order")
    func certChain() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let result = try await PosternProcess.run(["pin", "--cert", pki.valid.chainPath, "--chain"])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let pins = try pki.valid.chainPins
            try #require(lines.count == 2)
            #expect(lines[0] == "\(pins[0]) \(pki.valid.certificate.subject)")
            #expect(lines[1] == "\(pins[1]) \(pki.valid.chain[1].subject)")
            #expect(lines[1].contains("Postern Test Intermediate CA"))
        }
    }

    @Test("pin --cert --format json reports the leaf in transport.certificate")
    func certJSON() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let result = try await PosternProcess.run(["pin", "--cert", pki.valid.chainPath, "--format", "json"])
            #expect(result.status == 0)
            let json = try result.jsonObject()
            #expect(Set(json.keys) == reportKeys)
            #expect(json["decision"] as? String == "allow")
            let transport = try #require(json["transport"] as? [String: Any])
            let certificate = try #require(transport["certificate"] as? [String: Any])
            #expect(certificate["spki-sha256"] as? String == (try pki.valid.pin.description))
            #expect((certificate["subject"] as? String)?.contains("valid.server.test") == true)
            #expect(certificate["verified"] is NSNull)
        }
    }

    @Test("pin --cert: a missing file is 66, a file without a certificate is 65")
    func certErrors() async throws {
        let directory = try TemporaryDirectory()
        let missing = try await PosternProcess.run([
            "pin", "--cert", directory.url.appendingPathComponent("nope.pem").path,
        ])
        #expect(missing.status == 66)
        #expect(missing.stdout.isEmpty)
        let garbage = try directory.write("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", to: "g.pem")
        let bad = try await PosternProcess.run(["pin", "--cert", garbage])
        #expect(bad.status == 65)
        #expect(bad.stdout.isEmpty)
        let text = try directory.write("hello\n", to: "t.pem")
        await #expect(try PosternProcess.run(["pin", "--cert", text]).status == 65)
    }

    @Test("pin --server over implicit TLS: verified with --ca-file, pin of the presented leaf")
    func serverVerified() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let script = SMTPServerScript(security: .implicitTLS, identity: pki.valid)
            try await withScriptedSMTPServer(script) { server in
                let result = try await PosternProcess.run([
                    "pin", "--server", "mail.test", "--connect", "127.0.0.1:\(server.port)",
                    "--ca-file", pki.caFilePath, "--format", "json",
                ])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(!result.stderr.contains("not verified"))
                let json = try result.jsonObject()
                let transport = try #require(json["transport"] as? [String: Any])
                #expect(transport["server"] as? String == "mail.test:465")
                #expect(transport["security"] as? String == "implicit-tls")
                let certificate = try #require(transport["certificate"] as? [String: Any])
                #expect(certificate["verified"] as? Bool == true)
                #expect(certificate["spki-sha256"] as? String == (try pki.valid.pin.description))
                #expect(server.recording.serverNameIndications.contains("mail.test"))
            }
        }
    }

    @Test("pin --server prints the pin of an untrusted server, and says 'not verified' on stderr")
    func serverUntrusted() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for identity in [pki.selfSigned, pki.valid, pki.wrongName] {
                let script = SMTPServerScript(security: .implicitTLS, identity: identity)
                try await withScriptedSMTPServer(script) { server in
                    // No --ca-file: the test root is not a trust anchor, so nothing verifies.
                    let result = try await PosternProcess.run(["pin", "--server", "127.0.0.1:\(server.port)"])
                    #expect(result.status == 0, "\(result.stderr)")
                    #expect(result.stdout == (try identity.pin.description) + "\n")
                    #expect(result.stderr.contains("not verified: certificate-untrusted"))
                    #expect(result.stderr.contains("trust on first use"))
                }
            }
        }
    }

    @Test("pin --server --chain prints every presented certificate; a wrong name says hostname-mismatch")
    func serverChain() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let script = SMTPServerScript(security: .implicitTLS, identity: pki.wrongName)
            try await withScriptedSMTPServer(script) { server in
                let result = try await PosternProcess.run([
                    "pin", "--server", "127.0.0.1:\(server.port)", "--chain", "--ca-file", pki.caFilePath,
                ])
                #expect(result.status == 0, "\(result.stderr)")
                let pins = try pki.wrongName.chainPins
                #expect(
                    result.stdout
                        == "\(pins[0]) \(pki.wrongName.chain[0].subject)\n\(pins[1]) \(pki.wrongName.chain[1].subject)\n"
                )
                #expect(result.stderr.contains("not verified: hostname-mismatch"))
            }
        }
    }

    @Test("pin --server: nothing listening is 69 with no pin on stdout")
    func serverUnreachable() async throws {
        // Bind and close to find a port that nobody listens on.
        let port = try await withTestPKI { (pki: TestPKI) async throws -> Int in
            try await withScriptedSMTPServer(SMTPServerScript(security: .implicitTLS, identity: pki.valid)) { $0.port }
        }
        let result = try await PosternProcess.run(["pin", "--server", "127.0.0.1:\(port)", "--timeout", "5"])
        #expect(result.status == 69)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("postern pin"))
    }

    @Test("pin --server against a plaintext SMTP server: no certificate, 69")
    func serverWithoutTLS() async throws {
        try await withScriptedSMTPServer(SMTPServerScript(security: .plaintext)) { server in
            let result = try await PosternProcess.run(["pin", "--server", "127.0.0.1:\(server.port)", "--timeout", "5"])
            #expect(result.status == 69, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("no certificate obtained"))
        }
    }
}

extension PinCommandTests {
    @Test("pin --server --starttls: EHLO, STARTTLS, handshake, the presented pin; nothing else sent")
    func startTLS() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let script = SMTPServerScript(security: .startTLS, identity: pki.valid)
            let recording = try await withScriptedSMTPServer(script) { server in
                let result = try await PosternProcess.run([
                    "pin", "--server", "mail.test", "--connect", "127.0.0.1:\(server.port)", "--starttls",
                    "--ca-file", pki.caFilePath, "--format", "json", "--timeout", "10",
                ])
                #expect(result.status == 0, "\(result.stderr)")
                let transport = try #require(try result.jsonObject()["transport"] as? [String: Any])
                #expect(transport["security"] as? String == "starttls")
                #expect(transport["server"] as? String == "mail.test:587")
                let certificate = try #require(transport["certificate"] as? [String: Any])
                #expect(certificate["spki-sha256"] as? String == (try pki.valid.pin.description))
                #expect(certificate["verified"] as? Bool == true)
                return server.recording
            }
            #expect(recording.tlsHandshakesCompleted == 1)
            #expect(
                !recording.commandLines.contains {
                    $0.uppercased().hasPrefix("AUTH") || $0.uppercased().hasPrefix("MAIL")
                })
        }
    }

    @Test("pin --starttls refuses a server that does not offer STARTTLS or injects bytes: no pin, 69")
    func startTLSRefusals() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            var stripped = SMTPServerScript(security: .startTLS, identity: pki.valid)
            stripped.stripSTARTTLS = true
            var injected = SMTPServerScript(security: .startTLS, identity: pki.valid)
            injected.injectedAfterStartTLSReply = Array("250 AUTH PLAIN\r\n".utf8)
            for (script, code) in [(stripped, "starttls-unavailable"), (injected, "response-injection")] {
                try await withScriptedSMTPServer(script) { server in
                    let result = try await PosternProcess.run([
                        "pin", "--server", "127.0.0.1:\(server.port)", "--starttls", "--timeout", "10",
                    ])
                    #expect(result.status == 69, "\(result.stderr)")
                    #expect(result.stdout.isEmpty)
                    #expect(result.stderr.contains(code), "\(result.stderr)")
                }
            }
        }
    }
}
