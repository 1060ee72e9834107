/// An ordered header section. Lookups ignore the case of field names.
public struct Headers: Hashable, Sendable, RandomAccessCollection {
    /// The fields in order.
    public private(set) var fields: [HeaderField]

    /// Creates a header section from fields.
    public init(_ fields: [HeaderField] = []) { self.fields = fields }

    /// The index of the first field.
    public var startIndex: Int { fields.startIndex }
    /// The index past the last field.
    public var endIndex: Int { fields.endIndex }
    /// The field at `position`.
    public subscript(position: Int) -> HeaderField { fields[position] }

    /// The unfolded value of the first field named `name`, or `nil`.
    public subscript(name: String) -> String? { fields.first { $0.hasName(name) }?.value }

    /// Every field named `name`, in order.
    public func fields(named name: String) -> [HeaderField] { fields.filter { $0.hasName(name) } }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool { fields.contains { $0.hasName(name) } }

    /// Appends a field at the end.
    public mutating func append(_ field: HeaderField) { fields.append(field) }

    /// Inserts a field at `index`.
    public mutating func insert(_ field: HeaderField, at index: Int) { fields.insert(field, at: index) }

    /// Removes every field named `name`.
    public mutating func removeAll(named name: String) { fields.removeAll { $0.hasName(name) } }

    /// Removes every field for which `predicate` is true.
    public mutating func removeAll(where predicate: (HeaderField) throws -> Bool) rethrows {
        try fields.removeAll(where: predicate)
    }

    /// Replaces the first field named `name` in place (removing any others), or appends one.
    ///
    /// - Throws: ``MIMEError`` with ``MIMEError/Code/invalidHeaderValue`` when `value` holds CR, LF or NUL.
    public mutating func set(_ name: String, _ value: String) throws {
        let field = try HeaderField(name: name, value: value)
        replace(named: name, with: field)
    }

    /// Replaces the first field named `name` in place with `field` (removing any others), or appends it.
    public mutating func replace(named name: String, with field: HeaderField) {
        if let first = fields.firstIndex(where: { $0.hasName(name) }) {
            fields[first] = field
            var index = fields.index(after: first)
            while index < fields.endIndex {
                if fields[index].hasName(name) { fields.remove(at: index) } else { index += 1 }
            }
        } else {
            fields.append(field)
        }
    }

    /// A copy without any field named `name`.
    public func removing(_ name: String) -> Headers {
        var copy = self
        copy.removeAll(named: name)
        return copy
    }

    /// The parsed Content-Type, or `text/plain; charset=us-ascii` when absent (RFC 2045 §5.2).
    public func contentType() throws -> ContentType {
        guard let value = self["Content-Type"] else { return .defaultPlainText }
        return try ContentType(parsing: value)
    }

    /// The Content-Transfer-Encoding, lowercased, or `7bit` when absent.
    public var contentTransferEncoding: String {
        (self["Content-Transfer-Encoding"] ?? "7bit").lowercased()
    }

    /// Whether any field holds 8-bit (UTF-8) octets, which needs SMTPUTF8 to transmit.
    public var requiresSMTPUTF8: Bool { fields.contains { $0.containsEightBit } }

    /// The serialized header section, without the blank line that ends it.
    public var serialized: [UInt8] { fields.flatMap(\.serialized) }
}
