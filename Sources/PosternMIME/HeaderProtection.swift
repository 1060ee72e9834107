/// Header Protection for cryptographically protected mail (RFC 9788), using the
/// "Injected Headers" scheme: the real header fields travel inside the
/// Cryptographic Payload, whose root Content-Type carries `hp="clear"` (signed
/// only) or `hp="cipher"` (encrypted); the outer header section of an encrypted
/// message is passed through a Header Confidentiality Policy (`[...]` Subject).
public enum HeaderProtection {
    /// How the payload will be protected.
    public enum Protection: String, Hashable, Sendable {
        /// Signed only: `hp="clear"`, outer headers unchanged.
        case signed = "clear"
        /// Encrypted (and maybe signed): `hp="cipher"`, outer headers obscured, `HP-Outer` recorded.
        case encrypted = "cipher"
    }

    /// A Header Confidentiality Policy: maps each outer header field to its replacement,
    /// or `nil` to leave it out of the outer header section.
    public struct ConfidentialityPolicy: Sendable {
        /// The transform applied to each non-structural field of an encrypted message.
        public var transform: @Sendable (HeaderField) throws -> HeaderField?

        /// Creates a policy from a transform.
        public init(transform: @escaping @Sendable (HeaderField) throws -> HeaderField?) {
            self.transform = transform
        }

        /// `hcp_baseline` (RFC 9788 §3.2.1): Subject becomes `[...]`; Comments and Keywords are
        /// removed; every other field is kept.
        public static let baseline = ConfidentialityPolicy { field in
            if field.hasName("Subject") { return try HeaderField(name: field.name, value: obscuredSubject) }
            if field.hasName("Comments") || field.hasName("Keywords") { return nil }
            return field
        }
    }

    /// The Subject shown outside an encrypted message.
    public static let obscuredSubject = "[...]"

    /// What ``protect(_:as:policy:writeOptions:)`` produces.
    public struct Result: Hashable, Sendable {
        /// The Cryptographic Payload to sign/encrypt: the message's content headers (Content-Type
        /// with `hp`), every protected header field injected, `HP-Outer` fields when encrypting,
        /// and the prepared body.
        public var inner: MIMEEntity
        /// The header fields for the outer message: `MIME-Version` and the non-structural fields,
        /// obscured by the policy when encrypting. No Content-* fields: the crypto layer adds its own.
        public var outerHeaders: Headers

        /// Combines ``outerHeaders`` with the protected entity the crypto layer built
        /// (e.g. `multipart/signed` or `application/pkcs7-mime`) into the message to send.
        public func outerMessage(wrapping protected: MIMEEntity) -> Message {
            var headers = outerHeaders
            for field in protected.headers where isStructural(field) && !field.hasName("MIME-Version") {
                headers.append(field)
            }
            return Message(entity: MIMEEntity(headers: headers, body: protected.body))
        }
    }

    /// Builds the protected inner entity and the outer header section for `message`.
    ///
    /// - Important: `Bcc` (and `Resent-Bcc`) is never copied to either output: Bcc recipients are handled by
    ///   the envelope alone, and copying it would disclose them to every recipient.
    /// - Parameters:
    ///   - writeOptions: applied to the inner body before it is returned; the default makes it
    ///     7-bit clean, as signing wants (RFC 8551 §3.1.1).
    public static func protect(
        _ message: Message,
        as protection: Protection,
        policy: ConfidentialityPolicy = .baseline,
        writeOptions: WriteOptions = WriteOptions(sevenBitClean: true)
    ) throws -> Result {
        let original = message.headers
        let nonStructural = original.filter {
            !isStructural($0) && !$0.hasName("Bcc") && !$0.hasName("Resent-Bcc") && !$0.hasName("HP-Outer")
        }

        var outer = Headers()
        outer.append(try HeaderField(name: "MIME-Version", value: "1.0"))
        switch protection {
        case .signed:
            for field in nonStructural { outer.append(field) }
        case .encrypted:
            for field in nonStructural {
                if let transformed = try policy.transform(field) { outer.append(transformed) }
            }
        }

        let prepared = try MessageWriter.prepared(message.entity, options: writeOptions)
        var contentType = try prepared.headers.contentType()
        contentType[parameter: "hp"] = protection.rawValue
        var inner = Headers()
        inner.append(try HeaderField(name: "Content-Type", value: contentType.description))
        for field in prepared.headers
        where isStructural(field) && !field.hasName("Content-Type")
            && !field.hasName("MIME-Version")
        {
            inner.append(field)
        }
        for field in nonStructural { inner.append(field) }
        if protection == .encrypted {
            // RFC 9788 §2.2.1: record each outer field so a reader can tell what was removed or changed.
            for field in outer where !field.hasName("MIME-Version") {
                inner.append(try HeaderField(name: "HP-Outer", value: "\(field.name): \(field.value)"))
            }
        }
        if writeOptions.sevenBitClean {
            // The injected fields are part of the signed content, which must be 7-bit (RFC 8551 §3.1.1).
            inner = try HeaderEncoding.sevenBit(inner)
        }
        return Result(inner: MIMEEntity(headers: inner, body: prepared.body), outerHeaders: outer)
    }

    /// Whether a field describes the MIME structure (Content-*, MIME-Version) rather than the message.
    static func isStructural(_ field: HeaderField) -> Bool {
        field.name.lowercased().hasPrefix("content-") || field.hasName("MIME-Version")
    }
}
