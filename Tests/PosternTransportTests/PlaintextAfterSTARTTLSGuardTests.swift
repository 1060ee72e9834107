import NIOCore
import NIOEmbedded
import Testing

@testable import PosternTransport

/// Plaintext in a later segment after the STARTTLS 220 must not reach TLS (it would only show up as a vague
/// handshake failure): the guard turns it into a response injection.
@Suite("PlaintextAfterSTARTTLSGuard")
struct PlaintextAfterSTARTTLSGuardTests {
    @Test("plaintext where the ServerHello was due is refused and passed on to nobody")
    func plaintextRefused() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(PlaintextAfterSTARTTLSGuard())
        #expect(throws: PlaintextAfterSTARTTLSError.self) {
            try channel.writeInbound(ByteBuffer(string: "235 2.7.0 Authentication successful\r\n"))
        }
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test("a TLS record (handshake or alert) passes, and the guard steps aside", arguments: [UInt8(22), 21])
    func tlsPasses(_ contentType: UInt8) throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(PlaintextAfterSTARTTLSGuard())
        let record = ByteBuffer(bytes: [contentType, 3, 3, 0, 1, 0])
        try channel.writeInbound(record)
        #expect(try channel.readInbound(as: ByteBuffer.self) == record)
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: PlaintextAfterSTARTTLSGuard.self)
        }
        // Later bytes, whatever they are, are TLS's business.
        try channel.writeInbound(ByteBuffer(string: "x"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "x"))
        _ = try channel.finish()
    }
}
