import Foundation
import Testing

/// A policy whose lines are known: line 4 transport.security, line 9 the sender allow-list, line 13 the rule's encrypt.
private let partnerPolicy = """
    postern-policy: 1
    name: partner
    transport:
      security: [implicit-tls]
    message:
      sign: optional
      encrypt: optional
    envelope:
      senders: ["*@example.org"]
    rules:
      - name: partner-encrypt
        when: { recipient: "*@partner.example" }
        message: { encrypt: required }

    """

private let forbidEncryption = """
    postern-policy: 1
    name: no-crypto
    message:
      encrypt: forbidden

    """

private let misspelled = """
    postern-policy: 1
    name: broken
    transport:
      securty: [starttls]
      min-tls: "1.1"

    """

@Suite struct PolicyLintTests {
    @Test func validFilesPassWithAnOkSummary() async throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write(partnerPolicy, to: "partner.yaml")
        let second = try directory.write(forbidEncryption, to: "no-crypto.yaml")
        let result = try await PosternProcess.run(["policy", "lint", first, second])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("postern policy lint: ok (2 files)"))
        #expect(!result.stderr.contains("error:"))
    }

    @Test func errorsAreLocatedAndExit78() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(misspelled, to: "broken.yaml")
        let result = try await PosternProcess.run(["policy", "lint", file])
        #expect(result.status == 78)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(file):4:3: error: ") && $0.contains("securty") })
        #expect(lines.contains { $0.hasPrefix("\(file):5:") && $0.contains("min-tls") })
        #expect(!result.stderr.contains(": ok"))
        #expect(result.stdout.isEmpty)
    }

    @Test func jsonListsTheDiagnosticsInErrorAndNoViolations() async throws {
        let directory = try TemporaryDirectory()
        let good = try directory.write(partnerPolicy, to: "good.yaml")
        let bad = try directory.write(misspelled, to: "bad.yaml")
        let result = try await PosternProcess.run(["policy", "lint", good, bad, "--format", "json"])
        #expect(result.status == 78)
        let json = try result.jsonObject()
        #expect(Set(json.keys) == reportKeys)
        #expect(json["verb"] as? String == "policy lint")
        #expect(json["decision"] as? String == "error")
        #expect(json["exit-code"] as? Int == 78)
        #expect((json["violations"] as? [Any])?.isEmpty == true)
        let error = try #require(json["error"] as? String)
        #expect(error.contains("\(bad):4:3: error: "))
        #expect(!error.contains(good))
        // Human lines still go to stderr, in JSON mode too.
        #expect(result.stderr.contains("\(bad):4:3: error: "))
    }

    @Test func missingOrUnreadableFileIsALocatedErrorWithExit66() async throws {
        let directory = try TemporaryDirectory()
        let good = try directory.write(partnerPolicy, to: "good.yaml")
        let missing = directory.url.appendingPathComponent("missing.yaml").path
        for target in [missing, directory.url.path] {
            let result = try await PosternProcess.run(["policy", "lint", good, target])
            #expect(result.status == 66, "\(target): \(result.stderr)")
            #expect(result.stderr.contains("\(target):1:1: error: "))
        }
    }

    @Test func validJSONReportHasNullError() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(partnerPolicy, to: "good.yaml")
        let json = try await PosternProcess.run(["policy", "lint", file, "--format", "json"]).jsonObject()
        #expect(json["decision"] as? String == "allow")
        #expect(json["exit-code"] as? Int == 0)
        #expect(json["error"] is NSNull)
    }
}

@Suite struct ExplainTests {
    @Test func textNamesEachRequirementWithRuleAndFileLine() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(partnerPolicy, to: "partner.yaml")
        let result = try await PosternProcess.run([
            "explain", "--policy", file, "--from", "ann@example.org", "--to", "bob@partner.example", "--server",
            "smtp.example.org:465",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let encrypt = try #require(lines.first { $0.contains("message.encrypt") })
        #expect(encrypt.contains("required"))
        #expect(encrypt.contains("rule 'partner-encrypt' (\(file):13)"))
        let security = try #require(lines.first { $0.contains("transport.security") })
        #expect(security.contains("[implicit-tls]"))
        #expect(security.contains("(\(file):4)"))
        #expect(lines.contains { $0.contains("rules applied: partner-encrypt") })
    }

    @Test func ruleThatDoesNotMatchIsNotApplied() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(partnerPolicy, to: "partner.yaml")
        let result = try await PosternProcess.run([
            "explain", "--policy", file, "--from", "ann@example.org", "--to", "carl@elsewhere.example",
        ])
        #expect(result.status == 0)
        let encrypt = try #require(result.stdout.split(separator: "\n").first { $0.contains("message.encrypt") })
        #expect(encrypt.contains("optional"))
        #expect(!encrypt.contains("partner-encrypt"))
    }

