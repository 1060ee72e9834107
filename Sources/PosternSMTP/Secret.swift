/// A credential (password or OAuth token) that never prints itself.
///
/// `description`, `debugDescription` and the reflection mirror all say `<redacted>`, so a
/// secret that ends up in string interpolation, `dump` or a log line leaks nothing.
///
/// - Important: The bytes still live in ordinary memory; this type protects against
///   accidental printing, not against a memory dump.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let storage: [UInt8]

    /// Wraps the UTF-8 bytes of `string`.
    public init(_ string: String) {
        self.storage = Array(string.utf8)
    }

    /// Wraps raw bytes.
    public init(bytes: [UInt8]) {
        self.storage = bytes
    }

    /// Gives scoped access to the secret's bytes.
    public func withBytes<Result, Failure: Error>(
        _ body: ([UInt8]) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(storage)
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }

    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }

    /// An empty mirror, so `dump` and reflection-based printers show nothing.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
