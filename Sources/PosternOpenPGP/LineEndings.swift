/// Rewrites every line ending (CRLF, bare LF, bare CR) as CRLF, chunk by chunk.
///
/// gpg writes armor with bare LF on Unix; mail needs CRLF. A CR at the end of one chunk
/// is held back until the next chunk shows whether an LF follows.
struct CRLFNormaliser {
    private var pendingCR = false

    /// Appends the normalised form of `chunk` to `output`.
    mutating func normalise(_ chunk: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + chunk.count + chunk.count / 32 + 2)
        for byte in chunk {
            if pendingCR {
                pendingCR = false
                output.append(0x0D)
                output.append(0x0A)
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D: pendingCR = true
            case 0x0A:
                output.append(0x0D)
                output.append(0x0A)
            default: output.append(byte)
            }
        }
    }

    /// Emits a CR held back at the very end as CRLF.
    mutating func finish(into output: inout [UInt8]) {
        if pendingCR {
            pendingCR = false
            output.append(0x0D)
            output.append(0x0A)
        }
    }
}

/// Checks, as bytes stream past, that an inner MIME entity is in canonical form: every
/// line ends in CRLF (no bare CR or LF), and — for a signed entity — no line is longer
/// than 998 octets and none begins with the multipart delimiter `--boundary`.
struct InnerEntityChecker {
    private let delimiter: [UInt8]?
    private let maxLineLength: Int?
    private var offset = 0
    private var line = 1
    private var lineLength = 0
    private var pendingCR = false
    private var matched: Int? = 0

    /// `boundary` nil skips the delimiter check; `maxLineLength` nil skips the length check.
    init(boundary: String?, maxLineLength: Int?) {
        delimiter = boundary.map { Array("--\($0)".utf8) }
        self.maxLineLength = maxLineLength
    }

    /// Feeds the next chunk; throws at the first offending byte, naming line and offset.
    mutating func feed(_ chunk: UnsafeRawBufferPointer) throws {
        for byte in chunk {
            defer { offset += 1 }
            if pendingCR {
                guard byte == 0x0A else { throw failure("a bare CR (line endings must be CRLF)") }
                pendingCR = false
                line += 1
                lineLength = 0
                matched = 0
                continue
            }
            if byte == 0x0D {
                pendingCR = true
                matched = nil
                continue
            }
            if byte == 0x0A { throw failure("a bare LF (line endings must be CRLF)") }
            lineLength += 1
            if let maxLineLength, lineLength > maxLineLength {
                throw failure("a line longer than \(maxLineLength) octets")
            }
            if let delimiter, let m = matched {
                if delimiter[m] == byte {
                    matched = m + 1
                    if m + 1 == delimiter.count {
                        throw failure("a line that begins with the multipart boundary")
                    }
                } else {
                    matched = nil
                }
            }
        }
    }

    /// Call after the last chunk.
    func finish() throws {
        if pendingCR { throw failure("a bare CR at the end (line endings must be CRLF)") }
    }

    private func failure(_ what: String) -> PGPError {
        PGPError(
            code: .invalidInput,
            message: "the inner entity has \(what) at line \(line), byte offset \(offset)")
    }
}
