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
    private var finished = false

    init(body: MessageBody, transactionIndex: Int) throws(MessageBodyError) {
        self.reader = try MessageBodyReader(body: body)
        self.transactionIndex = transactionIndex
    }

    /// The next chunk of the DATA stream in a buffer, or nil when the terminator has been handed out.
    func nextChunk(allocator: ByteBufferAllocator) throws(MessageBodyError) -> ByteBuffer? {
        guard !finished else { return nil }
        scratch.removeAll(keepingCapacity: true)
        if let chunk = try reader.next() {
            stuffer.stuff(chunk, into: &scratch)
        } else {
            stuffer.finish(into: &scratch)
            finished = true
        }
        var buffer = allocator.buffer(capacity: scratch.count)
        buffer.writeBytes(scratch)
        return buffer
    }

    /// Stops early (the session failed); closes a file.
    func cancel() {
        reader.close()
        finished = true
    }
}
