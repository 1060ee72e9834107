import Foundation
import Logging
import Postern
import PosternPolicy
import PosternTransport

/// Where the demo finds its material: the key set made by `keys/generate` and the shipped policies.
public struct DemoConfiguration: Sendable {
    /// The `keys/demo` directory (`ca.pem`, `server.pem`, `server.key`, `smime/…`).
    public var keysDirectory: String
    /// The `policies` directory; the demo reads the files in ``policyFiles`` from it.
    public var policiesDirectory: String
    /// The demo server's one account; its password is random per run unless the caller chose one.
    public var account: DemoAccount

    /// Creates a configuration; the defaults are the repository's folders relative to the working directory.
    public init(
        keysDirectory: String = "keys/demo", policiesDirectory: String = "policies",
        account: DemoAccount = DemoAccount()
    ) {
        self.keysDirectory = keysDirectory
        self.policiesDirectory = policiesDirectory
        self.account = account
    }

    /// The files the demo needs from ``keysDirectory``.
    public static let requiredKeyFiles = [
        "ca.pem", "server.pem", "server.key", "smime/alice.pem", "smime/alice.key", "smime/certs/bob.pem",
    ]

    /// The policy files the demo loads from ``policiesDirectory``: the layers of steps a (baseline +
    /// team-confidential), b (pinned-starttls), c (encrypt-external) and d (legacy-relay).
    public static let policyFiles = [
        "baseline.yaml", "team-confidential.yaml", "pinned-starttls.yaml", "encrypt-external.yaml",
        "legacy-relay.yaml",
    ]

    /// The required key files that are missing (empty when the set is usable).
    public var missingKeyFiles: [String] {
        Self.requiredKeyFiles.filter { !FileManager.default.isReadableFile(atPath: "\(keysDirectory)/\($0)") }
    }

    func key(_ name: String) -> String { "\(keysDirectory)/\(name)" }
    func policy(_ name: String) -> String { "\(policiesDirectory)/\(name)" }
}

/// Runs `postern demo`: starts ``DemoMailServer`` and makes four sends through the facade
/// (``sealAndSubmit(_:submitter:logger:)`` or ``MailSubmitter/send(_:logger:)``, as `postern send` does),
/// each judged against what it should do. Every layer is a file in `policies/`, so every decision
/// cites a real `policies/FILE:LINE`.
public enum DemoRunner {
    /// A phrase from the body of step a, which must never be readable at the server.
    static let secretPhrase = "the launch date is the 3rd of March"

    /// Runs the four steps against a fresh demo server and shuts it down.
    /// - Throws: ``DemoError`` when keys or policies are missing (``DemoError/Code/missingInput``) or
    ///   invalid (``DemoError/Code/invalidPolicy``), or the server cannot start.
    public static func run(_ configuration: DemoConfiguration = DemoConfiguration(), logger: Logger)
        async throws(DemoError)
        -> DemoResult
    {
        let missing = configuration.missingKeyFiles
        guard missing.isEmpty else {
            throw DemoError(
                "missing demo keys in \(configuration.keysDirectory): \(missing.joined(separator: ", ")) "
                    + "(run keys/generate)", code: .missingInput)
        }
        let baseline = try load(configuration.policy("baseline.yaml"))
        let confidential = try load(configuration.policy("team-confidential.yaml"))
        let pinned = try load(configuration.policy("pinned-starttls.yaml"))
        let external = try load(configuration.policy("encrypt-external.yaml"))
        let legacyRelay = try load(configuration.policy("legacy-relay.yaml"))

        let server: DemoMailServer
        do {
            server = try await DemoMailServer.start(
                certificateChainFile: configuration.key("server.pem"), privateKeyFile: configuration.key("server.key"),
                account: configuration.account)
        } catch {
            throw DemoError("the demo server could not start: \(error)")
        }
        let context = StepContext(configuration: configuration, server: server, logger: logger)
        var steps: [DemoStep] = []
        steps.append(await context.compliant(policy: CompiledPolicy(layers: [baseline, confidential])))
        steps.append(await context.starttlsWithoutPin(policy: CompiledPolicy(layers: [pinned])))
        steps.append(await context.recipientWithoutKey(policy: CompiledPolicy(layers: [external])))
        steps.append(await context.plaintextAuth(policy: CompiledPolicy(layers: [legacyRelay])))
        await server.shutdown()
        return DemoResult(steps: steps)
    }

