/// A parsed Content-Disposition (RFC 2183): `inline` or `attachment` with parameters such as
/// `filename`, RFC 2231 values decoded.
public struct ContentDisposition: Hashable, Sendable, CustomStringConvertible {
    /// The disposition type, lowercased.
    public var type: String
    /// The parameters in order.
    public var parameters: [ContentType.Parameter]

    /// Creates a disposition.
    public init(type: String, parameters: [ContentType.Parameter] = []) {
        self.type = type.lowercased()
        self.parameters = parameters
    }

    /// Parses a Content-Disposition field value.
    ///
    /// - Throws: ``MIMEError`` with ``MIMEError/Code/malformedContentType`` when it cannot be read.
    public init(parsing value: String) throws {
        var scanner = ParameterScanner(value)
        guard let type = scanner.token() else {
            throw MIMEError(.malformedContentType, "Content-Disposition \"\(value)\" has no type")
        }
        self.type = type.lowercased()
        self.parameters = try ParameterScanner.parseParameters(&scanner, in: value)
    }

    /// The value of parameter `name` (case-insensitive), or `nil`.
    public subscript(parameter name: String) -> String? {
        let key = name.lowercased()
        return parameters.first { $0.name == key }?.value
    }

    /// The field value, non-ASCII parameters in RFC 2231 form.
    public var description: String {
        ([type] + parameters.map(ParameterScanner.serialize)).joined(separator: "; ")
    }
}
