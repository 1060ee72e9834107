import Foundation
import Testing

@testable import PosternSMTP

@Suite("SASL mechanisms")
struct SASLTests {
    // RFC 7677 §3.
    static let rfcNonce = "rOprNGfwEbeRWgbNEkqO"
    static let rfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let rfcClientFinal =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let rfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    @Test func scramMatchesRFC7677TestVector() throws {
        var scram = try SCRAMSHA256(username: "user", password: Secret("pencil"), clientNonce: Self.rfcNonce)
        #expect(try scram.initialResponse() == [UInt8]("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))
        #expect(throws: SMTPError.self) { try scram.acceptSuccess() }
        let clientFinal = try scram.respond(toChallenge: [UInt8](Self.rfcServerFirst))
        #expect(String(decoding: clientFinal, as: UTF8.self) == Self.rfcClientFinal)
        #expect(throws: SMTPError.self) { try scram.acceptSuccess() }
        #expect(try scram.respond(toChallenge: [UInt8](Self.rfcServerFinal)) == [])
        try scram.acceptSuccess()
    }

    @Test(
        "a wrong or missing server signature is an error",
        arguments: [
            "v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "v=", "v=!!!", "x=1", "",
        ])
    func scramRejectsBadServerSignature(_ serverFinal: String) throws {
        var scram = try SCRAMSHA256(username: "user", password: Secret("pencil"), clientNonce: Self.rfcNonce)
        _ = try scram.initialResponse()
        _ = try scram.respond(toChallenge: [UInt8](Self.rfcServerFirst))
        #expect { try scram.respond(toChallenge: [UInt8](serverFinal)) } throws: {
            ($0 as? SMTPError)?.code == .authServerSignatureInvalid
        }
        #expect(throws: SMTPError.self) { try scram.acceptSuccess() }
    }

    @Test(
        "malformed server-first messages",
        arguments: [
            "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // nonce not ours
            "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // not extended
            "r=rOprNGfwEbeRWgbNEkqOx,s=***,i=4096",
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",  // too weak
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",  // CPU burn
            "m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "garbage",
        ])
    func scramRejectsMalformedServerFirst(_ serverFirst: String) throws {
        var scram = try SCRAMSHA256(username: "user", password: Secret("pencil"), clientNonce: Self.rfcNonce)
        _ = try scram.initialResponse()
        #expect { try scram.respond(toChallenge: [UInt8](serverFirst)) } throws: {
            ($0 as? SMTPError)?.code == .authProtocolError
        }
    }

    @Test func scramServerErrorIsAuthFailure() throws {
        var scram = try SCRAMSHA256(username: "user", password: Secret("pencil"), clientNonce: Self.rfcNonce)
        _ = try scram.initialResponse()
        _ = try scram.respond(toChallenge: [UInt8](Self.rfcServerFirst))
        #expect { try scram.respond(toChallenge: [UInt8]("e=invalid-proof")) } throws: {
            ($0 as? SMTPError)?.code == .authenticationFailed
        }
    }

    @Test func scramEscapesUserNames() throws {
        var scram = try SCRAMSHA256(username: "a=b,c", password: Secret("p"), clientNonce: "abc")
        #expect(try scram.initialResponse() == [UInt8]("n,,n=a=3Db=2Cc,r=abc"))
    }

    @Test func saslPrepMapsAndRejects() throws {
        #expect(try saslPrep("I\u{00AD}X", what: "p") == "IX")
        #expect(try saslPrep("a\u{00A0}b", what: "p") == "a b")
        #expect(try saslPrep("\u{2168}", what: "p") == "IX")
        #expect(throws: SMTPError.self) { try saslPrep("a\u{0007}b\u{00E9}", what: "p") }
    }

    @Test func pbkdf2MatchesRFC7914Vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1), first 32 octets.
        let derived = pbkdf2HMACSHA256(password: [UInt8]("passwd"), salt: [UInt8]("salt"), iterations: 1)
        #expect(
            derived.map { String(format: "%02x", $0) }.joined()
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
    }

    @Test func plainAndLoginEncodings() throws {
        var plain = try SASLPlain(username: "alice", password: Secret("pw"))
        #expect(try plain.initialResponse() == [0] + [UInt8]("alice") + [0] + [UInt8]("pw"))
        try plain.acceptSuccess()
        var login = try SASLLogin(username: "alice", password: Secret("pw"))
        #expect(try login.initialResponse() == nil)
        #expect(throws: SMTPError.self) { try login.acceptSuccess() }
        #expect(try login.respond(toChallenge: [UInt8]("Username:")) == [UInt8]("alice"))
        #expect(try login.respond(toChallenge: [UInt8]("Password:")) == [UInt8]("pw"))
        try login.acceptSuccess()
        #expect(throws: SMTPError.self) { try login.respond(toChallenge: []) }
        #expect(throws: SMTPError.self) { try SASLPlain(username: "a\u{0}b", password: Secret("x")) }
    }

    @Test func oauthEncodings() throws {
        var bearer = try SASLOAuthBearer(username: "alice@example.org", token: Secret("tok.en"))
        #expect(
            try bearer.initialResponse()
                == [UInt8]("n,a=alice@example.org,\u{1}auth=Bearer tok.en\u{1}\u{1}"))
        #expect(try bearer.respond(toChallenge: [UInt8]("{\"status\":\"invalid_token\"}")) == [1])
        #expect(throws: SMTPError.self) { try bearer.acceptSuccess() }
        var xoauth = try SASLXOAuth2(username: "alice@example.org", token: Secret("tok.en"))
        #expect(try xoauth.initialResponse() == [UInt8]("user=alice@example.org\u{1}auth=Bearer tok.en\u{1}\u{1}"))
        try xoauth.acceptSuccess()
        #expect(throws: SMTPError.self) { try SASLXOAuth2(username: "a", token: Secret("bad token")) }
        #expect(throws: SMTPError.self) { try SASLXOAuth2(username: "a\u{1}", token: Secret("t")) }
    }

    @Test(
        "mechanism choice: strongest offered and allowed, by credential kind",
        arguments: [
            (["PLAIN", "LOGIN", "SCRAM-SHA-256"], ["PLAIN", "LOGIN", "SCRAM-SHA-256"], false, "SCRAM-SHA-256"),
            (["PLAIN", "LOGIN", "SCRAM-SHA-256"], ["PLAIN", "LOGIN"], false, "PLAIN"),
            (["LOGIN"], ["PLAIN", "LOGIN"], false, "LOGIN"),
            (["CRAM-MD5"], ["PLAIN", "LOGIN"], false, nil),
            (["XOAUTH2", "OAUTHBEARER", "PLAIN"], ["XOAUTH2", "OAUTHBEARER", "PLAIN"], true, "OAUTHBEARER"),
            (["XOAUTH2", "PLAIN"], ["XOAUTH2", "PLAIN"], true, "XOAUTH2"),
            (["PLAIN"], ["PLAIN"], true, nil),
            (["XOAUTH2"], ["XOAUTH2"], false, nil),
        ] as [([String], [String], Bool, String?)])
    func selection(_ offered: [String], _ allowed: [String], _ token: Bool, _ expected: String?) {
        let proof: SMTPCredentials.Proof = token ? .bearerToken(Secret("t")) : .password(Secret("p"))
        #expect(SMTPAuthMechanismSelection.choose(offered: offered, allowed: allowed, proof: proof) == expected)
    }

    @Test func secretsNeverPrint() {
        let secret = Secret("hunter2")
        var dumped = ""
        dump(secret, to: &dumped)
        let credentials = SMTPCredentials(username: "alice", proof: .password(secret))
        for text in [
            "\(secret)", String(reflecting: secret), dumped, "\(credentials)", String(reflecting: credentials),
        ] {
            #expect(!text.contains("hunter2"))
        }
        #expect("\(secret)" == "<redacted>")
    }
}
