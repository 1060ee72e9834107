/// Bounds that keep hostile input from consuming unbounded memory or time.
///
/// Every check happens while scanning, so an over-long line is rejected after
/// reading at most `maxHeaderLineLength + 2` bytes of it.
public struct MessageSizeLimits: Hashable, Sendable {
    /// Longest physical header line, in octets, without its line ending. RFC 5322 §2.1.1 says 998.
    public var maxHeaderLineLength: Int
    /// Most header fields in one header section.
    public var maxHeaderCount: Int
    /// Most octets in one header section, line endings included.
    public var maxHeaderBytes: Int
    /// Deepest nesting of multipart entities.
    public var maxNestingDepth: Int
    /// Most body parts in the whole message.
    public var maxPartCount: Int

    /// Creates limits; the defaults accept real mail and refuse abuse.
    public init(
        maxHeaderLineLength: Int = 998,
        maxHeaderCount: Int = 1000,
        maxHeaderBytes: Int = 256 * 1024,
        maxNestingDepth: Int = 32,
        maxPartCount: Int = 10_000
    ) {
        self.maxHeaderLineLength = maxHeaderLineLength
        self.maxHeaderCount = maxHeaderCount
        self.maxHeaderBytes = maxHeaderBytes
        self.maxNestingDepth = maxNestingDepth
        self.maxPartCount = maxPartCount
    }

    /// The defaults.
    public static let standard = MessageSizeLimits()
}