    private static func load(_ path: String) throws(DemoError) -> PolicyDocument {
        // Missing and invalid are different failures for the caller (exit 66 and 78).
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw DemoError(
                "missing policy file \(path) (the demo reads policies/ of the repository)", code: .missingInput)
        }
        do {
            return try PolicyLoader.load(contentsOf: path)
        } catch {
            throw DemoError("invalid policy file \(path):\n\(error)", code: .invalidPolicy)
        }
    }
}

/// The pieces every step shares.
struct StepContext {
    let configuration: DemoConfiguration
    let server: DemoMailServer
    let logger: Logger

    static let alice = "alice@example.test"
    static let bob = "bob@example.test"

    func message(from: String, to: String, subject: String, body: String) -> [UInt8] {
        let text = [
            "From: \(from)", "To: \(to)", "Subject: \(subject)", "Date: Sun, 29 Nov 2026 12:00:00 +0000",
            "Message-ID: <demo-\(UUID().uuidString.lowercased())@example.test>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", "", body, "",
        ].joined(separator: "\r\n")
        return Array(text.utf8)
    }

    var smimeKeys: SealKeyMaterial {
        SealKeyMaterial(
            smimeCertificateFile: configuration.key("smime/alice.pem"),
            smimeKeyFile: configuration.key("smime/alice.key"),
            smimeCertificateDirectory: configuration.key("smime/certs"), caFile: configuration.key("ca.pem"))
    }

    /// `--server localhost:PORT --connect 127.0.0.1:PORT --ca-file keys/demo/ca.pem`.
    func connection(port: Int, security: SecurityMode) -> ConnectionSettings {
        ConnectionSettings(
            server: ServerEndpoint(host: "localhost", port: port),
            connect: ServerEndpoint(host: "127.0.0.1", port: port),
            security: security, timeout: 15, caFile: configuration.key("ca.pem"))
    }

    /// Runs `body` and returns its report with what the server saw meanwhile.
    func observe(_ body: () async -> Report) async -> (Report, DemoServerObservation) {
        let before = server.observation
        let report = await body()
        return (report, server.observation.since(before))
    }

    // MARK: - a. compliant

    func compliant(policy: CompiledPolicy) async -> DemoStep {
        let title =
            "signed + encrypted S/MIME, alice -> bob, implicit TLS, under baseline.yaml + team-confidential.yaml"
        let port = server.implicitTLSPort
        let (report, seen) = await observe {
            let content = message(
                from: "Alice <\(Self.alice)>", to: "Bob <\(Self.bob)>", subject: "Quarterly figures (demo)",
                body: "Bob, \(DemoRunner.secretPhrase).")
            return await sealAndSubmit(
                SealAndSubmitRequest(
                    connection: connection(port: port, security: .implicitTLS),
                    credentials: server.account.credentials, policy: policy,
                    messages: [
                        SealableMessage(
                            original: content,
                            unprotected: SubmissionMessage(
                                content: .bytes(content), sender: Self.alice, recipients: [Self.bob]))
                    ],
                    sign: .smime, encrypt: .smime, keys: smimeKeys),
                logger: logger)
        }
        var discrepancy = DemoStep.judge(expected: .allow, codes: [], report: report, server: seen)
        var excerpt: [String] = []
        if let arrived = seen.messages.first {
            excerpt = Self.excerpt(arrived.data)
            let text = String(decoding: arrived.data, as: UTF8.self)
            if discrepancy == nil {
                if text.contains(DemoRunner.secretPhrase) {
                    discrepancy = "the body arrived readable"
                } else if !text.lowercased().contains("application/pkcs7-mime") {
                    discrepancy = "the message did not arrive as application/pkcs7-mime"
                } else if !text.contains("Subject: [...]") {
                    discrepancy = "the outer Subject is not [...]"
                }
            }
        }
        return DemoStep(
            id: "a", title: title, expectedDecision: .allow, expectedCodes: [], report: report, server: seen,
            arrivedExcerpt: excerpt, discrepancy: discrepancy)
    }

