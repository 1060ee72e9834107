/// RFC 7628 OAUTHBEARER with a bearer token.
public struct SASLOAuthBearer: SASLClientMechanism {
    /// `OAUTHBEARER`.
    public var name: String { "OAUTHBEARER" }
    private var exchange: BearerTokenExchange

    /// Creates the mechanism; throws a data error when the user name or token could break
    /// the message (CR, LF, NUL, 0x01, or `,`/`=` unescaped are handled by escaping).
    public init(username: String, token: Secret) throws(SMTPError) {
        exchange = try BearerTokenExchange(
            mechanism: "OAUTHBEARER", header: Array("n,a=\(saslName(username)),".utf8), token: token,
            username: username)
    }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? { exchange.initialResponse() }

    /// A challenge after the initial response carries the server's JSON error; RFC 7628
    /// §3.2.3 says to answer with a single 0x01 so the server can send the final 5xx.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        try exchange.answerErrorChallenge(with: [1])
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) { try exchange.acceptSuccess() }
}

/// Google's and Microsoft's XOAUTH2 with a bearer token.
public struct SASLXOAuth2: SASLClientMechanism {
    /// `XOAUTH2`.
    public var name: String { "XOAUTH2" }
    private var exchange: BearerTokenExchange

    /// Creates the mechanism; throws a data error on CR, LF, NUL or 0x01 in the inputs.
    public init(username: String, token: Secret) throws(SMTPError) {
        exchange = try BearerTokenExchange(
            mechanism: "XOAUTH2", header: Array("user=\(username)".utf8), token: token, username: username)
    }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? { exchange.initialResponse() }

    /// The error challenge is answered with an empty response, after which the server fails.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        try exchange.answerErrorChallenge(with: [])
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) { try exchange.acceptSuccess() }
}

/// The dialogue OAUTHBEARER and XOAUTH2 share: one initial response
/// `HEADER 0x01 auth=Bearer TOKEN 0x01 0x01`, at most one error challenge (answered in the
/// mechanism's own way, after which the server fails), and no 235 after an error. The two
/// differ only in the header and in the answer to the error challenge.
private struct BearerTokenExchange {
    let mechanism: String
    let header: [UInt8]
    let token: Secret
    private var sentInitial = false
    private var sawError = false

    init(mechanism: String, header: [UInt8], token: Secret, username: String) throws(SMTPError) {
        try validateOAuthInputs(username: username, token: token)
        self.mechanism = mechanism
        self.header = header
        self.token = token
    }

    mutating func initialResponse() -> [UInt8] {
        sentInitial = true
        return token.withBytes { header + [1] + Array("auth=Bearer ".utf8) + $0 + [1, 1] }
    }

    mutating func answerErrorChallenge(with answer: [UInt8]) throws(SMTPError) -> [UInt8] {
        guard sentInitial, !sawError else { throw .authProtocol("unexpected \(mechanism) challenge") }
        sawError = true
        return answer
    }

    func acceptSuccess() throws(SMTPError) {
        guard sentInitial, !sawError else { throw .authProtocol("235 after an \(mechanism) error") }
    }
}

private func validateOAuthInputs(username: String, token: Secret) throws(SMTPError) {
    let user = Array(username.utf8)
    try rejectLineBreaksAndNUL(user, what: "user name", code: .invalidParameter)
    if user.contains(1) { throw .dataError(.invalidParameter, "the user name holds a 0x01 byte") }
    // RFC 6750 b64token: the token must be printable ASCII without spaces.
    try token.withBytes { (bytes) throws(SMTPError) in
        if bytes.isEmpty || bytes.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            throw .dataError(.invalidParameter, "the bearer token must be non-empty printable ASCII without spaces")
        }
    }
}

/// RFC 5802 saslname escaping: `=` → `=3D`, `,` → `=2C`.
func saslName(_ name: String) -> String {
    name.replacingOccurrencesOf("=", with: "=3D").replacingOccurrencesOf(",", with: "=2C")
}

extension String {
    func replacingOccurrencesOf(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
