import NIOCore

/// Sits in front of the TLS handler right after STARTTLS and looks at the first byte the server sends: a TLS
/// record starts with content type 22 (handshake) or 21 (alert). Anything else is plaintext that arrived after
/// the `220` in a later TCP segment than the reply — a response injection the state machine could not see,
/// because it went to TLS rather than to the machine.
///
/// Removes itself after the first byte; on plaintext it raises ``PlaintextAfterSTARTTLSError`` and passes
/// nothing on.
final class PlaintextAfterSTARTTLSGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// TLS record content types a server may start with.
    static let tlsRecordTypes: Set<UInt8> = [22, 21]

    private var tripped = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !tripped else { return }
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            context.fireChannelRead(data)
            return
        }
        guard Self.tlsRecordTypes.contains(first) else {
            tripped = true
            context.fireErrorCaught(PlaintextAfterSTARTTLSError(byteCount: buffer.readableBytes))
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Plaintext arrived after the STARTTLS `220`, where the TLS handshake was due.
struct PlaintextAfterSTARTTLSError: Error, CustomStringConvertible {
    let byteCount: Int
    var description: String {
        "\(byteCount) plaintext bytes arrived after the 220 to STARTTLS, where the TLS handshake was due"
    }
}
