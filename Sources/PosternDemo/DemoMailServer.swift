import NIOCore
import NIOPosix
import NIOSSL

/// An embedded submission server on 127.0.0.1 for `postern demo`: one implicit-TLS port and one STARTTLS
/// port, both ephemeral, with one demo account, keeping every received message in memory.
///
/// - Important: A demonstration aid, not a mail server: no queue, no delivery, no rate limits. It listens on
///   loopback only and forgets everything at ``shutdown()``.
public final class DemoMailServer: Sendable {
    /// The implicit-TLS (RFC 8314) port.
    public let implicitTLSPort: Int
    /// The STARTTLS (RFC 3207) port.
    public let startTLSPort: Int
    /// The account the server accepts.
    public let account: DemoAccount
    private let log: DemoServerLog
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]

    private init(
        implicitTLSPort: Int, startTLSPort: Int, account: DemoAccount, log: DemoServerLog,
        group: MultiThreadedEventLoopGroup, channels: [any Channel]
    ) {
        self.implicitTLSPort = implicitTLSPort
        self.startTLSPort = startTLSPort
        self.account = account
        self.log = log
        self.group = group
        self.channels = channels
    }

    /// What the server has seen so far.
    public var observation: DemoServerObservation { log.snapshot }

    /// Starts the server with the certificate chain and key (PEM files, e.g. `keys/demo/server.pem` and
    /// `server.key`) and the one `account` it accepts (default: a random password). Always pair with ``shutdown()``.
    /// - Throws: NIOSSL errors for unreadable keys, NIO errors when a port cannot be bound.
    public static func start(
        certificateChainFile: String, privateKeyFile: String, account: DemoAccount = DemoAccount()
    ) async throws -> DemoMailServer {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile)
        let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        let sslContext = try NIOSSLContext(configuration: configuration)
        let log = DemoServerLog()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var channels: [any Channel] = []
        do {
            for implicit in [true, false] {
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            let pipeline = channel.pipeline.syncOperations
                            if implicit {
                                try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                            }
                            try pipeline.addHandler(
                                DemoSMTPSession(log: log, account: account, sslContext: sslContext, tlsActive: implicit)
                            )
                        }
                    }
                    .bind(host: "127.0.0.1", port: 0)
                    .get()
                channels.append(channel)
            }
            guard let implicitPort = channels[0].localAddress?.port, let startTLSPort = channels[1].localAddress?.port
            else {
                throw DemoError("the demo server's sockets have no port")
            }
            return DemoMailServer(
                implicitTLSPort: implicitPort, startTLSPort: startTLSPort, account: account, log: log, group: group,
                channels: channels)
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening, closes every connection and the event loop group.
    public func shutdown() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// The demo could not run (missing keys, a broken policy, a server that would not start).
public struct DemoError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; `postern demo` maps it to an exit status.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// A key file or policy file the demo needs is missing or unreadable (`EX_NOINPUT`, 66).
        public static let missingInput = Code(rawValue: "missing-input")
        /// A policy file the demo needs is invalid (`EX_CONFIG`, 78).
        public static let invalidPolicy = Code(rawValue: "invalid-policy")
        /// A setting is unusable, e.g. an unset password variable (`EX_CONFIG`, 78).
        public static let invalidConfiguration = Code(rawValue: "invalid-configuration")
        /// Anything else: the key generator failed, the server could not start (`EX_SOFTWARE`, 70).
        public static let failed = Code(rawValue: "failed")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String, code: Code = .failed) {
        self.message = message
        self.code = code
    }
    /// The message.
    public var description: String { message }
}
