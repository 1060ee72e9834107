import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// What a ``TLSProbe`` learnt about a server's TLS.
public struct TLSProbeResult: Sendable {
    /// The negotiated version, or `nil` when the handshake failed.
    public var tlsVersion: TLSVersion?
    /// The assessment of the peer's chain, recorded even when it made the handshake fail (so `postern pin --server`
    /// can print pins of a server it does not trust). `nil` when the handshake failed before verification.
    public var certificate: CertificateAssessment?
    /// Every finding: certificate findings, `tls-version-too-low`, `tls-handshake-failed`. Empty means acceptable.
    public var findings: [TLSFinding]

    /// True when there is no finding.
    public var isAcceptable: Bool { findings.isEmpty }
    /// The codes of the findings, in order.
    public var codes: [TLSFindingCode] { findings.map(\.code) }
}

/// Why a probe could not get as far as a TLS verdict.
public struct TLSProbeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The code's name.
        public var rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The TCP connection could not be opened.
        public static let connectFailed = Code(rawValue: "connect-failed")
        /// The server did not complete the handshake in time.
        public static let timedOut = Code(rawValue: "timed-out")
    }

    /// What went wrong, as a code.
    public var code: Code
    /// What went wrong, for a human.
    public var message: String
    /// The message.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// A one-shot implicit-TLS connection: connect, handshake under a ``PosternTLSClientConfiguration``, record what was
/// learnt, close with close_notify. Sends no application data. Used by tests and by `postern pin --server`.
public enum TLSProbe {
    /// Connects to `host:port` (the `--connect` address), handshakes as a client of `serverName` (the `--server`
    /// name used for SNI and verification), and returns the version, the certificate assessment and all findings.
    ///
    /// - Parameters:
    ///   - group: The event loop group; the shared singleton by default.
    ///   - timeout: Bound on connect plus handshake.
    /// - Throws: ``TLSProbeError`` when the TCP connection fails or the handshake does not finish within `timeout`.
    ///   A handshake that fails is not an error: it yields findings.
    public static func connect(
        host: String,
        port: Int,
        serverName: String,
        config: PosternTLSClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> TLSProbeResult {
        let recorder = TLSVerificationRecorder()
        let eventLoop = group.next()
        let handshakeDone = eventLoop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try config.makeHandler(serverName: serverName, recorder: recorder)
                        try channel.pipeline.syncOperations.addHandler(tls)
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: handshakeDone))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            handshakeDone.fail(error)
            throw TLSProbeError(code: .connectFailed, message: "cannot connect to \(host):\(port): \(error)")
        }
        let timer = eventLoop.scheduleTask(in: timeout) {
            handshakeDone.fail(TLSProbeError(code: .timedOut, message: "no TLS handshake within \(timeout)"))
        }
        defer { timer.cancel() }

        do {
            try await handshakeDone.futureResult.get()
        } catch let error as TLSProbeError {
            try? await channel.close()
            throw error
        } catch {
            try? await channel.close()
            return TLSProbeResult(
                tlsVersion: nil,
                certificate: recorder.assessment,
                findings: config.handshakeFailureFindings(error: error, recorder: recorder)
            )
        }
        let version = try? await channel.nioSSL_tlsVersion().get()
        try? await channel.close()
        var findings = recorder.assessment?.findings ?? []
        if recorder.assessment == nil {
            // A completed handshake without our callback having run would mean NIOSSL skipped verification.
            findings.append(TLSFinding(code: .certificateUntrusted, message: "the certificate was not verified"))
        }
        if let versionFinding = config.versionFinding(negotiated: version) {
            findings.append(versionFinding)
        }
        return TLSProbeResult(tlsVersion: version, certificate: recorder.assessment, findings: findings)
    }
}

/// Completes a promise when the TLS handshake completes, fails it on the first error or an early close.
final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            promise.succeed(())
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(NIOSSLError.uncleanShutdown)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A probe sends nothing and wants nothing; drop application data (an SMTP greeting) unread.
    }
}
