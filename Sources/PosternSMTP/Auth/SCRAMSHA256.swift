import Foundation

/// RFC 5802 / RFC 7677 SCRAM-SHA-256 without channel binding (`n,,`).
///
/// It proves the password without sending it and, unlike PLAIN, makes the server prove it
/// knows the password too: ``acceptSuccess()`` throws unless the server's `v=` signature
/// was received and verified, so a forged `235` is never taken as success.
public struct SCRAMSHA256: SASLClientMechanism {
    /// The lowest iteration count accepted (RFC 7677 §4: at least 4096).
    public static let minimumIterations = 4096
    /// The highest iteration count accepted, so a hostile server cannot burn the client's CPU.
    public static let maximumIterations = 1_000_000

    /// `SCRAM-SHA-256`.
    public var name: String { "SCRAM-SHA-256" }

    private enum State {
        case initial
        case sentClientFirst
        case sentClientFinal(expectedServerSignature: [UInt8])
        case verified
        case failed
    }

    private let username: String
    private let password: Secret
    private let clientNonce: String
    private var state = State.initial

    /// Creates the mechanism.
    /// - Parameter clientNonce: injected for tests; by default 24 random bytes in base64.
    public init(username: String, password: Secret, clientNonce: String? = nil) throws(SMTPError) {
        try rejectLineBreaksAndNUL(Array(username.utf8), what: "user name", code: .invalidParameter)
        self.username = try saslPrep(username, what: "user name")
        self.password = password
        if let clientNonce {
            guard !clientNonce.isEmpty, clientNonce.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != 0x2C })
            else { throw .dataError(.invalidParameter, "a SCRAM nonce must be printable ASCII without commas") }
            self.clientNonce = clientNonce
        } else {
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
            self.clientNonce = Data(bytes).base64EncodedString()
        }
    }

    private var clientFirstBare: String { "n=\(saslName(username)),r=\(clientNonce)" }

    /// See ``SASLClientMechanism/initialResponse()``.
    public mutating func initialResponse() throws(SMTPError) -> [UInt8]? {
        guard case .initial = state else { throw .authProtocol("SCRAM restarted") }
        state = .sentClientFirst
        return Array(("n,," + clientFirstBare).utf8)
    }

    /// See ``SASLClientMechanism/respond(toChallenge:)``.
    public mutating func respond(toChallenge challenge: [UInt8]) throws(SMTPError) -> [UInt8] {
        switch state {
        case .sentClientFirst:
            return try clientFinal(serverFirst: challenge)
        case .sentClientFinal(let expected):
            try verify(serverFinal: challenge, expected: expected)
            state = .verified
            return []
        default:
            state = .failed
            throw .authProtocol("unexpected SCRAM challenge")
        }
    }

    /// See ``SASLClientMechanism/acceptSuccess()``.
    public func acceptSuccess() throws(SMTPError) {
        guard case .verified = state else {
            throw SMTPError(
                code: .authServerSignatureInvalid, category: .protocolError, step: .auth,
                message: "the server claimed success without proving it knows the password (no SCRAM v=)")
        }
    }

    private mutating func clientFinal(serverFirst bytes: [UInt8]) throws(SMTPError) -> [UInt8] {
        state = .failed
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .authProtocol("the SCRAM server-first message is not printable ASCII")
        }
        let serverFirst = String(decoding: bytes, as: UTF8.self)
        let attributes = serverFirst.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard attributes.count >= 3, attributes[0].hasPrefix("r="), attributes[1].hasPrefix("s="),
            attributes[2].hasPrefix("i=")
        else {
            if serverFirst.hasPrefix("m=") { throw .authProtocol("the server requires an unknown SCRAM extension") }
            throw .authProtocol("malformed SCRAM server-first message")
        }
        let nonce = String(attributes[0].dropFirst(2))
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw .authProtocol("the SCRAM server nonce does not extend the client nonce")
        }
        guard let salt = Data(base64Encoded: String(attributes[1].dropFirst(2))), !salt.isEmpty else {
            throw .authProtocol("the SCRAM salt is not base64")
        }
        let iterationText = attributes[2].dropFirst(2)
        guard iterationText.count <= 9, let iterations = Int(iterationText),
            (Self.minimumIterations...Self.maximumIterations).contains(iterations)
        else {
            throw .authProtocol(
                "the SCRAM iteration count must be \(Self.minimumIterations)…\(Self.maximumIterations)")
        }
        let normalizedPassword = try password.withBytes { (bytes) throws(SMTPError) -> [UInt8] in
            if bytes.contains(0) { throw .dataError(.invalidParameter, "the password holds a NUL character") }
            return Array(try saslPrep(String(decoding: bytes, as: UTF8.self), what: "password").utf8)
        }
        let saltedPassword = pbkdf2HMACSHA256(password: normalizedPassword, salt: Array(salt), iterations: iterations)
        let clientKey = hmacSHA256(key: saltedPassword, Array("Client Key".utf8))
        let storedKey = sha256(clientKey)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = hmacSHA256(key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = hmacSHA256(key: saltedPassword, Array("Server Key".utf8))
        state = .sentClientFinal(expectedServerSignature: hmacSHA256(key: serverKey, authMessage))
        return Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }

    private mutating func verify(serverFinal bytes: [UInt8], expected: [UInt8]) throws(SMTPError) {
        state = .failed
        let text = String(decoding: bytes, as: UTF8.self)
        let first = text.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if first.hasPrefix("e=") {
            throw SMTPError(
                code: .authenticationFailed, category: .permanent, step: .auth,
                message:
                    "the SCRAM server reported \(SMTPMailbox.quoted(String(first.dropFirst(2)).prefix(64).description))"
            )
        }
        guard first.hasPrefix("v="), let signature = Data(base64Encoded: String(first.dropFirst(2))),
            constantTimeEqual(Array(signature), expected)
        else {
            throw SMTPError(
                code: .authServerSignatureInvalid, category: .protocolError, step: .auth,
                message: "the SCRAM server signature is wrong: the server does not know the password")
        }
    }
}
