/// Turns a message into the SMTP DATA stream, chunk by chunk (RFC 5321 §4.5.2).
///
/// Every line ending in the input (CRLF, bare LF, bare CR) is written as CRLF; a line that
/// starts with `.` gets a second `.`; ``finish(into:)`` ends the stream with exactly one
/// `CRLF.CRLF`, adding a CRLF first when the message does not end with one. State carries
/// across chunk boundaries (a CR at the end of one chunk and an LF at the start of the next
/// are one line ending), so a message of any size streams in constant memory.
///
/// - Important: Because every line ending is canonicalised before the dot check, no
///   end-of-data lookalike (`CRLF.CRLF`, `LF.LF`, `CR.CR`…) can reach the server before the
///   real terminator.
public struct DotStuffer: Sendable {
    private var atLineStart = true
    private var pendingCR = false
    private var finished = false

    /// Creates a stuffer at the start of a message.
    public init() {}

    /// Appends the DATA-stream form of `chunk` to `output`.
    public mutating func stuff(_ chunk: some Collection<UInt8>, into output: inout [UInt8]) {
        guard !finished else { return }
        output.reserveCapacity(output.count + chunk.count + chunk.count / 64 + 4)
        // Work on contiguous memory so the scan is fast even when the caller's generic type is
        // not specialised across the module boundary.
        let done: Void? = chunk.withContiguousStorageIfAvailable { stuff(buffer: $0, into: &output) }
        if done == nil { Array(chunk).withUnsafeBufferPointer { stuff(buffer: $0, into: &output) } }
    }

    private mutating func stuff(buffer: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        let count = buffer.count
        var index = 0
        while index < count {
            if pendingCR {
                pendingCR = false
                endLine(into: &output)
                if buffer[index] == 0x0A {
                    index += 1
                    continue
                }
            }
            let byte = buffer[index]
            if byte == 0x0D {
                pendingCR = true
                index += 1
                continue
            }
            if byte == 0x0A {
                endLine(into: &output)
                index += 1
                continue
            }
            if atLineStart && byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            atLineStart = false
            // Copy the rest of the line in one go.
            var end = index + 1
            while end < count && buffer[end] != 0x0D && buffer[end] != 0x0A { end += 1 }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<end]))
            index = end
        }
    }

    /// Returns the DATA-stream form of `chunk`.
    public mutating func stuff(_ chunk: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        stuff(chunk, into: &output)
        return output
    }

    /// Appends the end of the stream: a CRLF if the last line is unterminated, then `.CRLF`.
    /// Later calls append nothing.
    public mutating func finish(into output: inout [UInt8]) {
        guard !finished else { return }
        if pendingCR {
            pendingCR = false
            endLine(into: &output)
        }
        if !atLineStart { endLine(into: &output) }
        output.append(contentsOf: [UInt8(ascii: "."), 0x0D, 0x0A])
        finished = true
    }

    /// Returns the end of the stream (see ``finish(into:)``).
    public mutating func finish() -> [UInt8] {
        var output: [UInt8] = []
        finish(into: &output)
        return output
    }

    /// Stuffs a whole message at once.
    public static func stuffed(_ message: some Collection<UInt8>) -> [UInt8] {
        var stuffer = DotStuffer()
        var output = stuffer.stuff(message)
        stuffer.finish(into: &output)
        return output
    }

    @inline(__always)
    private mutating func endLine(into output: inout [UInt8]) {
        output.append(0x0D)
        output.append(0x0A)
        atLineStart = true
    }
}
