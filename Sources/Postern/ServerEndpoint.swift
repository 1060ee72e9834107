/// A server named as `HOST[:PORT]` (`[IPv6]:PORT` for IPv6 literals).
///
/// The host is what policies match and what the certificate must name; the port is
/// optional because the security mode chooses the default (465 or 587).
public struct ServerEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// The host name or address literal, without brackets.
    public var host: String
    /// The port, or `nil` when it was not given.
    public var port: Int?

    /// Creates an endpoint from its parts.
    public init(host: String, port: Int?) {
        self.host = host
        self.port = port
    }

    /// Why `HOST[:PORT]` text could not be parsed.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// What is wrong, without repeating the whole input.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Parses `HOST`, `HOST:PORT`, `[IPv6]` or `[IPv6]:PORT`.
    public init(parsing text: String) throws(ParseError) {
        guard !text.isEmpty, text.utf8.count <= 300 else {
            throw ParseError(message: "expected HOST[:PORT]")
        }
        var hostPart = Substring(text)
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ParseError(message: "unterminated [IPv6] literal")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw ParseError(message: "expected :PORT after ]") }
                portPart = rest.dropFirst()
            }
            guard !hostPart.isEmpty, hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ParseError(message: "not an IPv6 literal inside [ ]")
            }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons > 1 {
                throw ParseError(message: "write an IPv6 address as [ADDRESS]:PORT")
            }
            if colons == 1, let colon = text.firstIndex(of: ":") {
                hostPart = text[..<colon]
                portPart = text[text.index(after: colon)...]
            }
            guard !hostPart.isEmpty, hostPart.utf8.count <= 253,
                hostPart.unicodeScalars.allSatisfy({ Self.isHostScalar($0) })
            else {
                throw ParseError(message: "the host must be a DNS name or an address")
            }
        }
        var port: Int?
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(portPart), (1...65535).contains(value)
            else {
                throw ParseError(message: "the port must be a number from 1 to 65535")
            }
            port = value
        }
        self.init(host: String(hostPart), port: port)
    }

    private static func isHostScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", "_": true
        default: false
        }
    }

    /// `HOST`, `HOST:PORT` or `[IPv6]:PORT`.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        guard let port else { return shownHost }
        return "\(shownHost):\(port)"
    }
}
