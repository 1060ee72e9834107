import Foundation
import PosternTestSupport
import Testing

extension InteropSuite {
    /// Postern inside Postfix: mail handed to the "edge" port (`FILTER_PORT`, plain SMTP from loopback) goes through
    /// the `postern` pipe(8) content filter (`postern sendmail --mta-filter`, the binary under test, run by Postfix
    /// as `nobody` with Postfix's minimal environment), which seals it under the policy and submits it back over
    /// implicit TLS with AUTH, from where the capture transport delivers it.
    ///
    /// Serialized: every test rewrites the one `FILTER_DIR/filter.yaml` that master.cf names.
    @Suite("Postern as the Postfix content filter (sendmail --mta-filter)", .serialized)
    struct PostfixFilter {
        @Test(
            "a: sign+encrypt policy: mail from the edge port arrives enveloped, decrypts and verifies; resubmitted over implicit TLS with AUTH"
        )
        func sealedAndResubmitted() async throws {
            let setup = try await FilterSetup(keysFor: ["bob"])
            defer { setup.remove() }
            let bob = setup.address("bob")
            let policy = try setup.writePolicy(
                "postern-policy: 1\nname: filter-seal\nmessage:\n  sign: required\n  encrypt: required\n  formats: [smime]\n"
            )
            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy)

            let text = setup.message(from: FilterSetup.signerAddress, to: bob)
            try await setup.handToEdge(sender: FilterSetup.signerAddress, recipients: [bob], message: text)

            let delivered = try await setup.waitForDelivery(to: bob)
            let headers = Maildir.split(delivered).headers.lowercased()
            #expect(headers.contains("application/pkcs7-mime"), "delivered in clear or unsealed:\n\(headers)")
            #expect(!delivered.contains(setup.bodyLine), "the body is visible in what was delivered")
            #expect(!delivered.contains("Subject: filter \(setup.marker)"), "the real Subject is visible outside")
            let opened = try await setup.decryptAndVerify(delivered, as: "bob")
            #expect(opened.contains(setup.bodyLine))
            #expect(opened.contains("Subject: filter \(setup.marker)"), "RFC 9788: the real Subject inside")

            let log = try await setup.waitForLogLine(recipient: bob, relay: "postern", containing: "status=sent")
            #expect(log.contains("dsn=2.0.0"))
            let capture = try await setup.waitForLogLine(recipient: bob, relay: "capture", containing: "status=sent")
            let resubmission = try #require(FilterSetup.queueID(of: capture))
            let received = setup.logLines().first {
                $0.contains("/implicit/smtpd[") && $0.contains("\(resubmission): client=")
            }
            let line = try #require(received, "no implicit-TLS smtpd line for queue id \(resubmission)")
            #expect(line.contains("sasl_username=\(setup.server.user)"))
            try setup.expectNoPasswordAnywhere(recipients: [bob])
        }

        @Test(
            "b: a recipient without a key under encrypt-required bounces with 5.7.1 recipient-key-missing; nothing delivered in clear"
        )
        func missingKeyBounces() async throws {
            let setup = try await FilterSetup(keysFor: [])
            defer { setup.remove() }
            let carol = setup.address("carol"), sender = setup.address("sender")
            let policy = try setup.writePolicy(
                "postern-policy: 1\nname: filter-encrypt\nmessage:\n  encrypt: required\n  formats: [smime]\n")
            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy)

            try await setup.handToEdge(
                sender: sender, recipients: [carol], message: setup.message(from: sender, to: carol))

