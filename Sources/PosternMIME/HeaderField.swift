/// One header field: its name and its value exactly as it will be written.
///
/// The raw value keeps the original folding (with CRLF line breaks) so a parsed
/// message is written back byte for byte; ``value`` is the unfolded form for
/// reading and ``decodedValue`` additionally decodes RFC 2047 encoded words.
public struct HeaderField: Hashable, Sendable {
    /// The field name as written (compare with ``hasName(_:)``, which ignores case).
    public let name: String
    /// The octets after the colon, folding included (CRLF + WSP), without the final CRLF.
    public let rawValue: [UInt8]

    /// Creates a field from a name and an unfolded value, folding it at white space
    /// when it is long.
    ///
    /// - Important: A value holding CR, LF or NUL is refused (``MIMEError/Code/invalidHeaderValue``):
    ///   it could inject header fields or end the header section early.
    public init(name: String, value: String) throws {
        try HeaderField.validate(name: name)
        let bytes = Array(value.utf8)
        if bytes.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
            throw MIMEError(.invalidHeaderValue, "the value of \(name) holds CR, LF or NUL")
        }
        self.name = name
        self.rawValue = try HeaderFolding.fold(nameLength: name.utf8.count, value: bytes)
    }

    /// Creates a field from already-canonical raw octets (used by the parser).
    init(name: String, rawValue: [UInt8]) {
        self.name = name
        self.rawValue = rawValue
    }

    /// The value unfolded (CRLF before white space removed) and trimmed of surrounding white space.
    public var value: String {
        var unfolded: [UInt8] = []
        unfolded.reserveCapacity(rawValue.count)
        var index = 0
        while index < rawValue.count {
            if rawValue[index] == 0x0D, index + 1 < rawValue.count, rawValue[index + 1] == 0x0A {
                index += 2
                continue
            }
            unfolded.append(rawValue[index])
            index += 1
        }
        let trimmed = unfolded.trimmingWhiteSpace()
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// The unfolded value with RFC 2047 encoded words decoded, for display.
    public var decodedValue: String { EncodedWords.decode(value) }

    /// Whether the field's name is `other`, ignoring ASCII case.
    public func hasName(_ other: String) -> Bool {
        name.utf8.count == other.utf8.count && name.lowercased() == other.lowercased()
    }

    /// Whether the raw value holds octets ≥ 0x80 (UTF-8, which needs SMTPUTF8 to transmit).
    public var containsEightBit: Bool { rawValue.contains { $0 >= 0x80 } }

    /// The serialized field: `name:raw-value CRLF`.
    public var serialized: [UInt8] {
        var out = Array(name.utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: rawValue)
        out.append(0x0D)
        out.append(0x0A)
        return out
    }

    static func validate(name: String) throws {
        let bytes = Array(name.utf8)
        // RFC 5322 ftext: printable US-ASCII except colon.
        if bytes.isEmpty || bytes.contains(where: { $0 < 33 || $0 > 126 || $0 == UInt8(ascii: ":") }) {
            throw MIMEError(.invalidHeaderName, "invalid header field name \"\(name)\"")
        }
    }
}

/// Folding of header values created through the API.
enum HeaderFolding {
    /// Folds `value` at white space so physical lines stay near 78 octets; a line that
    /// cannot be folded under 998 octets is an error (RFC 5322 §2.1.1).
    static func fold(nameLength: Int, value: [UInt8]) throws -> [UInt8] {
        let words = value.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        var out: [UInt8] = []
        var lineLength = nameLength + 1  // "Name:"
        for word in words {
            if lineLength + 1 + word.count > 78, lineLength > nameLength + 1 {
                out.append(contentsOf: [0x0D, 0x0A])
                lineLength = 0
            }
            out.append(0x20)
            out.append(contentsOf: word)
            lineLength += 1 + word.count
            if lineLength > 998 {
                throw MIMEError(.invalidHeaderValue, "a word in the header value is too long to fold under 998 octets")
            }
        }
        if words.isEmpty { out.append(0x20) }
        return out
    }
}

extension Collection where Element == UInt8 {
    /// The bytes without leading and trailing SP/HTAB.
    func trimmingWhiteSpace() -> SubSequence {
        let isWSP: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard let first = firstIndex(where: { !isWSP($0) }) else { return self[endIndex..<endIndex] }
        var last = first
        var index = first
        while index != endIndex {
            if !isWSP(self[index]) { last = index }
            index = self.index(after: index)
        }
        return self[first...last]
    }
}
