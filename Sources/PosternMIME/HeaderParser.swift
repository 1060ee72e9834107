/// Parses a header section from raw bytes that may use any line ending.
///
/// Works on bytes, not `String`: Swift's `String` merges "\r\n" into one
/// `Character`, which hides bare CRs and makes framing ambiguous.
enum HeaderParser {
    struct Result {
        var headers: Headers
        /// Index of the first body byte (after the blank line), or `endIndex` when there is no body.
        var bodyStart: Int
        /// Number of lines consumed, blank line included.
        var lineCount: Int
    }

    /// Parses header fields from `bytes` until the first empty line.
    ///
    /// A header section that runs to end of input without a blank line is accepted
    /// (a message may have no body). A line that is not a field and not a
    /// continuation, a NUL, or 8-bit octets that are not valid UTF-8 are errors.
    static func parse(
        _ bytes: ArraySlice<UInt8>,
        firstLine: Int,
        limits: MessageSizeLimits,
        allowUTF8: Bool
    ) throws -> Result {
        var fields: [HeaderField] = []
        var pendingName: String?
        var pendingRaw: [UInt8] = []
        var pendingLine = firstLine
        var index = bytes.startIndex
        var lineNumber = firstLine
        var totalBytes = 0

        func flush() throws {
            guard let name = pendingName else { return }
            if pendingRaw.contains(where: { $0 >= 0x80 }) {
                if !allowUTF8 {
                    throw MIMEError(.eightBitInHeader, "8-bit octets in header \(name)", line: pendingLine)
                }
                if String(validating: pendingRaw, as: UTF8.self) == nil {
                    throw MIMEError(
                        .eightBitInHeader, "header \(name) holds 8-bit octets that are not UTF-8",
                        line: pendingLine)
                }
            }
            if fields.count >= limits.maxHeaderCount {
                throw MIMEError(.tooManyHeaders, "more than \(limits.maxHeaderCount) header fields", line: pendingLine)
            }
            fields.append(HeaderField(name: name, rawValue: pendingRaw))
            pendingName = nil
            pendingRaw = []
        }

        while index < bytes.endIndex {
            let lineStart = index
            // Scan at most maxHeaderLineLength + 1 octets: a hostile 100 MB line is refused
            // after reading only that much.
            let scanLimit = min(bytes.endIndex, lineStart + limits.maxHeaderLineLength + 1)
            var lineEnd = lineStart
            while lineEnd < scanLimit, bytes[lineEnd] != 0x0D, bytes[lineEnd] != 0x0A {
                if bytes[lineEnd] == 0 {
                    throw MIMEError(
                        .nulInHeader, "NUL octet in the header section", line: lineNumber,
                        byteOffset: lineEnd)
                }
                lineEnd += 1
            }
            if lineEnd - lineStart > limits.maxHeaderLineLength {
                throw MIMEError(
                    .headerLineTooLong,
                    "header line longer than \(limits.maxHeaderLineLength) octets",
                    line: lineNumber, byteOffset: lineStart)
            }
            var next = lineEnd
            if next < bytes.endIndex {
                if bytes[next] == 0x0D {
                    next += 1
                    if next < bytes.endIndex, bytes[next] == 0x0A { next += 1 }
                } else {
                    next += 1
                }
            }
            totalBytes += next - lineStart
            if totalBytes > limits.maxHeaderBytes {
                throw MIMEError(
                    .headerSectionTooLarge, "header section larger than \(limits.maxHeaderBytes) octets",
                    line: lineNumber, byteOffset: lineStart)
            }
            let line = bytes[lineStart..<lineEnd]
            if line.isEmpty {
                try flush()
                return Result(headers: Headers(fields), bodyStart: next, lineCount: lineNumber - firstLine + 1)
            }
            if let first = line.first, first == 0x20 || first == 0x09 {
                guard pendingName != nil else {
                    throw MIMEError(
                        .malformedHeader, "continuation line before any header field",
                        line: lineNumber, byteOffset: lineStart)
                }
                pendingRaw.append(0x0D)
                pendingRaw.append(0x0A)
                pendingRaw.append(contentsOf: line)
            } else {
                try flush()
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                    throw MIMEError(
                        .malformedHeader, "line is not a header field (no colon)",
                        line: lineNumber, byteOffset: lineStart)
                }
                // obs-field-name allows white space before the colon; it is not part of the name.
                let nameBytes = line[lineStart..<colon].trimmingWhiteSpace()
                guard !nameBytes.isEmpty, nameBytes.allSatisfy({ $0 >= 33 && $0 <= 126 }) else {
                    throw MIMEError(
                        .malformedHeader, "invalid header field name",
                        line: lineNumber, byteOffset: lineStart)
                }
                pendingName = String(decoding: nameBytes, as: UTF8.self)
                pendingRaw = Array(line[(colon + 1)...])
                pendingLine = lineNumber
            }
            lineNumber += 1
            index = next
        }
        try flush()
        return Result(headers: Headers(fields), bodyStart: bytes.endIndex, lineCount: lineNumber - firstLine)
    }
}
