/// An RFC 5322 message: the top-level entity with its message header fields.
public struct Message: Hashable, Sendable {
    /// The top-level entity (message headers + body).
    public var entity: MIMEEntity

    /// Wraps an entity as a message.
    public init(entity: MIMEEntity) { self.entity = entity }

    /// Parses a message from bytes; see ``MessageParser/parse(_:options:)``.
    public init<C: Collection>(parsing bytes: C, options: ParseOptions = ParseOptions()) throws
    where C.Element == UInt8 {
        self = try MessageParser.parse(bytes, options: options)
    }

    /// The message's header section.
    public var headers: Headers {
        get { entity.headers }
        set { entity.headers = newValue }
    }

    /// Whether any header holds UTF-8, so SMTP must use the SMTPUTF8 extension (RFC 6531).
    public var requiresSMTPUTF8: Bool { entity.headers.requiresSMTPUTF8 }

    /// Whether any body octet is ≥ 0x80 or NUL, so SMTP needs 8BITMIME unless re-encoded.
    public var requires8BitMIME: Bool { entity.containsEightBitBody }

    /// The decoded Subject, or `nil`.
    public var subject: String? { entity.headers.fields(named: "Subject").first?.decodedValue }

    /// The addresses in every field named `name` (From, To, Cc, Bcc, Reply-To, Sender…).
    public func addresses(in name: String) throws -> [MailAddress] {
        try entity.headers.fields(named: name).flatMap { try AddressParser.parseList($0.value) }
    }

    /// The envelope recipients a message names by default: every address in To, Cc and
    /// (when `includingBcc`) Bcc, in order, without duplicates (compared ignoring case).
    public func recipients(includingBcc: Bool = true) throws -> [MailAddress] {
        var seen: Set<String> = []
        var result: [MailAddress] = []
        for name in includingBcc ? ["To", "Cc", "Bcc"] : ["To", "Cc"] {
            for address in try addresses(in: name) where seen.insert(address.address.lowercased()).inserted {
                result.append(address)
            }
        }
        return result
    }

    /// A copy without any header field named `name` (e.g. `"Bcc"`), case-insensitively.
    public func removingHeader(_ name: String) -> Message {
        var copy = self
        copy.entity.headers.removeAll(named: name)
        return copy
    }

    /// The message with every leaf that needs it re-encoded (see ``MessageWriter/prepared(_:options:)``),
    /// and `MIME-Version: 1.0` added when a Content-Transfer-Encoding had to be introduced.
    public func prepared(options: WriteOptions = WriteOptions()) throws -> Message {
        var result = Message(entity: try MessageWriter.prepared(entity, options: options))
        if result != self, !result.headers.contains("MIME-Version") {
            result.entity.headers.append(try HeaderField(name: "MIME-Version", value: "1.0"))
        }
        return result
    }

    /// The canonical octets of the prepared message: CRLF line endings, no line over 998 octets.
    public func serialized(options: WriteOptions = WriteOptions()) throws -> [UInt8] {
        var out: [UInt8] = []
        MessageWriter.write(try prepared(options: options).entity, into: &out)
        return out
    }
}