            try await setup.expectBounced(carol, code: "5.7.1", naming: "recipient-key-missing", dsnTo: sender)
        }

        @Test(
            "c: upstream unreachable: deferred 4.4.1 and kept in the queue; after the fix and a flush it arrives sealed"
        )
        func unreachableDefersThenDelivers() async throws {
            let setup = try await FilterSetup(keysFor: ["dave"])
            defer { setup.remove() }
            let dave = setup.address("dave")
            let policy = try setup.writePolicy(
                "postern-policy: 1\nname: filter-encrypt\nmessage:\n  encrypt: required\n  formats: [smime]\n")
            // Port 1 on loopback: nothing listens, the connection is refused.
            try setup.writeConfiguration(connectPort: 1, policy: policy)

            try await setup.handToEdge(
                sender: FilterSetup.signerAddress, recipients: [dave],
                message: setup.message(from: FilterSetup.signerAddress, to: dave))

            let log = try await setup.waitForLogLine(recipient: dave, relay: "postern", containing: "status=")
            #expect(log.contains("dsn=4.4.1"), "\(log)")
            #expect(log.contains("status=deferred"), "\(log)")
            await #expect(try setup.postqueue(["-p"]).contains(dave), "the deferred message is not in the queue")
            #expect(Maildir.messages(in: setup.server, recipient: dave).isEmpty)

            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy)
            _ = try await setup.postqueue(["-f"])
            let delivered = try await setup.waitForDelivery(to: dave)
            #expect(Maildir.split(delivered).headers.lowercased().contains("application/pkcs7-mime"))
            await #expect(try setup.decrypt(delivered, as: "dave").contains(setup.marker))
            _ = try await setup.waitForLogLine(recipient: dave, relay: "postern", containing: "status=sent")
            try setup.expectNoPasswordAnywhere(recipients: [dave])
        }

        @Test("e: null sender and two recipients after --: one Postern run, MAIL FROM:<>, both copies sealed")
        func nullSenderAndSeveralRecipients() async throws {
            let setup = try await FilterSetup(keysFor: ["frank", "grace"])
            defer { setup.remove() }
            let frank = setup.address("frank"), grace = setup.address("grace")
            let policy = try setup.writePolicy(
                "postern-policy: 1\nname: filter-encrypt\nmessage:\n  encrypt: required\n  formats: [smime]\n")
            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy)

            try await setup.handToEdge(
                sender: "", recipients: [frank, grace],
                message: setup.message(from: "mailer-daemon@example.test", to: frank))

            let first = try await setup.waitForDelivery(to: frank)
            let second = try await setup.waitForDelivery(to: grace)
            await #expect(try setup.decrypt(first, as: "frank").contains(setup.bodyLine))
            await #expect(try setup.decrypt(second, as: "grace").contains(setup.bodyLine))
            // Both recipients went through the same pipe(8) delivery (one queue id), and the re-submission
            // carried the null sender for both.
            let viaFilter = [frank, grace].compactMap { recipient in
                setup.logLines().first {
                    $0.contains("to=<\(recipient)>") && $0.contains("relay=postern,") && $0.contains("status=sent")
                }
            }
            #expect(viaFilter.count == 2)
            #expect(Set(viaFilter.compactMap(FilterSetup.queueID)).count == 1)
            let capture = try await setup.waitForLogLine(recipient: frank, relay: "capture", containing: "status=sent")
            let resubmission = try #require(FilterSetup.queueID(of: capture))
            #expect(setup.logLines().contains { $0.contains("\(resubmission): from=<>, ") && $0.contains("nrcpt=2") })
        }

        @Test("f: the submission server's certificate does not match the configured name: deferred 4.7.0, not bounced")
        func transportDenialDefers() async throws {
            let setup = try await FilterSetup(keysFor: [])
            defer { setup.remove() }
            let heidi = setup.address("heidi")
            let policy = try setup.writePolicy("postern-policy: 1\nname: plain\n")
            // The test certificate names localhost, mail.test and 127.0.0.1, not this.
            try setup.writeConfiguration(
                connectPort: setup.server.implicitPort, policy: policy, serverName: "submission.wrong.test")

            try await setup.handToEdge(
                sender: FilterSetup.signerAddress, recipients: [heidi],
                message: setup.message(from: FilterSetup.signerAddress, to: heidi))

            let log = try await setup.waitForLogLine(recipient: heidi, relay: "postern", containing: "status=")
            #expect(log.contains("dsn=4.7.0"), "\(log)")
            #expect(log.contains("status=deferred"), "\(log)")
            #expect(log.contains("hostname-mismatch"), "\(log)")
            await #expect(try setup.postqueue(["-p"]).contains(heidi))
            #expect(Maildir.messages(in: setup.server, recipient: heidi).isEmpty)
        }

        @Test(
            "g: the submission server refuses the recipient (550 5.1.1): bounced with the server's code, not retried, nothing delivered"
        )
        func permanentRefusalBounces() async throws {
            let setup = try await FilterSetup(keysFor: [])
            defer { setup.remove() }
            // scripts/mailserver/start refuses refused-*@example.test at RCPT TO, also after AUTH.
            let refused = setup.address("refused"), sender = setup.address("sender")
            let policy = try setup.writePolicy("postern-policy: 1\nname: plain\n")
            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy)

            try await setup.handToEdge(
                sender: sender, recipients: [refused], message: setup.message(from: sender, to: refused))

            // The server's own code decides the bounce.
            try await setup.expectBounced(refused, code: "5.1.1", naming: "Recipient address rejected", dsnTo: sender)
            // The refusal came from the real submission server, after TLS and AUTH, at RCPT TO.
            #expect(
                setup.logLines().contains {
                    $0.contains("/implicit/smtpd[") && $0.contains("reject: RCPT from") && $0.contains("<\(refused)>")
                })
            await #expect(try !setup.postqueue(["-p"]).contains(refused), "a permanent refusal must not be retried")
        }

        @Test("d: a broken policy file defers (4.3.5) with its location, never bounces; fixed, the message goes out")
        func brokenPolicyDefers() async throws {
            let setup = try await FilterSetup(keysFor: [])
            defer { setup.remove() }
            let erin = setup.address("erin")
            let broken = try setup.writePolicy("postern-policy: 1\nname: broken\nmesage:\n  encrypt: required\n")
            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: broken)

            try await setup.handToEdge(
                sender: FilterSetup.signerAddress, recipients: [erin],
                message: setup.message(from: FilterSetup.signerAddress, to: erin))

            let log = try await setup.waitForLogLine(recipient: erin, relay: "postern", containing: "status=")
            #expect(log.contains("dsn=4.3.5"), "\(log)")
            #expect(log.contains("status=deferred"), "\(log)")
            #expect(log.contains("\(broken):3:1"), "the deferral names the policy file and line: \(log)")
            #expect(!log.contains("bounced"))
            await #expect(try setup.postqueue(["-p"]).contains(erin))

            let fixed = try setup.writePolicy("postern-policy: 1\nname: fixed\n")
            try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: fixed)
            _ = try await setup.postqueue(["-f"])
            let delivered = try await setup.waitForDelivery(to: erin)
            #expect(delivered.contains(setup.marker), "optional protection: delivered as sent")
        }
    }
}

