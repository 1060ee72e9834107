import Foundation
import PosternTestSupport
import Testing

extension InteropSuite.PostfixFilter {
    @Test(
        "h: OpenPGP sign+encrypt policy, four messages at once on one fresh home: each arrives as PGP/MIME, decrypts with the recipient's key and carries alice's good signature; gpg-agent ran as nobody"
    )
    func openPGPSealedAndResubmitted() async throws {
        let setup = try await FilterSetup(keysFor: [])
        defer { setup.remove() }
        let ivan = setup.address("ivan")
        let keys = [
            GnuPGTestKey(name: "alice", email: FilterSetup.signerAddress), GnuPGTestKey(name: "ivan", email: ivan),
        ]
        try await GnuPGTestKeyring.withKeyring(keys) { keyring in
            try await setup.withNobodyGnuPGHome(from: keyring, secretKeysOf: ["alice"]) { home in
                let policy = try setup.writePolicy(
                    "postern-policy: 1\nname: filter-pgp\nmessage:\n  sign: required\n  encrypt: required\n  formats: [openpgp]\n"
                )
                try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy, gnupgHome: home)

                // Four queue files handed over back to back: the postern transport (maxproc 4) runs them in
                // parallel processes, which race to start the one agent of this home.
                let copies = 4
                for _ in 0..<copies {
                    try await setup.handToEdge(
                        sender: FilterSetup.signerAddress, recipients: [ivan],
                        message: setup.message(from: FilterSetup.signerAddress, to: ivan))
                }

                let outcomes = try await setup.waitForLogLines(
                    recipient: ivan, relay: "postern", containing: "status=", count: copies)
                for log in outcomes {
                    #expect(log.contains("status=sent"), "\(log)")
                    #expect(log.contains("dsn=2.0.0"), "\(log)")
                }
                let agents = FilterSetup.processes(naming: home).filter { $0.commandLine.contains("gpg-agent") }
                #expect(agents.count == 1, "one agent for the home: \(agents)")
                #expect(agents.allSatisfy { $0.uid == 65534 }, "the agent must run as nobody: \(agents)")

                let delivered = try await setup.waitForDeliveries(to: ivan, count: copies)
                for message in delivered {
                    let headers = Maildir.split(message).headers.lowercased()
                    #expect(
                        headers.contains("multipart/encrypted")
                            && headers.contains("protocol=\"application/pgp-encrypted\""),
                        "not delivered as PGP/MIME:\n\(headers)")
                    #expect(!message.contains(setup.bodyLine), "the body is visible in what was delivered")
                    #expect(!message.contains("Subject: filter \(setup.marker)"), "the real Subject is visible outside")

                    let opened = try await FilterSetup.gpgDecrypt(message, in: keyring)
                    #expect(opened.plaintext.contains(setup.bodyLine))
                    #expect(
                        opened.plaintext.contains("Subject: filter \(setup.marker)"),
                        "RFC 9788: the real Subject inside")
                    let alice = try keyring.fingerprint("alice")
                    #expect(opened.status.contains("[GNUPG:] GOODSIG"), "no good signature:\n\(opened.status)")
                    #expect(
                        opened.status.contains("[GNUPG:] VALIDSIG \(alice)"), "not signed by alice:\n\(opened.status)")
                }
                try setup.expectNoPasswordAnywhere(recipients: [ivan])
            }
        }
    }

    @Test(
        "j: an OpenPGP home the filter user cannot use (root's, mode 0700) defers 4.3.5 naming it, never bounces; given to nobody and flushed, the message goes out sealed"
    )
    func unusableGnuPGHomeDefers() async throws {
        let setup = try await FilterSetup(keysFor: [])
        defer { setup.remove() }
        let kim = setup.address("kim")
        let keys = [
            GnuPGTestKey(name: "alice", email: FilterSetup.signerAddress), GnuPGTestKey(name: "kim", email: kim),
        ]
        try await GnuPGTestKeyring.withKeyring(keys) { keyring in
            try await setup.withNobodyGnuPGHome(from: keyring, secretKeysOf: ["alice"]) { home in
                try FilterSetup.give(URL(fileURLWithPath: home), to: "root", group: "root")
                let policy = try setup.writePolicy(
                    "postern-policy: 1\nname: filter-pgp\nmessage:\n  sign: required\n  encrypt: required\n  formats: [openpgp]\n"
                )
                try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy, gnupgHome: home)

                try await setup.handToEdge(
                    sender: FilterSetup.signerAddress, recipients: [kim],
                    message: setup.message(from: FilterSetup.signerAddress, to: kim))

                let log = try await setup.waitForLogLine(recipient: kim, relay: "postern", containing: "status=")
                #expect(log.contains("dsn=4.3.5"), "\(log)")
                #expect(log.contains("status=deferred"), "\(log)")
                #expect(log.contains("\(home) cannot be used by uid 65534"), "the deferral names the home: \(log)")
                #expect(!log.contains("bounced"))
                await #expect(try setup.postqueue(["-p"]).contains(kim))
                #expect(Maildir.messages(in: setup.server, recipient: kim).isEmpty)

                try FilterSetup.giveToNobody(URL(fileURLWithPath: home))
                _ = try await setup.postqueue(["-f"])
                let delivered = try await setup.waitForDelivery(to: kim)
                #expect(Maildir.split(delivered).headers.lowercased().contains("application/pgp-encrypted"))
                let opened = try await FilterSetup.gpgDecrypt(delivered, in: keyring)
                #expect(opened.plaintext.contains(setup.bodyLine))
                #expect(opened.status.contains("[GNUPG:] GOODSIG"))
                try setup.expectNoPasswordAnywhere(recipients: [kim])
            }
        }
    }

    @Test(
        "i: OpenPGP encrypt-required and a recipient without an OpenPGP key: bounced 5.7.1 recipient-key-missing, nothing delivered"
    )
    func openPGPMissingKeyBounces() async throws {
        let setup = try await FilterSetup(keysFor: [])
        defer { setup.remove() }
        let judy = setup.address("judy"), sender = setup.address("sender")
        try await GnuPGTestKeyring.withKeyring([GnuPGTestKey(name: "alice", email: FilterSetup.signerAddress)]) {
            keyring in
            try await setup.withNobodyGnuPGHome(from: keyring, secretKeysOf: ["alice"]) { home in
                let policy = try setup.writePolicy(
                    "postern-policy: 1\nname: filter-pgp\nmessage:\n  encrypt: required\n  formats: [openpgp]\n")
                try setup.writeConfiguration(connectPort: setup.server.implicitPort, policy: policy, gnupgHome: home)

                try await setup.handToEdge(
                    sender: sender, recipients: [judy], message: setup.message(from: sender, to: judy))

                try await setup.expectBounced(judy, code: "5.7.1", naming: "recipient-key-missing", dsnTo: sender)
            }
        }
    }
}

