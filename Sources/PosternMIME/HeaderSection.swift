/// A message's header section parsed on its own, without the body: what a streaming
/// caller needs to decide about a large message before reading the rest.
public struct HeaderSection: Hashable, Sendable {
    /// The header fields.
    public var headers: Headers
    /// The offset of the first body octet in the input (after the blank line), or
    /// `nil` when the input ended before a blank line (the section may be incomplete).
    public var bodyStart: Int?

    /// Parses the header section at the start of `bytes` (any line endings), with the
    /// same rules and limits as ``MessageParser/parse(_:options:)``.
    ///
    /// - Throws: ``MIMEError`` with the line and byte offset of the first problem.
    public init(parsing bytes: [UInt8], options: ParseOptions = ParseOptions()) throws {
        let result = try HeaderParser.parse(
            bytes[...], firstLine: 1, limits: options.limits, allowUTF8: options.allowUTF8Headers)
        guard !result.headers.isEmpty else {
            throw MIMEError(.noHeaderFields, "the message has no header fields", line: 1, byteOffset: 0)
        }
        headers = result.headers
        bodyStart = result.bodyStart < bytes.endIndex || Self.endsWithBlankLine(bytes) ? result.bodyStart : nil
    }

    private static func endsWithBlankLine(_ bytes: [UInt8]) -> Bool {
        bytes.suffix(2) == [0x0A, 0x0A] || bytes.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A]
            || bytes.suffix(2) == [0x0D, 0x0D]
    }
}
