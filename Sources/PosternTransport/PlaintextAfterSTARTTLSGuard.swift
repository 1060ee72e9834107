import NIOCore

/// Sits in front of the TLS handler and looks at the first byte the server sends: a TLS record starts with
/// content type 22 (handshake) or 21 (alert).
///
/// After STARTTLS, anything else is plaintext that arrived after the `220` in a later TCP segment than the
/// reply — a response injection the state machine could not see, because it went to TLS rather than to the
/// machine. With implicit TLS it is a plaintext server (a STARTTLS port), which BoringSSL would otherwise
/// report as a confusing version error.
///
/// Removes itself after the first byte; on plaintext it raises ``PlaintextAfterSTARTTLSError`` and passes
/// nothing on.
final class PlaintextAfterSTARTTLSGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// TLS record content types a server may start with.
    static let tlsRecordTypes: Set<UInt8> = [22, 21]

    private var tripped = false
    private let afterSTARTTLS: Bool

    /// `afterSTARTTLS`: the guard follows a STARTTLS `220` (else it guards an implicit-TLS connection).
    init(afterSTARTTLS: Bool = true) {
        self.afterSTARTTLS = afterSTARTTLS
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !tripped else { return }
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            context.fireChannelRead(data)
            return
        }
        guard Self.tlsRecordTypes.contains(first) else {
            tripped = true
            context.fireErrorCaught(
                PlaintextAfterSTARTTLSError(byteCount: buffer.readableBytes, afterSTARTTLS: afterSTARTTLS))
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Plaintext arrived where the TLS handshake was due (after the STARTTLS `220`, or from the first byte).
struct PlaintextAfterSTARTTLSError: Error, CustomStringConvertible {
    let byteCount: Int
    let afterSTARTTLS: Bool
    var description: String {
        afterSTARTTLS
            ? "\(byteCount) plaintext bytes arrived after the 220 to STARTTLS, where the TLS handshake was due"
            : "the server answered in plaintext where the implicit-TLS handshake was due"
                + " (a STARTTLS or plaintext port? then use --security starttls)"
    }
}
