/// RFC 7628 OAUTHBEARER with a bearer token.
public struct SASLOAuthBearer: SASLClientMechanism {
    /// `OAUTHBEARER`.
    public var name: String { "OAUTHBEARER" }
    private let username: String
    private let token: Secret
    private var sentInitial = false
    private var sawError = false

    /// Creates the mechanism; throws a data error when the user name or token could break
    /// the message (CR, LF, NUL, 0x01, or `,`/`=` unescaped are handled by escaping).
    public init(username: String, token: Secret) throws(SMTPError) {
        try validateOAuthInputs(username: username, token: token)
        self.username = username
        self.token = token
    }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? {
        sentInitial = true
        let header = Array("n,a=\(saslName(username)),".utf8)
        return token.withBytes { header + [1] + Array("auth=Bearer ".utf8) + $0 + [1, 1] }
    }

    /// A challenge after the initial response carries the server's JSON error; RFC 7628
    /// §3.2.3 says to answer with a single 0x01 so the server can send the final 5xx.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        guard sentInitial, !sawError else { throw .authProtocol("unexpected OAUTHBEARER challenge") }
        sawError = true
        return [1]
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) {
        guard sentInitial, !sawError else { throw .authProtocol("235 after an OAUTHBEARER error") }
    }
}

/// Google's and Microsoft's XOAUTH2 with a bearer token.
public struct SASLXOAuth2: SASLClientMechanism {
    /// `XOAUTH2`.
    public var name: String { "XOAUTH2" }
    private let username: String
    private let token: Secret
    private var sentInitial = false
    private var sawError = false

    /// Creates the mechanism; throws a data error on CR, LF, NUL or 0x01 in the inputs.
    public init(username: String, token: Secret) throws(SMTPError) {
        try validateOAuthInputs(username: username, token: token)
        self.username = username
        self.token = token
    }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? {
        sentInitial = true
        let user = Array("user=\(username)".utf8)
        return token.withBytes { user + [1] + Array("auth=Bearer ".utf8) + $0 + [1, 1] }
    }

    /// The error challenge is answered with an empty response, after which the server fails.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        guard sentInitial, !sawError else { throw .authProtocol("unexpected XOAUTH2 challenge") }
        sawError = true
        return []
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) {
        guard sentInitial, !sawError else { throw .authProtocol("235 after an XOAUTH2 error") }
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