    /// The outer headers and the first lines of the body, as they arrived.
    static func excerpt(_ data: [UInt8], bodyLines: Int = 3) -> [String] {
        let lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n")
        guard let blank = lines.firstIndex(of: "") else { return Array(lines.prefix(12)) }
        let body = lines[(blank + 1)...].filter { !$0.isEmpty }
        return Array(lines[..<blank]) + [""] + Array(body.prefix(bodyLines)) + ["… (\(data.count) octets in all)"]
    }

    // MARK: - b. STARTTLS without a pin

    func starttlsWithoutPin(policy: CompiledPolicy) async -> DemoStep {
        let (report, seen) = await observe {
            let request = SubmissionRequest(
                connection: connection(port: server.startTLSPort, security: .starttls),
                credentials: server.account.credentials, policy: policy,
                messages: [
                    SubmissionMessage(
                        content: .bytes(
                            message(from: Self.alice, to: Self.bob, subject: "over STARTTLS", body: "Hello Bob.")),
                        sender: Self.alice, recipients: [Self.bob])
                ])
            return await MailSubmitter().send(request, logger: logger)
        }
        let codes = ["pin-required"]
        return DemoStep(
            id: "b", title: "STARTTLS without a pin, under pinned-starttls.yaml", expectedDecision: .deny,
            expectedCodes: codes, report: report, server: seen, arrivedExcerpt: [],
            discrepancy: DemoStep.judge(expected: .deny, codes: codes, report: report, server: seen))
    }

    // MARK: - c. a recipient without a key

    func recipientWithoutKey(policy: CompiledPolicy) async -> DemoStep {
        let sender = "alice@example.org"
        let recipient = "carol@partner.example"
        let port = server.implicitTLSPort
        let (report, seen) = await observe {
            let content = message(from: sender, to: recipient, subject: "Offer", body: "Carol, the offer.")
            // The same call `postern send` makes: a denied seal opens no connection.
            return await sealAndSubmit(
                SealAndSubmitRequest(
                    connection: connection(port: port, security: .implicitTLS),
                    credentials: server.account.credentials, policy: policy,
                    messages: [
                        SealableMessage(
                            original: content,
                            unprotected: SubmissionMessage(
                                content: .bytes(content), sender: sender, recipients: [recipient]))
                    ],
                    encrypt: .smime, keys: smimeKeys),
                logger: logger)
        }
        let codes = ["recipient-key-missing"]
        var discrepancy = DemoStep.judge(expected: .deny, codes: codes, report: report, server: seen)
        if discrepancy == nil, seen.connections > 0 {
            discrepancy = "the client connected to the server (\(seen.connections) connection(s))"
        }
        return DemoStep(
            id: "c", title: "carol@partner.example has no key, under encrypt-external.yaml", expectedDecision: .deny,
            expectedCodes: codes, report: report, server: seen, arrivedExcerpt: [], discrepancy: discrepancy)
    }

    // MARK: - d. a password over plaintext

    func plaintextAuth(policy: CompiledPolicy) async -> DemoStep {
        let (report, seen) = await observe {
            let request = SubmissionRequest(
                connection: connection(port: server.startTLSPort, security: .plaintext),
                credentials: server.account.credentials, policy: policy,
                messages: [
                    SubmissionMessage(
                        content: .bytes(message(from: Self.alice, to: Self.bob, subject: "plain", body: "Hello.")),
                        sender: Self.alice, recipients: [Self.bob])
                ])
            return await MailSubmitter().send(request, logger: logger)
        }
        let codes = ["auth-over-plaintext", "plaintext-not-allowed"]
        return DemoStep(
            id: "d", title: "AUTH on a plaintext connection, under legacy-relay.yaml (lists plaintext)",
            expectedDecision: .deny,
            expectedCodes: codes, report: report, server: seen, arrivedExcerpt: [],
            discrepancy: DemoStep.judge(expected: .deny, codes: codes, report: report, server: seen))
    }
}
