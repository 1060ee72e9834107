import NIOCore
import PosternSMTP

/// Turns one message into DATA-stream chunks: read a chunk, dot-stuff it, hand it out; the terminator last.
///
/// Lives on the channel's event loop. Reading a local file here is a short synchronous read of one chunk;
/// the writes are paced by channel writability, so memory stays at a few chunks whatever the message size.
final class BodyPump {
    let transactionIndex: Int
    private var reader: MessageBodyReader
    private var stuffer = DotStuffer()
    private var scratch: [UInt8] = []
    private var lookahead: ArraySlice<UInt8>?
    private var finished = false

    /// Whether the terminator has been handed out (the last chunk returned was the end of the DATA stream).
    var handedOutTerminator: Bool { finished }

    init(body: MessageBody, transactionIndex: Int) throws(MessageBodyError) {
        self.reader = try MessageBodyReader(body: body)
        self.transactionIndex = transactionIndex
    }

    /// The next chunk of the DATA stream in a buffer, or nil when the terminator has been handed out.
    ///
    /// One chunk is read ahead, so the terminator travels with the last chunk of the message: a small message
    /// is one write (one TLS record) rather than two.
    func nextChunk(allocator: ByteBufferAllocator) throws(MessageBodyError) -> ByteBuffer? {
        guard !finished else { return nil }
        scratch.removeAll(keepingCapacity: true)
        let current: ArraySlice<UInt8>?
        if let pending = lookahead {
            current = pending
            lookahead = nil
        } else {
            current = try reader.next()
        }
        if let current {
            stuffer.stuff(current, into: &scratch)
            lookahead = try reader.next()
        }
        if lookahead == nil {
            stuffer.finish(into: &scratch)
            finished = true
        }
        var buffer = allocator.buffer(capacity: scratch.count)
        buffer.writeBytes(scratch)
        return buffer
    }

    /// Stops early (the session failed); closes a file.
    func cancel() {
        lookahead = nil
        reader.close()
        finished = true
    }
}
