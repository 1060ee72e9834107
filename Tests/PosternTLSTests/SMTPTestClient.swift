import NIOCore
import NIOPosix
import PosternTLS

/// A minimal line-oriented SMTP client for testing the scripted server: raw writes, reply framing on bytes, and
/// an optional STARTTLS upgrade through `PosternTLSClientConfiguration`.
struct SMTPTestClient {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending: [UInt8] = []

    /// Connects (through implicit TLS when `tls` is given), runs `body`, closes.
    static func withConnection<T: Sendable>(
        port: Int,
        tls: (config: PosternTLSClientConfiguration, serverName: String, recorder: TLSVerificationRecorder)? = nil,
        _ body: (inout SMTPTestClient) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            tls.config.makeHandler(serverName: tls.serverName, recorder: tls.recorder))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var client = SMTPTestClient(channel: channel, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&client)
        }
    }

    init(
        channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends `text` in one write, as is.
    func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// The next chunk exactly as one read delivered it (nil at EOF). Only valid when nothing is pending.
    mutating func nextChunk() async throws -> [UInt8]? {
        guard pending.isEmpty else { throw SMTPTestClientMisuse() }
        guard var buffer = try await inbound.next() else { return nil }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// The next complete (possibly multi-line) reply, without the final CRLF; nil at EOF.
    mutating func reply() async throws -> String? {
        while true {
            if let end = Self.endOfReply(in: pending) {
                let text = String(decoding: pending[..<(end - 2)], as: UTF8.self)
                pending.removeFirst(end)
                return text
            }
            guard var buffer = try await inbound.next() else { return nil }
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
    }

    /// Shuts down our sending side (TCP FIN); the server sees EOF after everything sent before.
    func closeOutput() async throws {
        try await channel.channel.close(mode: .output)
    }

    /// Everything still arriving until the server closes (pending reply bytes included).
    mutating func bytesUntilEOF() async throws -> [UInt8] {
        var collected = pending
        pending = []
        while var buffer = try await inbound.next() {
            collected += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        return collected
    }

    /// How the connection ended: nil for a clean EOF, else the error the read ended with.
    mutating func endOfStream() async -> (any Error)? {
        do {
            while try await inbound.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    /// True when the server closed the connection (reads until EOF, ignoring data).
    mutating func readsEOF() async -> Bool {
        do {
            while try await inbound.next() != nil {}
            return true
        } catch {
            return true  // a reset is a close too
        }
    }

    /// Adds the Postern TLS client handler at the pipeline's head (after the 220 to STARTTLS). Refuses when bytes
    /// beyond the 220 are already buffered: that is response injection (CONTRACT §3.3).
    func startTLS(config: PosternTLSClientConfiguration, serverName: String, recorder: TLSVerificationRecorder)
        async throws
    {
        guard pending.isEmpty else { throw SMTPTestClientMisuse() }
        let channel = self.channel.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                config.makeHandler(serverName: serverName, recorder: recorder), position: .first)
        }.get()
    }

    /// Offset just past the CRLF of the final line of the first complete reply in `bytes`.
    static func endOfReply(in bytes: [UInt8]) -> Int? {
        var lineStart = 0
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 13, bytes[index + 1] == 10 {
                let line = bytes[lineStart..<index]
                if line.count < 4 || line[line.startIndex + 3] == UInt8(ascii: " ") {
                    return index + 2
                }
                lineStart = index + 2
                index += 2
            } else {
                index += 1
            }
        }
        return nil
    }
}

/// A test asked for a raw chunk while reply bytes were still buffered.
struct SMTPTestClientMisuse: Error {}
