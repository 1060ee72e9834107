/// A MIME entity: a header section and a body that is either a leaf (its encoded
/// octets) or a multipart of further entities.
///
/// Everything held here is already canonical: header folding and body line
/// endings are CRLF. Leaf bodies stay in their transfer encoding, so writing an
/// unchanged parsed entity reproduces its octets; ``decodedBody()`` decodes.
public struct MIMEEntity: Hashable, Sendable {
    /// The body of an entity.
    public enum Body: Hashable, Sendable {
        /// The octets of a leaf, in the entity's Content-Transfer-Encoding, CRLF line endings.
        case leaf([UInt8])
        /// A multipart body.
        case multipart(Multipart)
        /// An encapsulated message (`message/rfc822`, `message/global`), parsed so that its
        /// parts can be canonicalised and re-encoded like any other (RFC 2046 §5.2.1 forbids
        /// encoding the message/rfc822 entity itself).
        indirect case message(MIMEEntity)
    }

    /// The header section (for a nested part: its content headers).
    public var headers: Headers
    /// The body.
    public var body: Body

    /// Creates an entity.
    public init(headers: Headers, body: Body) {
        self.headers = headers
        self.body = body
    }

    /// A leaf entity with the given content type and already-encoded body octets.
    /// The body's line endings are canonicalised to CRLF.
    public init(contentType: ContentType, transferEncoding: String? = nil, encodedBody: [UInt8]) throws {
        var headers = Headers()
        try headers.set("Content-Type", contentType.description)
        if let transferEncoding { try headers.set("Content-Transfer-Encoding", transferEncoding) }
        self.init(headers: headers, body: .leaf(Canonicalizer.canonicalLineEndings(encodedBody)))
    }

    /// The parsed Content-Type (default `text/plain; charset=us-ascii`).
    public func contentType() throws -> ContentType { try headers.contentType() }

    /// The leaf body decoded from its Content-Transfer-Encoding; `nil` for a multipart.
    public func decodedBody() throws -> [UInt8]? {
        guard case .leaf(let bytes) = body else { return nil }
        return try TransferEncoding.decode(bytes[...], encoding: headers.contentTransferEncoding)
    }

    /// The canonical octets of this entity (header section, blank line, body) after
    /// ``MessageWriter/prepared(_:options:)``. Preparing is idempotent, so an entity that was
    /// already prepared (e.g. ``HeaderProtection/Result/inner``) is written exactly as it is:
    /// these are the octets to sign or encrypt.
    public func serialized(options: WriteOptions = WriteOptions()) throws -> [UInt8] {
        try MessageWriter.serialize(self, options: options)
    }

    /// The multipart body, or `nil` for a leaf.
    public var multipart: Multipart? {
        if case .multipart(let multipart) = body { return multipart }
        return nil
    }

    /// The encapsulated message of a `message/rfc822` entity, or `nil`.
    public var encapsulatedMessage: MIMEEntity? {
        if case .message(let inner) = body { return inner }
        return nil
    }

    /// Every leaf entity, depth first (descending into multiparts and encapsulated messages).
    public var leaves: [MIMEEntity] {
        switch body {
        case .leaf: [self]
        case .multipart(let multipart): multipart.parts.flatMap(\.leaves)
        case .message(let inner): inner.leaves
        }
    }

    /// Whether any body octet (part headers included, the top-level header section excluded)
    /// is ≥ 0x80 or NUL, i.e. the message needs 8BITMIME unless re-encoded.
    public var containsEightBitBody: Bool {
        switch body {
        case .leaf(let bytes): Canonicalizer.containsEightBitOrNUL(bytes)
        case .multipart(let multipart):
            multipart.parts.contains { $0.headers.requiresSMTPUTF8 || $0.containsEightBitBody }
                || Canonicalizer.containsEightBitOrNUL(multipart.preamble ?? [])
                || Canonicalizer.containsEightBitOrNUL(multipart.epilogue ?? [])
        case .message(let inner): inner.headers.requiresSMTPUTF8 || inner.containsEightBitBody
        }
    }
}

/// A multipart body (RFC 2046 §5.1).
public struct Multipart: Hashable, Sendable {
    /// The boundary, as in the Content-Type's `boundary` parameter.
    public var boundary: String
    /// The text before the first boundary, if any (ignored by readers).
    public var preamble: [UInt8]?
    /// The body parts.
    public var parts: [MIMEEntity]
    /// The text after the closing boundary, if any (ignored by readers).
    public var epilogue: [UInt8]?

    /// Creates a multipart body.
    public init(boundary: String, preamble: [UInt8]? = nil, parts: [MIMEEntity], epilogue: [UInt8]? = nil) {
        self.boundary = boundary
        self.preamble = preamble
        self.parts = parts
        self.epilogue = epilogue
    }
}
