import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PosternTLS
import PosternTestSupport
import Testing

/// Real TLS handshakes: `TLSProbe` against the scripted server in implicit-TLS mode on 127.0.0.1.
@Suite("TLS handshakes against the scripted server")
struct TLSHandshakeTests {
    static func config(
        _ pki: TestPKI, minimumTLS: String = "1.2", mode: CertificateMode = .verify, pins: [[SPKIPin]] = []
    ) throws -> PosternTLSClientConfiguration {
        let policy = try TLSClientPolicy(
            minimumTLS: minimumTLS, certificateMode: mode, pinSets: pins,
            trustAnchors: try TrustAnchors.load(extraCAFile: pki.caFilePath))
        return try PosternTLSClientConfiguration(policy: policy)
    }

    static func probe(
        _ identity: TestIdentity, config: PosternTLSClientConfiguration, serverName: String = "localhost",
        maximumTLSVersion: TLSVersion? = nil
    ) async throws -> (TLSProbeResult, SMTPServerRecording) {
        var script = SMTPServerScript(security: .implicitTLS, identity: identity)
        script.maximumTLSVersion = maximumTLSVersion
        return try await withScriptedSMTPServer(script) { server in
            let result = try await TLSProbe.connect(
                host: server.host, port: server.port, serverName: serverName, config: config)
            return (result, server.recording)
        }
    }