extension FilterSetup {
    /// Builds `WORK/gnupg`, the filter's OpenPGP home: every public key of `keyring`, the secret keys of
    /// `secretKeysOf`, every key fully valid (ownertrust ultimate, as an administrator would certify them), then
    /// owned by `nobody`, mode 0700/0600. The imports run as root; the agent they start is stopped before the
    /// hand-over, so the filter's first run starts its own agent as `nobody`.
    func installNobodyGnuPGHome(from keyring: GnuPGTestKeyring, secretKeysOf names: [String]) async throws -> String {
        let home = work.appendingPathComponent("gnupg").path
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let scratch = work.appendingPathComponent("gnupg-import")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let publicKeys = try await keyring.gpgOK(["--armor", "--export"]).stdout
        var trust = ""
        for name in keyring.fingerprints.keys.sorted() { trust += "\(try keyring.fingerprint(name)):6:\n" }
        var imports: [(file: String, data: Data)] = [("public.asc", publicKeys)]
        for name in names {
            let secret = try await keyring.gpgOK(["--armor", "--export-secret-keys", try keyring.fingerprint(name)])
            imports.append(("secret-\(name).asc", secret.stdout))
        }
        imports.append(("trust.txt", Data(trust.utf8)))
        for (file, data) in imports {
            let path = scratch.appendingPathComponent(file).path
            try data.write(to: URL(fileURLWithPath: path))
            let command = file == "trust.txt" ? ["--import-ownertrust", path] : ["--import", path]
            try await Self.gpgAsRoot(home: home, command)
        }
        try await Self.gpgAsRoot(home: home, ["--check-trustdb"])
        try await Self.gpgconfKill(home: home)
        try Self.giveToNobody(URL(fileURLWithPath: home))
        return home
    }

