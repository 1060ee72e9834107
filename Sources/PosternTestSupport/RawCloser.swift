import NIOCore

/// Sits at the pipeline's head (next to the socket, below any TLS handler) so that a close issued from its context
/// reaches the socket without passing through NIOSSL: the peer sees the TCP connection drop with no close_notify.
final class RawCloser: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Closes the socket at once. Must be called on the channel's event loop.
    func closeAbruptly() {
        context?.close(promise: nil)
    }
}
