/// An incremental parser of SMTP replies (RFC 5321 §4.2) working on bytes.
///
/// Feed it whatever chunks arrive with ``append(_:)``, then call ``nextReply()`` until it
/// returns nil. It enforces the RFC 5321 §4.5.3.1.5 limit of 512 octets per reply line
/// (including CRLF) and at most ``maximumLineCount`` lines per reply, and it rejects an
/// over-long line as soon as 512 bytes without a line feed are buffered, so a hostile
/// server cannot make it buffer without bound. After an error the parser stays failed.
///
/// - Important: ``unconsumedByteCount`` after the `220` to STARTTLS must be zero; anything
///   else is a response injection (CONTRACT §3.3). The state machine checks this for you.
public struct SMTPReplyParser: Sendable {
    /// The longest reply line, including CRLF (RFC 5321 §4.5.3.1.5).
    public static let maximumLineLength = 512
    /// The most lines one reply may have.
    public static let maximumLineCount = 100

    /// Whether to extract RFC 3463 codes into ``SMTPReply/enhancedStatusCode``; set it once
    /// EHLO advertised ENHANCEDSTATUSCODES.
    public var parsesEnhancedStatusCodes: Bool

    private var buffer: [UInt8] = []
    /// Start of the bytes not yet turned into a line.
    private var readIndex = 0
    /// How far the search for a line feed has already looked, so a slow drip is not re-scanned.
    private var scanIndex = 0
    private var pendingCode: Int?
    private var pendingLines: [[UInt8]] = []
    private var pendingByteCount = 0
    private var failure: SMTPError?

    /// Creates an empty parser.
    public init(parsesEnhancedStatusCodes: Bool = false) {
        self.parsesEnhancedStatusCodes = parsesEnhancedStatusCodes
    }

    /// Bytes received but not yet returned as part of a complete reply (the lines of a
    /// reply still in progress count).
    public var unconsumedByteCount: Int { pendingByteCount + buffer.count - readIndex }

    /// Adds received bytes. Parsing (and any error) happens in ``nextReply()``.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete reply, nil if more bytes are needed, or throws a protocol
    /// error (`reply-line-too-long`, `reply-too-many-lines`, `reply-malformed`).
    public mutating func nextReply() throws(SMTPError) -> SMTPReply? {
        if let failure { throw failure }
        do {
            while let line = try nextLine() {
                if let reply = try accept(line) { return reply }
            }
            compact()
            return nil
        } catch {
            failure = error
            buffer = []
            readIndex = 0
            scanIndex = 0
            throw error
        }
    }

    /// Call at end of input: throws `reply-truncated` when a partial reply is buffered.
    public func finish() throws(SMTPError) {
        if let failure { throw failure }
        if unconsumedByteCount > 0 {
            throw .protocolError(.replyTruncated, "the connection ended inside a reply (no CRLF)")
        }
    }

    private struct Line {
        var code: Int
        var isLast: Bool
        var text: [UInt8]
        var byteCount: Int
    }

    private mutating func nextLine() throws(SMTPError) -> Line? {
        let limit = min(buffer.count, readIndex + Self.maximumLineLength)
        var lineFeed: Int?
        var index = max(scanIndex, readIndex)
        while index < limit {
            if buffer[index] == 0x0A {
                lineFeed = index
                break
            }
            index += 1
        }
        guard let lineFeed else {
            scanIndex = index
            if buffer.count - readIndex >= Self.maximumLineLength {
                throw .protocolError(
                    .replyLineTooLong, "a reply line exceeds \(Self.maximumLineLength) octets")
            }
            // Reject garbage before its line ends: the first four bytes must look like a reply.
            try validatePrefix(buffer[readIndex..<buffer.count])
            return nil
        }
        let start = readIndex
        readIndex = lineFeed + 1
        scanIndex = readIndex
        guard lineFeed > start, buffer[lineFeed - 1] == 0x0D else {
            throw .protocolError(.replyMalformed, "a reply line ends in a bare LF")
        }
        let content = buffer[start..<(lineFeed - 1)]
        try validatePrefix(content)
        guard content.count >= 3 else {
            throw .protocolError(.replyMalformed, "a reply line is shorter than its code")
        }
        let base = content.startIndex
        let code = (Int(content[base]) - 48) * 100 + (Int(content[base + 1]) - 48) * 10 + Int(content[base + 2]) - 48
        let isLast = content.count == 3 || content[base + 3] == UInt8(ascii: " ")
        let text = content.count > 4 ? Array(content[(base + 4)...]) : []
        for byte in text where byte != 0x09 && (byte < 0x20 || byte == 0x7F) {
            throw .protocolError(.replyMalformed, "a reply line holds a control character (\(byte))")
        }
        return Line(code: code, isLast: isLast, text: text, byteCount: lineFeed + 1 - start)
    }

    /// Checks the code digits and the separator of a (possibly partial) line.
    private func validatePrefix(_ bytes: ArraySlice<UInt8>) throws(SMTPError) {
        for (offset, byte) in bytes.prefix(4).enumerated() {
            let valid: Bool
            switch offset {
            case 0: valid = byte >= UInt8(ascii: "2") && byte <= UInt8(ascii: "5")
            case 1: valid = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "5")
            case 2: valid = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            default: valid = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") || byte == 0x0D
            }
            if !valid {
                throw .protocolError(.replyMalformed, "a reply line does not start with a reply code and separator")
            }
        }
    }

    private mutating func accept(_ line: Line) throws(SMTPError) -> SMTPReply? {
        if let pendingCode, pendingCode != line.code {
            throw .protocolError(
                .replyMalformed, "a multi-line reply changes its code from \(pendingCode) to \(line.code)")
        }
        pendingCode = line.code
        pendingLines.append(line.text)
        pendingByteCount += line.byteCount
        guard line.isLast else {
            if pendingLines.count >= Self.maximumLineCount {
                throw .protocolError(.replyTooManyLines, "a reply has more than \(Self.maximumLineCount) lines")
            }
            return nil
        }
        var enhanced: SMTPEnhancedStatusCode?
        if parsesEnhancedStatusCodes, line.code / 100 != 3, let first = pendingLines.first,
            let parsed = SMTPEnhancedStatusCode.parse(prefixOf: first), parsed.statusClass == line.code / 100
        {
            enhanced = parsed
        }
        let reply = SMTPReply(code: line.code, lines: pendingLines, enhancedStatusCode: enhanced)
        pendingCode = nil
        pendingLines = []
        pendingByteCount = 0
        return reply
    }

    private mutating func compact() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            readIndex = 0
            scanIndex = 0
        } else if readIndex > 4096 {
            buffer.removeFirst(readIndex)
            scanIndex -= readIndex
            readIndex = 0
        }
    }
}
