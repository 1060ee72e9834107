import Foundation
import Postern
import PosternPolicy
import Testing

@Suite struct ReportEncodingTests {
    private func object(_ report: Report) throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: try report.jsonData())
        return try #require(value as? [String: Any])
    }

    @Test func everyTopLevelKeyIsPresentAndAbsentSectionsAreNull() throws {
        let json = try object(Report.failure(verb: "send", exitCode: .unavailable, message: "nope"))
        #expect(Set(json.keys) == reportKeys)
        for key in ["policy", "transport", "protection", "smtp"] {
            #expect(json[key] is NSNull, "\(key) should be null")
        }
        #expect(json["postern-report"] as? Int == 1)
        #expect(json["decision"] as? String == "error")
        #expect(json["exit-code"] as? Int == 69)
        #expect(json["error"] as? String == "nope")
        #expect((json["violations"] as? [Any])?.isEmpty == true)
    }

    @Test func nestedSectionsWriteNullForFieldsThatDoNotApply() throws {
        let report = Report(
            verb: "check", exitCode: .noPerm,
            violations: [.init(code: "pin-required", stage: "tls", rule: nil, source: nil, message: "m")],
            policy: .init(layers: ["a.yaml"], effective: nil),
            transport: .init(server: "smtp.example.org:587", certificate: .init(verified: false)),
            protection: .init(),
            smtp: .init(rejected: ["x@example.org"])
        )
        let json = try object(report)
        #expect(json["decision"] as? String == "deny")
        #expect(json["error"] is NSNull)
        let transport = try #require(json["transport"] as? [String: Any])
        #expect(
            Set(transport.keys) == ["server", "security", "tls-version", "cipher", "certificate", "auth", "extensions"])
        #expect(transport["security"] is NSNull)
        let certificate = try #require(transport["certificate"] as? [String: Any])
        #expect(Set(certificate.keys) == ["verified", "spki-sha256", "subject", "not-after"])
        #expect(certificate["verified"] as? Bool == false)
        #expect(certificate["not-after"] is NSNull)
        let protection = try #require(json["protection"] as? [String: Any])
        #expect(Set(protection.keys) == ["signed", "encrypted", "recipients"])
        let smtp = try #require(json["smtp"] as? [String: Any])
        #expect(Set(smtp.keys) == ["accepted", "rejected", "reply"])
        #expect(smtp["accepted"] is NSNull)
        let policy = try #require(json["policy"] as? [String: Any])
        #expect(Set(policy.keys) == ["layers", "effective"])
        #expect(policy["effective"] is NSNull)
        let violation = try #require((json["violations"] as? [[String: Any]])?.first)
        #expect(Set(violation.keys) == ["code", "stage", "rule", "source", "message"])
        #expect(violation["rule"] is NSNull)
    }

    @Test func encodingIsDeterministicAndRoundTrips() throws {
        let report = Report(
            verb: "explain", exitCode: .ok,
            policy: .init(
                layers: ["<built-in baseline>"],
                effective: .object(["b": .int(2048), "a": .array([.string("x"), .null])]))
        )
        let first = try report.jsonData()
        #expect(first == (try report.jsonData()))
        let text = try #require(String(data: first, encoding: .utf8))
        #expect(text.contains(#""effective":{"a":["x",null],"b":2048}"#))
        // Decoding keeps the (sorted) order it reads, so compare the re-encoded bytes.
        #expect(try Report.decode(from: first).jsonData() == first)
    }

    @Test(arguments: [
        (Postern.ExitStatus.ok, "allow"), (.noPerm, "deny"), (.usage, "error"), (.config, "error"),
        (.unavailable, "error"),
    ])
    func decisionFollowsExitStatus(status: Postern.ExitStatus, decision: String) {
        #expect(Report(verb: "x", exitCode: status).decision.rawValue == decision)
    }
}

@Suite struct ServerEndpointTests {
    @Test(arguments: [
        ("smtp.example.org", "smtp.example.org", nil as Int?),
        ("smtp.example.org:465", "smtp.example.org", 465),
        ("127.0.0.1:2525", "127.0.0.1", 2525),
        ("[::1]:587", "::1", 587),
        ("[::1]", "::1", nil),
    ])
    func parses(text: String, host: String, port: Int?) throws {
        let endpoint = try ServerEndpoint(parsing: text)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.description == text)
    }

    @Test(arguments: [
        "", ":25", "host:", "host:0", "host:65536", "host:12a", "::1", "[::1", "[zz]:25", "a b", "h\r\n:25",
        "user@host",
    ])
    func rejects(text: String) {
        #expect(throws: ServerEndpoint.ParseError.self) { try ServerEndpoint(parsing: text) }
    }
}
