/// Checks, chunk by chunk, that content is in the canonical form SMTP carries
/// unchanged (RFC 5322 §2.3, RFC 5321 §4.5.3.1.6): every line ends in CRLF,
/// there is no bare CR or LF, and no line is longer than 998 octets.
///
/// Signed content that violates this is altered in transit (line ends get
/// normalised, long lines get folded or rejected) and the signature breaks at
/// the receiver; refusing it here turns a silent failure into a clear error.
/// Producing the canonical form is the MIME layer's job.
struct CanonicalFormScanner {
    static let maximumLineLength = 998

    /// What was wrong and where (0-based byte offset, 1-based line), once found.
    private(set) var problem: String?
    private var offset = 0
    private var line = 1
    private var lineLength = 0
    private var pendingCR = false

    mutating func scan(_ bytes: UnsafeRawBufferPointer) {
        guard problem == nil else { return }
        for byte in bytes {
            if pendingCR {
                guard byte == UInt8(ascii: "\n") else {
                    problem = "bare CR at byte \(offset - 1) (line \(line))"
                    return
                }
                pendingCR = false
                line += 1
                lineLength = 0
            } else if byte == UInt8(ascii: "\r") {
                pendingCR = true
            } else if byte == UInt8(ascii: "\n") {
                problem = "bare LF at byte \(offset) (line \(line))"
                return
            } else {
                lineLength += 1
                if lineLength > Self.maximumLineLength {
                    problem = "line \(line) is longer than \(Self.maximumLineLength) octets"
                    return
                }
            }
            offset += 1
        }
    }

    /// Call after the last chunk: a trailing CR without LF is also bare.
    mutating func finish() {
        if problem == nil, pendingCR { problem = "bare CR at byte \(offset - 1) (line \(line))" }
    }
}
