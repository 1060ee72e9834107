/// An error raised for malformed or hostile message input.
///
/// A struct with an extensible ``Code`` rather than a public enum, so new
/// failure kinds can be added without breaking callers that switch on them.
public struct MIMEError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable identifier.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        /// The identifier, e.g. `"header-line-too-long"`.
        public var rawValue: String
        /// Creates a code from its identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The identifier.
        public var description: String { rawValue }

        /// The message has no header fields at all (empty input, or a blank first line).
        public static let noHeaderFields = Code(rawValue: "no-header-fields")
        /// A line in the header section is neither a field nor a continuation.
        public static let malformedHeader = Code(rawValue: "malformed-header")
        /// A header line exceeds ``MessageSizeLimits/maxHeaderLineLength``.
        public static let headerLineTooLong = Code(rawValue: "header-line-too-long")
        /// More header fields than ``MessageSizeLimits/maxHeaderCount``.
        public static let tooManyHeaders = Code(rawValue: "too-many-headers")
        /// The header section exceeds ``MessageSizeLimits/maxHeaderBytes``.
        public static let headerSectionTooLarge = Code(rawValue: "header-section-too-large")
        /// A NUL byte in a header.
        public static let nulInHeader = Code(rawValue: "nul-in-header")
        /// 8-bit bytes in a header that are not valid UTF-8, or UTF-8 when it is not allowed.
        public static let eightBitInHeader = Code(rawValue: "eight-bit-in-header")
        /// A header value supplied through the API holds CR, LF or NUL.
        public static let invalidHeaderValue = Code(rawValue: "invalid-header-value")
        /// A header field name is empty or holds characters outside RFC 5322 ftext.
        public static let invalidHeaderName = Code(rawValue: "invalid-header-name")
        /// The Content-Type field cannot be parsed.
        public static let malformedContentType = Code(rawValue: "malformed-content-type")
        /// A multipart entity has no boundary parameter, no parts or no closing delimiter.
        public static let malformedMultipart = Code(rawValue: "malformed-multipart")
        /// Multiparts nest deeper than ``MessageSizeLimits/maxNestingDepth`` or have too many parts.
        public static let nestingTooDeep = Code(rawValue: "nesting-too-deep")
        /// An address list cannot be parsed.
        public static let malformedAddress = Code(rawValue: "malformed-address")
        /// A body cannot be decoded with its Content-Transfer-Encoding.
        public static let malformedEncoding = Code(rawValue: "malformed-encoding")
        /// The Content-Transfer-Encoding is unknown, so the body cannot be decoded or re-encoded.
        public static let unknownTransferEncoding = Code(rawValue: "unknown-transfer-encoding")
        /// A multipart was asked to carry content that contains its boundary.
        public static let boundaryCollision = Code(rawValue: "boundary-collision")
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// The 1-based line number in the input, when known.
    public var line: Int?
    /// The 0-based byte offset, when known: in the input for the top-level header section,
    /// in the canonicalised body for body parts.
    public var byteOffset: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, line: Int? = nil, byteOffset: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.byteOffset = byteOffset
    }

    /// `line N, byte M: code: message`.
    public var description: String {
        var location: [String] = []
        if let line { location.append("line \(line)") }
        if let byteOffset { location.append("byte \(byteOffset)") }
        let prefix = location.isEmpty ? "" : location.joined(separator: ", ") + ": "
        return "\(prefix)\(code): \(message)"
    }
}
