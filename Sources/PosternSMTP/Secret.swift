#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A password or token, held as bytes that never print.
///
/// The one secret type of Postern: the facade's password sources produce it and the SMTP
/// layer's AUTH mechanisms consume it, so the bytes are not copied between two wrappers.
///
/// `description`, `debugDescription`, string interpolation, `dump` and the mirror all
/// show `<redacted>`. The type is deliberately not `Codable`, `Equatable` or
/// `Hashable`, so it cannot end up in a report, a log or a comparison that leaks
/// timing by accident. Read the bytes only inside ``withUnsafeBytes(_:)``.
///
/// - Important: The storage is zeroed (`explicit_bzero` / `memset_s`) when the last
///   reference goes away, but Swift gives no guarantee that no other copy exists:
///   the `String` an environment variable came from, the buffers Foundation used
///   while reading a pipe or a file, and anything a caller builds from
///   ``withUnsafeBytes(_:)`` (an AUTH PLAIN line) are outside this type's control and
///   may stay in memory until it is reused. Zeroing narrows the window; it does not
///   make memory disclosure harmless. Keep a `Secret` alive only as long as needed.
public final class Secret: @unchecked Sendable {
    // @unchecked: the buffer is written once in `init`, only read afterwards, and
    // freed in `deinit`, so sharing across tasks is safe.
    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into zeroable storage.
    public init(bytes: some Collection<UInt8>) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        var index = 0
        for byte in bytes {
            storage[index] = byte
            index += 1
        }
        count = bytes.count
    }

    /// Copies the UTF-8 bytes of `text`.
    public convenience init(utf8 text: String) {
        self.init(bytes: Array(text.utf8))
    }

    /// Copies the UTF-8 bytes of `text` (the same as ``init(utf8:)``).
    public convenience init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    deinit {
        Self.zero(storage)
        storage.deallocate()
    }

    /// The number of bytes.
    public let count: Int

    /// Whether the secret has no bytes.
    public var isEmpty: Bool { count == 0 }

    /// Calls `body` with the secret's bytes. The pointer must not escape `body`.
    public func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[0..<count]))
    }

    /// Calls `body` with a transient array copy of the bytes, zeroed when `body` returns.
    ///
    /// For code that needs `[UInt8]` (building an AUTH line); what `body` builds from it is
    /// the caller's to keep short-lived.
    public func withBytes<Result, Failure: Error>(
        _ body: ([UInt8]) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var copy = withUnsafeBytes { Array($0) }
        defer { Self.zero(&copy) }
        return try body(copy)
    }

    /// Overwrites `buffer` with zeros in a way the optimiser may not remove.
    package static func zero(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        #if canImport(Darwin)
            _ = memset_s(base, buffer.count, 0, buffer.count)
        #else
            explicit_bzero(base, buffer.count)
        #endif
    }

    /// Zeros an array of bytes in place (used on the transient copies password readers make).
    package static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { zero($0) }
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
    /// A mirror without children, so `dump` and debuggers show nothing but `<redacted>`.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
