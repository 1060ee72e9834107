/// A contract violation code (CONTRACT.md §4) that the TLS layer can establish.
///
/// A struct with a raw string rather than an enum, so codes can be added without breaking callers, and so the
/// value maps one-to-one onto the policy module's `ViolationCode` by `rawValue`.
public struct TLSFindingCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code exactly as the contract spells it, for example `"pin-mismatch"`.
    public var rawValue: String

    /// Creates a code from its contract spelling.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// No chain to a trust anchor (self-signed, unknown CA, broken chain, unparsable certificate).
    public static let certificateUntrusted = TLSFindingCode(rawValue: "certificate-untrusted")
    /// A certificate of the chain is outside its validity period (expired or not yet valid).
    public static let certificateExpired = TLSFindingCode(rawValue: "certificate-expired")
    /// The leaf certificate does not name the server (RFC 6125; no CN fallback when SANs exist).
    public static let hostnameMismatch = TLSFindingCode(rawValue: "hostname-mismatch")
    /// Pins are configured and none of a pin set matches.
    public static let pinMismatch = TLSFindingCode(rawValue: "pin-mismatch")
    /// The negotiated (or the only possible) TLS version is below the policy's `min-tls`.
    public static let tlsVersionTooLow = TLSFindingCode(rawValue: "tls-version-too-low")
    /// No TLS session could be established, for a reason no more specific code describes.
    public static let tlsHandshakeFailed = TLSFindingCode(rawValue: "tls-handshake-failed")

    /// The contract spelling.
    public var description: String { rawValue }
}

/// One thing the TLS layer found wrong with a connection: a contract code plus a human explanation.
///
/// The message never contains secrets; it may contain certificate subjects, pins and host names.
public struct TLSFinding: Hashable, Sendable, CustomStringConvertible {
    /// The contract violation code.
    public var code: TLSFindingCode
    /// A short human explanation (for the report's `message` field).
    public var message: String

    /// Creates a finding.
    public init(code: TLSFindingCode, message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