    /// Runs gpg as root on `home` in batch mode; fails with gpg's own words unless it exits 0.
    static func gpgAsRoot(home: String, _ arguments: [String]) async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("postern-gpg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let status = try await Spawn.run(
            "/usr/bin/gpg", ["--homedir", home, "--batch", "--no-tty", "--pinentry-mode", "loopback"] + arguments,
            environment: ["PATH": "/usr/bin:/bin"], stdout: output.path, stderr: output.path)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        try #require(status == 0, "gpg \(arguments.first ?? "") on \(home) failed: \(text)")
    }

    /// `gpgconf --kill all` for `home` (as root: root may reach the socket of an agent that runs as nobody).
    static func gpgconfKill(home: String) async throws {
        let status = try await Spawn.run(
            "/usr/bin/gpgconf", ["--homedir", home, "--kill", "all"], environment: ["PATH": "/usr/bin:/bin"],
            stdout: "/dev/null", stderr: "/dev/null")
        try #require(status == 0, "gpgconf --kill all on \(home) exited \(status)")
    }

    /// Runs `body` on the filter's OpenPGP home (see ``installNobodyGnuPGHome(from:secretKeysOf:)``), then stops
    /// the agent the filter started there as `nobody`, also when `body` throws, and checks that none is left.
    func withNobodyGnuPGHome(
        from keyring: GnuPGTestKeyring, secretKeysOf names: [String], _ body: (String) async throws -> Void
    ) async throws {
        let home = try await installNobodyGnuPGHome(from: keyring, secretKeysOf: names)
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await body(home)) } catch { outcome = .failure(error) }
        try await Self.gpgconfKill(home: home)
        try await Self.expectNoAgent(home: home)
        try outcome.get()
    }

    /// No process whose command line names `home` is left (bounded poll: the agent exits shortly after KILLAGENT).
    static func expectNoAgent(home: String) async throws {
        let deadline = Date().addingTimeInterval(5)
        while true {
            let left = processes(naming: home)
            if left.isEmpty { return }
            if Date() > deadline {
                Issue.record("processes still use \(home): \(left)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A live process: its id, real user id and command line (NULs as spaces).
    struct LiveProcess: CustomStringConvertible {
        var pid: Int
        var uid: Int
        var commandLine: String
        var description: String { "\(pid) uid \(uid): \(commandLine)" }
    }

    /// Live processes (not zombies) whose command line contains `text`.
    static func processes(naming text: String) -> [LiveProcess] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> LiveProcess? in
            guard let pid = Int(entry),
                let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            else { return nil }
            let fields = status.split(separator: "\n")
            let state = fields.first { $0.hasPrefix("State:") } ?? ""
            let uidLine = fields.first { $0.hasPrefix("Uid:") } ?? ""
            guard !state.contains("Z"), let uid = uidLine.split(whereSeparator: \.isWhitespace).dropFirst().first
            else { return nil }
            let commandLine = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            guard commandLine.contains(text), let uidNumber = Int(uid) else { return nil }
            return LiveProcess(pid: pid, uid: uidNumber, commandLine: commandLine)
        }
    }

    /// chown -R `user`:`group`, directories 0700 and files 0600, like ``giveToNobody(_:)``.
    static func give(_ url: URL, to user: String, group: String) throws {
        var paths = [url.path]
        if let enumerator = FileManager.default.enumerator(atPath: url.path) {
            for case let name as String in enumerator { paths.append(url.appendingPathComponent(name).path) }
        }
        for path in paths {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            try FileManager.default.setAttributes(
                [
                    .ownerAccountName: user, .groupOwnerAccountName: group,
                    .posixPermissions: isDirectory.boolValue ? 0o700 : 0o600,
                ],
                ofItemAtPath: path)
        }
    }

    /// The first `count` Postfix log lines about `recipient` on `relay` that contain `text` (bounded poll: ≤ 20 s).
    func waitForLogLines(recipient: String, relay: String, containing text: String, count: Int) async throws
        -> [String]
    {
        let deadline = Date().addingTimeInterval(20)
        while true {
            let found = logLines().filter {
                $0.contains("to=<\(recipient)>") && $0.contains("relay=\(relay),") && $0.contains(text)
            }
            if found.count >= count { return Array(found.prefix(count)) }
            if Date() > deadline {
                throw MailServerError(
                    "\(found.count) of \(count) log lines for \(recipient) via \(relay) with '\(text)' within 20 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The first `count` delivered files for `recipient` (bounded poll: ≤ 20 s).
    func waitForDeliveries(to recipient: String, count: Int) async throws -> [String] {
        let deadline = Date().addingTimeInterval(20)
        while true {
            let messages = Maildir.messages(in: server, recipient: recipient)
            if messages.count >= count { return Array(messages.prefix(count)) }
            if Date() > deadline {
                throw MailServerError("\(messages.count) of \(count) messages delivered to \(recipient) within 20 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// `gpg --decrypt` of the armored PGP/MIME payload with the keyring's secret keys: the plaintext and gpg's
    /// status lines (GOODSIG, VALIDSIG…).
    static func gpgDecrypt(_ delivered: String, in keyring: GnuPGTestKeyring) async throws -> (
        plaintext: String, status: String
    ) {
        let begin = try #require(delivered.range(of: "-----BEGIN PGP MESSAGE-----"), "no armored PGP message")
        let end = try #require(
            delivered.range(of: "-----END PGP MESSAGE-----", range: begin.upperBound..<delivered.endIndex),
            "the armored PGP message has no end")
        let armored = String(delivered[begin.lowerBound..<end.upperBound]) + "\n"
        let outputPath = try keyring.file("plain-\(UUID().uuidString.prefix(6)).out", Data())
        try FileManager.default.removeItem(atPath: outputPath)
        let result = try await keyring.gpgOK(
            ["--status-fd", "1", "--output", outputPath, "--decrypt"], stdin: Data(armored.utf8))
        let plaintext = try String(contentsOfFile: outputPath, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: outputPath)
        return (plaintext, result.stdoutText)
    }
}
