#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `--server` name, classified: an IP literal is matched against iPAddress SANs and never sent as SNI;
/// anything else is a DNS name matched against dNSName SANs (RFC 6125) and sent as SNI.
public enum ServerName: Sendable, Hashable {
    /// A DNS host name.
    case dns(String)
    /// An IPv4 or IPv6 literal (without brackets).
    case ipAddress(String)

    /// Classifies a `--server` host (an IPv6 literal may come in brackets).
    public init(_ host: String) {
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]"), literal.count >= 2 {
            literal = String(literal.dropFirst().dropLast())
        }
        if Self.isIPLiteral(literal) {
            self = .ipAddress(literal)
        } else {
            self = .dns(host)
        }
    }

    /// The name for the TLS SNI extension: the DNS name, or `nil` for an IP literal (RFC 6066 §3 forbids those).
    public var sniHostname: String? {
        if case .dns(let name) = self { return name }
        return nil
    }

    static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return text.withCString { inet_pton(AF_INET, $0, &v4) == 1 || inet_pton(AF_INET6, $0, &v6) == 1 }
    }
}
