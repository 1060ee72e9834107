/// The credentials for SMTP AUTH.
public struct SMTPCredentials: Sendable, CustomStringConvertible {
    /// What proves the user's identity.
    public enum Proof: Sendable {
        /// A password, for SCRAM-SHA-256, PLAIN and LOGIN.
        case password(Secret)
        /// An OAuth 2.0 bearer token, for OAUTHBEARER and XOAUTH2.
        case bearerToken(Secret)
    }

    /// The user name (authentication identity).
    public var username: String
    /// The password or token.
    public var proof: Proof

    /// Creates credentials.
    public init(username: String, proof: Proof) {
        self.username = username
        self.proof = proof
    }

    /// The user name only; the proof is `<redacted>`.
    public var description: String { "SMTPCredentials(username: \(username), proof: <redacted>)" }
}

/// One client side of a SASL mechanism (RFC 4422) as a pure value: bytes in, bytes out.
///
/// The state machine sends ``initialResponse()`` with `AUTH`, answers every `334` challenge
/// with ``respond(toChallenge:)`` and, on `235`, calls ``acceptSuccess()``, which a mechanism
/// that authenticates the server (SCRAM) uses to refuse a success it has not verified.
public protocol SASLClientMechanism: Sendable {
    /// The IANA name, e.g. `SCRAM-SHA-256`.
    var name: String { get }
    /// The initial response to send with `AUTH`, or nil to wait for the first challenge.
    mutating func initialResponse() throws(SMTPError) -> [UInt8]?
    /// The answer to a decoded `334` challenge.
    mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8]
    /// Called on `235`; throws if the mechanism's exchange is not complete and verified.
    func acceptSuccess() throws(SMTPError)
}

extension SMTPError {
    static func authProtocol(_ message: String) -> SMTPError {
        SMTPError(code: .authProtocolError, category: .protocolError, step: .auth, message: message)
    }
}

/// RFC 4616 PLAIN: `authzid NUL authcid NUL password` in the initial response.
public struct SASLPlain: SASLClientMechanism {
    /// `PLAIN`.
    public var name: String { "PLAIN" }
    private let username: String
    private let password: Secret
    private var sent = false

    /// Creates the mechanism; throws a data error when the user name holds NUL, CR or LF.
    public init(username: String, password: Secret) throws(SMTPError) {
        try rejectLineBreaksAndNUL(Array(username.utf8), what: "user name", code: .invalidParameter)
        try password.withBytes { (bytes) throws(SMTPError) in
            if bytes.contains(0) { throw .dataError(.invalidParameter, "the password holds a NUL character") }
        }
        self.username = username
        self.password = password
    }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? {
        sent = true
        return password.withBytes { [0] + Array(username.utf8) + [0] + $0 }
    }

    /// See ``SASLClientMechanism/respond(toChallenge:)``.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        throw .authProtocol("the server sent a challenge after the PLAIN response")
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) {
        guard sent else { throw .authProtocol("235 before the PLAIN response was sent") }
    }
}

/// The obsolete but common LOGIN mechanism: user name, then password, each on a challenge.
public struct SASLLogin: SASLClientMechanism {
    /// `LOGIN`.
    public var name: String { "LOGIN" }
    private let username: String
    private let password: Secret
    private var round = 0

    /// Creates the mechanism; throws a data error when the user name holds NUL, CR or LF.
    public init(username: String, password: Secret) throws(SMTPError) {
        try rejectLineBreaksAndNUL(Array(username.utf8), what: "user name", code: .invalidParameter)
        self.username = username
        self.password = password
    }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? { nil }

    /// See ``SASLClientMechanism/respond(toChallenge:)``.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        round += 1
        switch round {
        case 1: return Array(username.utf8)
        case 2: return password.withBytes { $0 }
        default: throw .authProtocol("the server sent more than two LOGIN challenges")
        }
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) {
        guard round == 2 else { throw .authProtocol("235 before the LOGIN password was sent") }
    }
}
