import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A hostile-on-demand SMTP server on 127.0.0.1 (ephemeral port) with real TLS from ``TestPKI``, driven by an
/// ``SMTPServerScript``, recording everything it receives (``SMTPServerRecording``).
///
/// Use ``withScriptedSMTPServer(_:_:)`` so the server and its event loop group are always shut down.
public final class ScriptedSMTPServer: Sendable {
    /// Always the IPv4 loopback address.
    public let host = "127.0.0.1"
    /// The ephemeral port it listens on.
    public let port: Int
    /// The behaviour it was started with.
    public let script: SMTPServerScript

    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let store: RecordingStore
    private let children: NIOLockedValueBox<[any Channel]>

    private init(
        port: Int, script: SMTPServerScript, group: MultiThreadedEventLoopGroup, serverChannel: any Channel,
        store: RecordingStore, children: NIOLockedValueBox<[any Channel]>
    ) {
        self.port = port
        self.script = script
        self.group = group
        self.serverChannel = serverChannel
        self.store = store
        self.children = children
    }

    /// What the server has received so far (a snapshot).
    public var recording: SMTPServerRecording { store.snapshot }

    /// Starts a server. Always pair with ``shutdown()``.
    /// - Throws: ``ScriptedSMTPServerError`` when a TLS mode has no identity; NIO/NIOSSL errors on bind or bad keys.
    public static func start(_ script: SMTPServerScript) async throws -> ScriptedSMTPServer {
        let store = RecordingStore()
        let sslContext = try makeSSLContext(for: script, store: store)
        let children = NIOLockedValueBox<[any Channel]>([])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    children.withLockedValue { $0.append(channel) }
                    return channel.eventLoop.makeCompletedFuture {
                        let closer = RawCloser()
                        let pipeline = channel.pipeline.syncOperations
                        try pipeline.addHandler(closer)
                        if script.security == .implicitTLS, let sslContext {
                            try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try pipeline.addHandler(
                            ScriptedSMTPSession(script: script, store: store, sslContext: sslContext, rawCloser: closer)
                        )
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            guard let port = channel.localAddress?.port else {
                try? await channel.close()
                throw ScriptedSMTPServerError(message: "the listening socket has no port")
            }
            return ScriptedSMTPServer(
                port: port, script: script, group: group, serverChannel: channel, store: store, children: children)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening, drops every connection (abruptly: no close_notify, so a stalled peer cannot delay it) and
    /// shuts the event loop group down.
    public func shutdown() async throws {
        try? await serverChannel.close()
        for child in children.withLockedValue({ $0 }) {
            try? await child.eventLoop.submit {
                try? child.pipeline.syncOperations.handler(type: RawCloser.self).closeAbruptly()
            }.get()
        }
        try await group.shutdownGracefully()
    }

    private static func makeSSLContext(for script: SMTPServerScript, store: RecordingStore) throws -> NIOSSLContext? {
        guard script.security != .plaintext else { return nil }
        guard let identity = script.identity else {
            throw ScriptedSMTPServerError(message: "a TLS server needs an identity")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try identity.nioCertificateChain().map { .certificate($0) },
            privateKey: .privateKey(try identity.nioPrivateKey())
        )
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = script.maximumTLSVersion
        // Keep a peer that never answers close_notify from holding a connection (and the test) open.
        configuration.shutdownTimeout = .milliseconds(200)
        // Record the SNI of every ClientHello (nil when the client sent none), changing nothing.
        configuration.sslContextCallback = { values, promise in
            store.update { $0.serverNameIndications.append(values.serverHostname) }
            promise.succeed(.noChanges)
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// The scripted server could not be started.
public struct ScriptedSMTPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Starts a ``ScriptedSMTPServer``, runs `body`, and shuts the server down whatever happens.
public func withScriptedSMTPServer<T>(
    _ script: SMTPServerScript,
    _ body: (ScriptedSMTPServer) async throws -> T
) async throws -> T {
    let server = try await ScriptedSMTPServer.start(script)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}
