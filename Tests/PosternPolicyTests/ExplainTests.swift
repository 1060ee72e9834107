import Foundation
import Testing

@testable import PosternPolicy

@Suite struct ExplainTests {
    @Test func explainNamesEverySourceOfARequirement() throws {
        let org = try document(
            """
            postern-policy: 1
            name: org
            transport:
              min-tls: "1.2"
            message:
              encrypt: optional
            envelope:
              senders: ["*@example.org"]
            rules:
              - name: encrypt-external
                when: { recipient-not: ["*@example.org"] }
                message: { encrypt: required }
              - name: partner-tls13
                when: { server: "*.example.test" }
                transport: { min-tls: "1.3" }
            """, file: "policies/org.yaml")
        let user = try document("postern-policy: 1\nname: mine\ntransport:\n  min-tls: \"1.3\"\n", file: "mine.yaml")
        let compiled = CompiledPolicy(layers: [org, user])
        let context = SendContext(
            sender: "alice@example.org", recipients: ["bob@example.org", "carol@example.test"],
            server: "smtp.example.test")
        let explanation = compiled.explain(for: context)
        #expect(explanation.layers == ["policies/org.yaml", "mine.yaml"])
        #expect(explanation.appliedRules.map(\.rule) == ["encrypt-external", "partner-tls13"])
        #expect(explanation.violations.isEmpty)

        let minTLS = try #require(explanation.requirements.first { $0.field == .minTLS })
        #expect(minTLS.value == .string("1.3"))
        #expect(minTLS.sources.map(\.source) == ["policies/org.yaml:4", "policies/org.yaml:15", "mine.yaml:4"])
        let encrypt = try #require(explanation.requirements.first { $0.field == .encrypt })
        #expect(encrypt.value == .string("required"))
        #expect(encrypt.sources.map(\.rule) == ["org", "encrypt-external", "mine"])
        #expect(encrypt.sources.map(\.isDefault) == [false, false, true])

        let text = explanation.renderText()
        #expect(text.contains("transport.min-tls"))
        #expect(text.contains("rule 'partner-tls13' (policies/org.yaml:15)"))
        #expect(text.contains("decision: allow"))

        let effective = explanation.effective
        #expect(effective["message.encrypt"]?["value"] == .string("required"))
        #expect(effective["envelope.senders"]?["value"] == .array([.array([.string("*@example.org")])]))
        let json = explanation.json.serialized
        #expect(json.hasPrefix("{\"sender\":\"alice@example.org\""))
        let reparsed = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        #expect(reparsed["server"] == .string("smtp.example.test"))
    }

    @Test func explainReportsStaticViolations() throws {
        let compiled = CompiledPolicy(layers: [
            try document(
                headerYAML + "message:\n  sign: forbidden\nenvelope:\n  recipients: { deny: [\"*@example.invalid\"] }\n"
            ),
            try document("postern-policy: 1\nname: signer\nmessage:\n  sign: required\n", file: "signer.yaml"),
        ])
        let explanation = compiled.explain(for: SendContext(sender: "a@example.org", recipients: ["x@example.invalid"]))
        #expect(explanation.violations.map(\.code) == [.policyConflict, .recipientNotAllowed])
        #expect(explanation.renderText().contains("decision: deny"))
        #expect(explanation.requirements.first { $0.field == .sign }?.value == .string("conflict"))
    }

    @Test func jsonValueRoundTripsWithOrderedKeys() throws {
        let value = JSONValue.object([
            "z": .int(1), "a": .array([.null, .bool(true), .double(1.5), .string("q\"\n")]),
        ])
        #expect(value.serialized == "{\"z\":1,\"a\":[null,true,1.5,\"q\\\"\\n\"]}")
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.serialized.utf8))
        #expect(decoded["a"] == value["a"])
        #expect(decoded["z"] == .int(1))
    }
}