    @Test("a valid certificate with the test CA as --ca-file verifies; the leaf pin equals openssl's")
    func valid() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let (result, recording) = try await Self.probe(pki.valid, config: try Self.config(pki))
            #expect(result.findings == [])
            #expect(result.tlsVersion == .tlsv13)
            let facts = try #require(result.certificate?.facts)
            #expect(facts.verified)
            await #expect(
                facts.leafPin.description == (try OpenSSLReferencePin.ofCertificate(at: pki.valid.certificatePath)))
            #expect(facts.presentedChainPins == (try pki.valid.chainPins))
            #expect(recording.tlsHandshakesCompleted == 1)
            #expect(recording.plaintextBytes.isEmpty)
        }
    }

    @Test("each bad certificate fails the handshake with its own code")
    func badCertificates() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let config = try Self.config(pki)
            let table: [(TestIdentity, TLSFindingCode)] = [
                (pki.expired, .certificateExpired),
                (pki.notYetValid, .certificateExpired),
                (pki.wrongName, .hostnameMismatch),
                (pki.clientAuthOnly, .certificateUntrusted),
                (pki.selfSigned, .certificateUntrusted),
                (pki.unknownCA, .certificateUntrusted),
            ]
            for (identity, code) in table {
                let (result, recording) = try await Self.probe(identity, config: config)
                #expect(result.codes == [code], "\(identity.name): \(result.findings)")
                #expect(result.tlsVersion == nil, "\(identity.name): the handshake must fail")
                #expect(result.certificate?.facts?.leafPin == (try identity.pin))
                #expect(recording.tlsHandshakesCompleted == 0 || recording.tlsBytes.isEmpty, "\(identity.name)")
            }
        }
    }

    @Test("pin-only: the right pin on a self-signed certificate is accepted, a wrong one is pin-mismatch")
    func pinOnly() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let right = try Self.config(pki, mode: .pinOnly, pins: [[try pki.selfSigned.pin]])
            let (ok, _) = try await Self.probe(pki.selfSigned, config: right, serverName: "whatever.example")
            #expect(ok.findings == [])
            #expect(ok.tlsVersion == .tlsv13)
            #expect(ok.certificate?.facts?.verified == false)

            let wrong = try Self.config(pki, mode: .pinOnly, pins: [[try pki.valid.pin]])
            let (refused, _) = try await Self.probe(pki.selfSigned, config: wrong)
            #expect(refused.codes == [.pinMismatch])
            #expect(refused.tlsVersion == nil)
        }
    }

    @Test("verify mode: a pin of the intermediate or the root is accepted; another key is pin-mismatch")
    func verifyModePins() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for pin in [try pki.intermediate.pin, try pki.root.pin] {
                let (result, _) = try await Self.probe(pki.valid, config: try Self.config(pki, pins: [[pin]]))
                #expect(result.findings == [])
            }
            let pinned = try Self.config(pki, pins: [[try pki.valid.pin]])
            let (result, _) = try await Self.probe(pki.otherKey, config: pinned)
            #expect(result.codes == [.pinMismatch])
        }
    }

    @Test("the host name checked is the given server name, even when connecting to 127.0.0.1")
    func serverNameNotAddress() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let config = try Self.config(pki)
            let (named, _) = try await Self.probe(pki.valid, config: config, serverName: "mail.test")
            #expect(named.findings == [])
            let (other, _) = try await Self.probe(pki.valid, config: config, serverName: "smtp.example.org")
            #expect(other.codes == [.hostnameMismatch])
            let (address, _) = try await Self.probe(pki.valid, config: config, serverName: "127.0.0.1")
            #expect(address.findings == [])
        }
    }

    @Test("min-tls 1.3 against a server capped at 1.2 is tls-version-too-low")
    func minimumTLS13() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let (capped, _) = try await Self.probe(
                pki.valid, config: try Self.config(pki, minimumTLS: "1.3"), maximumTLSVersion: .tlsv12)
            #expect(capped.codes == [.tlsVersionTooLow], "\(capped.findings)")
            #expect(capped.tlsVersion == nil)
            let (at12, _) = try await Self.probe(pki.valid, config: try Self.config(pki), maximumTLSVersion: .tlsv12)
            #expect(at12.findings == [])
            #expect(at12.tlsVersion == .tlsv12)
        }
    }

    @Test("the server can be capped at TLS 1.1 (BoringSSL still speaks it); min-tls 1.2 refuses it")
    func cappedAtTLS11() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            var script = SMTPServerScript(security: .implicitTLS, identity: pki.valid)
            script.maximumTLSVersion = .tlsv11
            try await withScriptedSMTPServer(script) { server in
                // A permissive client proves the cap is real: it negotiates exactly 1.1.
                var permissive = TLSConfiguration.makeClientConfiguration()
                permissive.minimumTLSVersion = .tlsv1
                permissive.certificateVerification = .none
                let version = try await LegacyTLSClient.negotiatedVersion(
                    host: server.host, port: server.port, configuration: permissive)
                #expect(version == .tlsv11)

                let result = try await TLSProbe.connect(
                    host: server.host, port: server.port, serverName: "localhost", config: try Self.config(pki))
                #expect(result.codes == [.tlsVersionTooLow], "\(result.findings)")
            }
        }
    }

    @Test("invalid min-tls values are refused")
    func badMinimum() throws {
        for value in ["1.0", "1.1", "1.4", "", "TLSv1.2"] {
            #expect(throws: TLSClientPolicyError.self) {
                try TLSClientPolicy(
                    minimumTLS: value, certificateMode: .verify, trustAnchors: TrustAnchors(certificates: []))
            }
        }
    }

    @Test("the client offers only ECDHE+AEAD suites for TLS 1.2")
    func cipherSuites() throws {
        let configuration = PosternTLSClientConfiguration.makeTLSConfiguration(minimumVersion: .tlsv12)
        let offered = Set(configuration.cipherSuiteValues)
        #expect(!offered.isEmpty)
        #expect(offered.isSubset(of: Set(PosternTLSClientConfiguration.tls12CipherSuites)))
        #expect(
            PosternTLSClientConfiguration.possibleCipherSuiteNames(for: .tlsv12).allSatisfy {
                $0.hasPrefix("TLS_ECDHE_") && ($0.contains("GCM") || $0.contains("CHACHA20_POLY1305"))
            })
    }

    @Test("a closed port is a connect error, not a finding")
    func connectFailure() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            // Bind and close a server to get a port that is (almost certainly) closed.
            let server = try await ScriptedSMTPServer.start(SMTPServerScript(security: .plaintext))
            let port = server.port
            try await server.shutdown()
            await #expect(throws: TLSProbeError.self) {
                _ = try await TLSProbe.connect(
                    host: "127.0.0.1", port: port, serverName: "localhost", config: try Self.config(pki))
            }
        }
    }
}

/// A deliberately permissive NIOSSL client, used only to prove what the scripted server negotiates.
enum LegacyTLSClient {
    static func negotiatedVersion(host: String, port: Int, configuration: TLSConfiguration) async throws -> TLSVersion?
    {
        let context = try NIOSSLContext(configuration: configuration)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let greeting = loop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: nil))
                        try channel.pipeline.syncOperations.addHandler(GreetingWaiter(promise: greeting))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            greeting.fail(error)
            throw error
        }
        // The greeting only arrives after the handshake completed.
        try await greeting.futureResult.get()
        let version = try await channel.nioSSL_tlsVersion().get()
        try? await channel.close()
        return version
    }
}

/// Completes a promise when the first bytes (the SMTP greeting) arrive, fails it on error or close.
final class GreetingWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        promise.succeed(())
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
    }
}
