/// Who sends to whom through which server: the part of a send known before any network.
public struct SendContext: Sendable, Hashable {
    /// Envelope sender (`--from`).
    public var sender: String?
    /// Envelope recipients (`--to`, or To/Cc/Bcc).
    public var recipients: [String]
    /// The server host name that policies match (`--server`, a `:PORT` suffix is ignored).
    public var server: String?

    /// Creates a context.
    public init(sender: String? = nil, recipients: [String] = [], server: String? = nil) {
        self.sender = sender
        self.recipients = recipients
        self.server = server
    }

    /// `server` without a `:PORT` suffix or brackets around an IPv6 literal.
    var serverHost: String? {
        guard var host = server else { return nil }
        // Fast path over bytes for plain ASCII without brackets or port (the common case):
        // the Character-based code below is several hundred nanoseconds on every resolve.
        let asciiWithoutColon = withBytes(of: host) { bytes in
            for byte in bytes where byte >= 0x80 || byte == 0x3A || byte == 0x5B { return false }
            return true
        }
        if asciiWithoutColon { return host }
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<close])
        }
        if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon,
            host[host.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber })
        {
            host = String(host[..<colon])
        }
        return host
    }
}

/// What is known at a checkpoint. Unknown facts are nil (or empty) and are not judged;
/// the submit stage fills in what each step has learnt before asking the policy.
public struct Facts: Sendable, Hashable {
    /// `--security` as asked by the user; nil means "the first mode the policy allows".
    public var requestedSecurity: SecurityMode?
    /// The mode actually in use on the connection.
    public var activeSecurity: SecurityMode?
    /// True when no TLS session could be established.
    public var tlsHandshakeFailed = false
    /// The negotiated TLS version.
    public var tlsVersion: TLSVersion?
    /// Whether the chain reached a trust anchor.
    public var certificateTrusted: Bool?
    /// Whether some certificate of the chain is outside its validity period.
    public var certificateExpired: Bool?
    /// Whether the leaf names the server (RFC 6125).
    public var hostnameMatches: Bool?
    /// SPKI pin of the leaf certificate.
    public var leafPin: SPKIPin?
    /// SPKI pins of the other certificates of the (verified) chain.
    public var chainPins: [SPKIPin] = []
    /// Whether EHLO offered STARTTLS (or the STARTTLS command was refused: false).
    public var starttlsOffered: Bool?
    /// Whether bytes arrived after the STARTTLS `220` and before the handshake.
    public var preTLSBytesSeen = false
    /// Whether the client intends to authenticate.
    public var authRequested = false
    /// AUTH mechanisms the server offered after the (last) EHLO.
    public var authMechanismsOffered: [AuthMechanism]?
    /// The mechanism the client is about to use.
    public var authMechanismChosen: AuthMechanism?
    /// Whether the connection is encrypted right now.
    public var connectionEncrypted: Bool?
    /// Signing asked for by the user.
    public var requestedSign: ProtectionFormat?
    /// Encryption asked for by the user.
    public var requestedEncrypt: ProtectionFormat?
    /// Whether a usable signing key exists for the format that will sign.
    public var signingKeyAvailable: Bool?
    /// Recipients without a usable key or certificate.
    public var recipientsWithoutKey: [String] = []
    /// Recipients whose key is expired, revoked, untrusted, too weak or lacks the usage.
    public var recipientsWithInvalidKey: [String] = []
    /// Smallest RSA modulus among the recipient and signer keys, in bits.
    public var weakestRSABits: Int?
    /// The S/MIME content cipher about to be used.
    public var smimeCipher: SMIMECipher?
    /// The S/MIME digest about to be used.
    public var smimeDigest: DigestAlgorithm?
    /// Size of the message as it will be sent, in bytes.
    public var messageSize: UInt64?

    /// No facts known.
    public init() {}
}
