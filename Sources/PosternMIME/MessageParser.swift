/// Options for parsing.
public struct ParseOptions: Hashable, Sendable {
    /// Size limits against hostile input.
    public var limits: MessageSizeLimits
    /// Whether UTF-8 in header fields is accepted (RFC 6532; sending then needs SMTPUTF8,
    /// see ``Message/requiresSMTPUTF8``). Other 8-bit octets in headers are always an error.
    public var allowUTF8Headers: Bool

    /// Creates options.
    public init(limits: MessageSizeLimits = .standard, allowUTF8Headers: Bool = true) {
        self.limits = limits
        self.allowUTF8Headers = allowUTF8Headers
    }
}

/// Parses RFC 5322 messages and MIME entities from bytes.
public enum MessageParser {
    /// Parses a complete message. Every line ending in the input is canonicalised to CRLF.
    ///
    /// Decisions on edge cases: a header section that runs to end of input without a blank
    /// line is a message without a body (accepted); a line that is neither a field nor a
    /// continuation before the blank line is an error; a message without any header field
    /// is an error; 8-bit header octets must be UTF-8 (and then ``Message/requiresSMTPUTF8``);
    /// a `message/rfc822` body that does not parse is kept as an opaque leaf.
    ///
    /// - Throws: ``MIMEError`` describing the first problem, with its line and byte offset.
    public static func parse<C: Collection>(_ bytes: C, options: ParseOptions = ParseOptions()) throws -> Message
    where C.Element == UInt8 {
        let input = (bytes as? [UInt8]) ?? Array(bytes)
        var partCount = 0
        let entity = try parseEntity(input[...], firstLine: 1, depth: 0, options: options, partCount: &partCount)
        // A body part may have no header fields; a message may not (RFC 5322 §3.6 needs From and Date).
        guard !entity.headers.isEmpty else {
            throw MIMEError(.noHeaderFields, "the message has no header fields", line: 1, byteOffset: 0)
        }
        return Message(entity: entity)
    }

    static func parseEntity(
        _ bytes: ArraySlice<UInt8>, firstLine: Int, depth: Int, options: ParseOptions, partCount: inout Int
    ) throws -> MIMEEntity {
        let header = try HeaderParser.parse(
            bytes, firstLine: firstLine, limits: options.limits, allowUTF8: options.allowUTF8Headers)
        let bodyFirstLine = firstLine + header.lineCount
        let contentType: ContentType
        do {
            contentType = try header.headers.contentType()
        } catch var error as MIMEError {
            error.line = firstLine
            throw error
        }
        if contentType.isMultipart {
            guard depth < options.limits.maxNestingDepth else {
                throw MIMEError(
                    .nestingTooDeep, "multiparts nest deeper than \(options.limits.maxNestingDepth)",
                    line: bodyFirstLine)
            }
            guard let boundary = contentType[parameter: "boundary"], !boundary.isEmpty, boundary.utf8.count <= 200
            else {
                throw MIMEError(
                    .malformedMultipart, "multipart Content-Type without a usable boundary",
                    line: firstLine)
            }
            // Canonicalise the body once at the outermost multipart; nested slices are already canonical.
            let canonical: ArraySlice<UInt8> =
                depth == 0
                ? Canonicalizer.canonicalLineEndings(bytes[header.bodyStart...])[...]
                : bytes[header.bodyStart...]
            let split = try MultipartSplitter.split(canonical, boundary: boundary, bodyFirstLine: bodyFirstLine)
            var parts: [MIMEEntity] = []
            for part in split.parts {
                partCount += 1
                guard partCount <= options.limits.maxPartCount else {
                    throw MIMEError(
                        .nestingTooDeep, "more than \(options.limits.maxPartCount) body parts",
                        line: part.firstLine)
                }
                parts.append(
                    try parseEntity(
                        part.bytes, firstLine: part.firstLine, depth: depth + 1, options: options,
                        partCount: &partCount))
            }
            return MIMEEntity(
                headers: header.headers,
                body: .multipart(
                    Multipart(
                        boundary: boundary, preamble: split.preamble, parts: parts,
                        epilogue: split.epilogue)))
        }
        let body =
            depth == 0
            ? Canonicalizer.canonicalLineEndings(bytes[header.bodyStart...])
            : Array(bytes[header.bodyStart...])
        if contentType.type == "message", contentType.subtype == "rfc822" || contentType.subtype == "global",
            ["7bit", "8bit", "binary"].contains(header.headers.contentTransferEncoding),
            depth < options.limits.maxNestingDepth
        {
            // A forwarded message is opaque content to its sender: if it does not parse, keep it
            // as a leaf rather than refuse the message that carries it.
            var innerCount = partCount
            if let inner = try? parseEntity(
                body[...], firstLine: bodyFirstLine, depth: depth + 1, options: options,
                partCount: &innerCount)
            {
                partCount = innerCount
                return MIMEEntity(headers: header.headers, body: .message(inner))
            }
        }
        return MIMEEntity(headers: header.headers, body: .leaf(body))
    }
}
