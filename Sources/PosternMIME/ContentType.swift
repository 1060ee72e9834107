/// A parsed Content-Type (RFC 2045 §5) with parameters, RFC 2231 continuations
/// and charset-encoded values decoded.
public struct ContentType: Hashable, Sendable, CustomStringConvertible {
    /// One `name=value` parameter; the name is lowercased.
    public struct Parameter: Hashable, Sendable {
        /// The parameter name, lowercased (names are case-insensitive).
        public var name: String
        /// The decoded value.
        public var value: String
        /// Creates a parameter.
        public init(_ name: String, _ value: String) {
            self.name = name.lowercased()
            self.value = value
        }
    }

    /// The top-level type, lowercased (`text`, `multipart`…).
    public var type: String
    /// The subtype, lowercased (`plain`, `mixed`…).
    public var subtype: String
    /// The parameters in order of first appearance.
    public var parameters: [Parameter]

    /// Creates a content type.
    public init(type: String, subtype: String, parameters: [Parameter] = []) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// `text/plain; charset=us-ascii`, the default when no Content-Type is given.
    public static let defaultPlainText = ContentType(
        type: "text", subtype: "plain", parameters: [Parameter("charset", "us-ascii")])

    /// `type/subtype`.
    public var mimeType: String { "\(type)/\(subtype)" }
    /// Whether the type is `multipart/*`.
    public var isMultipart: Bool { type == "multipart" }
    /// Whether the type is `text/*`.
    public var isText: Bool { type == "text" }

    /// The value of parameter `name` (case-insensitive), or `nil`.
    public subscript(parameter name: String) -> String? {
        get {
            let key = name.lowercased()
            return parameters.first { $0.name == key }?.value
        }
        set {
            let key = name.lowercased()
            parameters.removeAll { $0.name == key }
            if let newValue { parameters.append(Parameter(key, newValue)) }
        }
    }

    /// Parses a Content-Type field value.
    ///
    /// - Throws: ``MIMEError`` with ``MIMEError/Code/malformedContentType`` when there is no
    ///   `type/subtype` or a parameter is not `name=value`.
    public init(parsing value: String) throws {
        var scanner = ParameterScanner(value)
        guard let type = scanner.token(), scanner.consume("/"), let subtype = scanner.token() else {
            throw MIMEError(.malformedContentType, "Content-Type \"\(value)\" has no type/subtype")
        }
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = try ParameterScanner.parseParameters(&scanner, in: value)
    }

    /// The field value: `type/subtype; name=value…`, quoting values that are not tokens and
    /// writing non-ASCII values in RFC 2231 form (`name*=utf-8''%XX`).
    public var description: String {
        var out = mimeType
        for parameter in parameters {
            out += "; " + ParameterScanner.serialize(parameter)
        }
        return out
    }
}