    @Test func jsonCarriesLayersAndEffectiveProvenance() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(partnerPolicy, to: "partner.yaml")
        let result = try await PosternProcess.run([
            "explain", "--policy", file, "--from", "ann@example.org", "--to", "bob@partner.example", "--format", "json",
        ])
        #expect(result.status == 0)
        let json = try result.jsonObject()
        #expect(Set(json.keys) == reportKeys)
        #expect(json["decision"] as? String == "allow")
        #expect(json["error"] is NSNull)
        for key in ["transport", "protection", "smtp"] {
            #expect(json[key] is NSNull)
        }
        let policy = try #require(json["policy"] as? [String: Any])
        #expect(policy["layers"] as? [String] == [file])
        let effective = try #require(policy["effective"] as? [String: Any])
        let encrypt = try #require(effective["message.encrypt"] as? [String: Any])
        #expect(encrypt["value"] as? String == "required")
        let sources = try #require(encrypt["from"] as? [[String: Any]]).compactMap { $0["source"] as? String }
        #expect(sources.contains("\(file):13"))
        #expect(result.stdout.split(separator: "\n").count == 1)
    }

    @Test func staticDenialExits77WithLocatedViolations() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(partnerPolicy, to: "partner.yaml")
        let result = try await PosternProcess.run([
            "explain", "--policy", file, "--from", "mallory@evil.example", "--to", "bob@partner.example", "--format",
            "json",
        ])
        #expect(result.status == 77)
        let json = try result.jsonObject()
        #expect(json["decision"] as? String == "deny")
        #expect(json["exit-code"] as? Int == 77)
        let violation = try #require((json["violations"] as? [[String: Any]])?.first)
        #expect(Set(violation.keys) == ["code", "stage", "rule", "source", "message"])
        #expect(violation["code"] as? String == "sender-not-allowed")
        #expect(violation["stage"] as? String == "policy")
        #expect(violation["source"] as? String == "\(file):9")
        #expect(result.stderr.contains("sender-not-allowed"))
    }

    @Test func conflictingLayersArePolicyConflict() async throws {
        let directory = try TemporaryDirectory()
        let partner = try directory.write(partnerPolicy, to: "partner.yaml")
        let noCrypto = try directory.write(forbidEncryption, to: "no-crypto.yaml")
        let result = try await PosternProcess.run([
            "explain", "--policy", partner, "--policy", noCrypto, "--from", "ann@example.org", "--to",
            "bob@partner.example", "--format", "json",
        ])
        #expect(result.status == 77)
        let json = try result.jsonObject()
        let codes = (json["violations"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
        #expect(codes.contains("policy-conflict"))
        #expect((json["policy"] as? [String: Any])?["layers"] as? [String] == [partner, noCrypto])
    }

    @Test func brokenPolicyExits78WithLocatedErrors() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(misspelled, to: "broken.yaml")
        let result = try await PosternProcess.run(["explain", "--policy", file, "--format", "json"])
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(file):4:3: error: "))
        let json = try result.jsonObject()
        #expect(json["decision"] as? String == "error")
        let policy = try #require(json["policy"] as? [String: Any])
        #expect(policy["effective"] is NSNull)
        #expect((json["error"] as? String)?.contains("\(file):4:3") == true)
    }

    @Test func missingPolicyExits66() async throws {
        let result = try await PosternProcess.run(["explain", "--policy", "/nonexistent/postern-policy.yaml"])
        #expect(result.status == 66)
        #expect(result.stderr.contains("/nonexistent/postern-policy.yaml:1:1: error: "))
    }

    @Test func environmentPolicyThenBuiltInBaseline() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(partnerPolicy, to: "partner.yaml")
        let fromEnvironment = try await PosternProcess.run(
            ["explain", "--format", "json"], environment: ["POSTERN_POLICY": file]
        ).jsonObject()
        #expect((fromEnvironment["policy"] as? [String: Any])?["layers"] as? [String] == [file])

        let baseline = try await PosternProcess.run(["explain"])
        #expect(baseline.status == 0)
        #expect(baseline.stdout.contains("policy layers: <built-in baseline>"))
        #expect(baseline.stdout.contains("transport.security"))
        #expect(baseline.stdout.contains("[implicit-tls, starttls]"))
    }
}