/// Keys, policy and configuration of one filter test, under `FILTER_DIR/t-MARKER/` and owned by `nobody` (the
/// pipe(8) user), plus the ways to feed the edge port and read back what Postfix did.
struct FilterSetup {
    /// The sender and signer (the test account, so AUTH and the envelope agree).
    static let signerAddress = "alice@example.test"

    let server: MailServer
    let filterPort: Int
    let filterDirectory: URL
    let marker: String
    let work: URL
    let pki: SMIMETestPKI
    let ca: SMIMETestPKI.Identity
    let signer: SMIMETestPKI.Identity
    let identities: [String: SMIMETestPKI.Identity]

    /// Makes a CA, the signer (alice) and a certificate for `name-MARKER@example.test` of each name.
    init(keysFor names: [String]) async throws {
        server = try MailServer.require()
        filterPort = try #require(server.filterPort, "the mail server was started without POSTERN_FILTER_BIN")
        filterDirectory = URL(fileURLWithPath: try #require(server.filterDirectory))
        marker = InteropSuite.uniqueMarker()
        pki = try SMIMETestPKI()
        ca = try await pki.makeCA("filter-ca")
        signer = try await pki.issue("alice", issuer: ca, sanEmails: [Self.signerAddress])
        var made: [String: SMIMETestPKI.Identity] = [:]
        for name in names {
            made[name] = try await pki.issue(name, issuer: ca, sanEmails: ["\(name)-\(marker)@example.test"])
        }
        identities = made
        work = filterDirectory.appendingPathComponent("t-\(marker)")
        let certs = work.appendingPathComponent("certs")
        try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
        let trust =
            try Data(contentsOf: URL(fileURLWithPath: server.caFile))
            + Data(contentsOf: URL(fileURLWithPath: ca.certificatePath))
        try trust.write(to: work.appendingPathComponent("cas.pem"))
        try FileManager.default.copyItem(
            atPath: signer.certificatePath, toPath: work.appendingPathComponent("signer.pem").path)
        try FileManager.default.copyItem(atPath: signer.keyPath, toPath: work.appendingPathComponent("signer.key").path)
        for (name, identity) in made {
            try FileManager.default.copyItem(
                atPath: identity.certificatePath, toPath: certs.appendingPathComponent("\(name).pem").path)
        }
        try Self.giveToNobody(work)
    }

    func remove() {
        pki.remove()
        try? FileManager.default.removeItem(at: work)
    }

    func address(_ name: String) -> String { "\(name)-\(marker)@example.test" }

    func message(from sender: String, to recipient: String) -> String {
        "From: <\(sender)>\r\nTo: <\(recipient)>\r\nSubject: filter \(marker)\r\nMessage-ID: <\(marker)@client.test>\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + "\(bodyLine)\r\n.a leading dot\r\nlast line\r\n"
    }

    /// The first body line: it must never appear outside the encryption.
    var bodyLine: String { "\(marker) through the edge." }

    /// Writes a policy layer into the test's folder; returns its path.
    func writePolicy(_ yaml: String) throws -> String {
        let file = work.appendingPathComponent("policy-\(UUID().uuidString.prefix(6)).yaml")
        try Data(yaml.utf8).write(to: file)
        try Self.giveToNobody(file)
        return file.path
    }

    /// Replaces `FILTER_DIR/filter.yaml` (by rename: a filter run never reads half a file); `gnupgHome` adds
    /// `gnupg-home` (the OpenPGP keyring) to the S/MIME settings.
    func writeConfiguration(
        connectPort: Int, policy: String, serverName: String = "mail.test", gnupgHome: String? = nil
    ) throws {
        var text = """
            postern-config: 1
            server: "\(serverName):\(server.implicitPort)"
            connect: "127.0.0.1:\(connectPort)"
            security: implicit-tls
            ca-file: "\(work.path)/cas.pem"
            timeout: 10
            user: "\(server.user)"
            password: { file: "\(filterDirectory.path)/password" }
            policies: ["\(policy)"]
            smime: { cert: "\(work.path)/signer.pem", key: "\(work.path)/signer.key", certs: "\(work.path)/certs" }

            """
        if let gnupgHome { text += "gnupg-home: \"\(gnupgHome)\"\n" }
        let temporary = filterDirectory.appendingPathComponent(".filter.yaml.new")
        try Data(text.utf8).write(to: temporary)
        try Self.giveToNobody(temporary)
        let target = filterDirectory.appendingPathComponent("filter.yaml").path
        try #require(rename(temporary.path, target) == 0, "cannot rename to \(target)")
    }

    /// Hands the message to the edge port over plain SMTP (Python's smtplib: an independent client).
    func handToEdge(sender: String, recipients: [String], message: String) async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("postern-edge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = scratch.appendingPathComponent("m.eml")
        try Data(message.utf8).write(to: file)
        let script = """
            import smtplib, sys
            port, sender, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
                refused = client.sendmail(sender, sys.argv[4:], open(path, "rb").read())
            sys.exit(1 if refused else 0)
            """
        let output = scratch.appendingPathComponent("out")
        let status = try await Spawn.run(
            "/usr/bin/python3", ["-c", script, String(filterPort), sender, file.path] + recipients,
            environment: ProcessInfo.processInfo.environment, stdout: output.path, stderr: output.path)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        try #require(status == 0, "the edge port refused the message: \(text)")
    }

    /// The first delivered file for `recipient` (bounded poll: ≤ 20 s).
    func waitForDelivery(to recipient: String) async throws -> String {
        let deadline = Date().addingTimeInterval(20)
        while true {
            if let first = Maildir.messages(in: server, recipient: recipient).first { return first }
            if Date() > deadline { throw MailServerError("nothing delivered to \(recipient) within 20 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func logLines() -> [String] {
        ((try? String(contentsOfFile: server.postfixLog, encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    /// The first Postfix log line about `recipient` on `relay` that contains `text` (bounded poll: ≤ 20 s).
    func waitForLogLine(recipient: String, relay: String, containing text: String) async throws -> String {
        let deadline = Date().addingTimeInterval(20)
        while true {
            let found = logLines().first {
                $0.contains("to=<\(recipient)>") && $0.contains("relay=\(relay),") && $0.contains(text)
            }
            if let found { return found }
            if Date() > deadline {
                throw MailServerError("no log line for \(recipient) via \(relay) with '\(text)' within 20 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// `mail postfix-test/pipe[12]: 4C80C5AA077: to=<…>` gives `4C80C5AA077`.
    static func queueID(of line: String) -> String? {
        guard let range = line.range(of: "]: ") else { return nil }
        let rest = line[range.upperBound...]
        return rest.split(separator: ":", maxSplits: 1).first.map(String.init)
    }

    /// Runs `postqueue -c POSTFIX_DIR ARGUMENTS` (as root) and returns its output.
    func postqueue(_ arguments: [String]) async throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "postern-postqueue-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let status = try await Spawn.run(
            "/usr/sbin/postqueue", ["-c", server.postfixConfigDirectory] + arguments,
            environment: ProcessInfo.processInfo.environment, stdout: output.path, stderr: output.path)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        try #require(status == 0, "postqueue \(arguments) failed: \(text)")
        return text
    }

    /// `openssl cms -decrypt` with the recipient's key: the content inside the enveloped data.
    func decrypt(_ delivered: String, as name: String) async throws -> String {
        let identity = try #require(identities[name])
        let input = pki.path("in-\(UUID().uuidString.prefix(6)).eml")
        try Data(delivered.utf8).write(to: URL(fileURLWithPath: input))
        let output = try await SMIMETestPKI.openssl(
            ["cms", "-decrypt", "-in", input, "-recip", identity.certificatePath, "-inkey", identity.keyPath])
        return String(decoding: output, as: UTF8.self)
    }

    /// Decrypts, then `openssl cms -verify` against the test CA: the signed content, or a thrown failure.
    func decryptAndVerify(_ delivered: String, as name: String) async throws -> String {
        let inner = try await decrypt(delivered, as: name)
        let signed = pki.path("signed-\(UUID().uuidString.prefix(6)).eml")
        try Data(inner.utf8).write(to: URL(fileURLWithPath: signed))
        let content = try await SMIMETestPKI.openssl(["cms", "-verify", "-in", signed, "-CAfile", ca.certificatePath])
        return String(decoding: content, as: UTF8.self)
    }

    /// The test password appears in no log, bounce or delivered message.
    /// The filter bounced `recipient`'s copy: Postfix logged `dsn=CODE, status=bounced` with `text` for the
    /// postern relay, the DSN reached `sender` naming the code and the recipient, nothing was delivered to the
    /// recipient, and the password is nowhere.
    func expectBounced(_ recipient: String, code: String, naming text: String, dsnTo sender: String) async throws {
        let log = try await waitForLogLine(recipient: recipient, relay: "postern", containing: "status=")
        #expect(log.contains("dsn=\(code)"), "\(log)")
        #expect(log.contains("status=bounced"), "\(log)")
        #expect(log.contains(text), "\(log)")
        // The DSN goes to the sender (delivered by the capture transport).
        let bounce = try await waitForDelivery(to: sender)
        #expect(bounce.contains(code))
        #expect(bounce.contains(recipient))
        #expect(bounce.contains(text))
        #expect(Maildir.messages(in: server, recipient: recipient).isEmpty, "something was delivered to \(recipient)")
        try expectNoPasswordAnywhere(recipients: [recipient, sender])
    }

    func expectNoPasswordAnywhere(recipients: [String]) throws {
        let password = try String(contentsOfFile: server.passwordFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(password.count >= 16)
        #expect(!logLines().contains { $0.contains(password) }, "the password is in the Postfix log")
        for recipient in recipients {
            #expect(!Maildir.messages(in: server, recipient: recipient).contains { $0.contains(password) })
        }
    }

    /// chown -R nobody:nogroup; key and configuration files stay private to nobody.
    static func giveToNobody(_ url: URL) throws {
        var paths = [url.path]
        if let enumerator = FileManager.default.enumerator(atPath: url.path) {
            for case let name as String in enumerator { paths.append(url.appendingPathComponent(name).path) }
        }
        for path in paths {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            try FileManager.default.setAttributes(
                [
                    .ownerAccountName: "nobody", .groupOwnerAccountName: "nogroup",
                    .posixPermissions: isDirectory.boolValue ? 0o700 : 0o600,
                ],
                ofItemAtPath: path)
        }
    }
}
