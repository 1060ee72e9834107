import Foundation
import Testing

/// The line (1-based) of the first line of `policies/FILE` that contains `needle`: the `file:line` a
/// decision must cite, read from the shipped file so that the test follows edits to it.
private func line(of needle: String, in file: String) throws -> Int {
    let text = try String(
        contentsOf: repositoryRoot.appendingPathComponent("policies").appendingPathComponent(file), encoding: .utf8)
    let lines = text.components(separatedBy: "\n")
    let index = try #require(lines.firstIndex { $0.contains(needle) }, "\(needle) not in policies/\(file)")
    return index + 1
}

/// A run-time password for the demo account, handed over in the environment, never in argv.
private let passwordVariable = "POSTERN_DEMO_TEST_PASSWORD"

/// What must never appear in the demo's output: the password, and the AUTH PLAIN response that carries it.
private func secretForms(of password: String) -> [String] {
    let plain = Data(([0] + Array("alice@example.test".utf8) + [0] + Array(password.utf8)))
    return [password, Data(password.utf8).base64EncodedString(), plain.base64EncodedString()]
}

/// Every key path of a JSON value (`transport.certificate.verified`, `violations[].code`); the requirements
/// under `policy.effective` count as one generic entry `*`, so a trimmed example has the same paths.
private func keyPaths(_ value: Any, prefix: String = "") -> Set<String> {
    var paths: Set<String> = []
    if let object = value as? [String: Any] {
        for (key, child) in object {
            let name = prefix == "policy.effective" ? "*" : key
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            paths.insert(path)
            paths.formUnion(keyPaths(child, prefix: path))
        }
    } else if let array = value as? [Any] {
        for element in array { paths.formUnion(keyPaths(element, prefix: prefix + "[]")) }
    }
    return paths
}

/// The first JSON block of the README's `## The JSON report` section.
private func readmeReportExample() throws -> [String: Any] {
    let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let section = try #require(readme.range(of: "\n## The JSON report\n"))
    let rest = readme[section.upperBound...]
    let start = try #require(rest.range(of: "```json\n"))
    let end = try #require(rest[start.upperBound...].range(of: "\n```\n"))
    let value = try JSONSerialization.jsonObject(with: Data(rest[start.upperBound..<end.lowerBound].utf8))
    return try #require(value as? [String: Any])
}

@Suite("postern demo, the real binary", .serialized)
struct DemoCommandProcessTests {
    @Test("text and JSON runs: four steps, their decisions, codes and policies/FILE:LINE, and no password")
    func textAndJSON() async throws {
        let keys = try await GeneratedKeys()
        let password = "pd-\(UUID().uuidString)"
        let environment = [passwordVariable: password]
        let common = [
            "demo", "--keys", keys.keysDirectory, "--policies", "policies", "--password-env", passwordVariable,
        ]

        let pinLine = try line(of: "require-pin: true", in: "pinned-starttls.yaml")
        let encryptLine = try line(of: "message: { encrypt: required }", in: "encrypt-external.yaml")
        let plaintextAuthLine = try line(of: "over-plaintext: refuse", in: "legacy-relay.yaml")
        let confidentialLine = try line(of: "encrypt: required", in: "team-confidential.yaml")

        // Text, with the protocol trace on: the trace must redact the credential too.
        let text = try await PosternDemoProcess.run(common + ["-v"], environment: environment)
        #expect(text.status == 0, "stderr: \(text.stderr)")
        for id in ["a", "b", "c", "d"] { #expect(text.stdout.contains("== \(id). ")) }
        #expect(text.stdout.contains("policy layers: policies/baseline.yaml + policies/team-confidential.yaml"))
        #expect(text.stdout.contains("(rule pinned-starttls, policies/pinned-starttls.yaml:\(pinLine))"))
        #expect(text.stdout.contains("(rule encrypt-external, policies/encrypt-external.yaml:\(encryptLine))"))
        #expect(text.stdout.contains("(rule legacy-relay, policies/legacy-relay.yaml:\(plaintextAuthLine))"))
        #expect(text.stdout.contains("| Subject: [...]"))
        #expect(text.stdout.contains("| Content-Type: application/pkcs7-mime"))
        #expect(text.stdout.contains("postern demo: all four sends behaved as the policies demand."))
        #expect(text.stderr.contains("AUTH PLAIN <redacted>"), "the trace should show the redacted AUTH")

        let json = try await PosternDemoProcess.run(common + ["--format", "json"], environment: environment)
        #expect(json.status == 0, "stderr: \(json.stderr)")
        let object = try json.jsonObject()
        #expect(object["postern-demo"] as? Int == 1)
        #expect(object["all-as-expected"] as? Bool == true)
        #expect(object["error"] is NSNull)
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.compactMap { $0["id"] as? String } == ["a", "b", "c", "d"])
        func step(_ id: String) throws -> (step: [String: Any], report: [String: Any], server: [String: Any]) {
            let step = try #require(steps.first { $0["id"] as? String == id })
            #expect(step["behaved-as-expected"] as? Bool == true, "step \(id): \(step["discrepancy"] ?? "")")
            return (
                step, try #require(step["report"] as? [String: Any]), try #require(step["server"] as? [String: Any])
            )
        }
        /// The step's only violation: its code, rule, stage and source.
        func violation(_ report: [String: Any]) throws -> [String: String] {
            let violations = try #require(report["violations"] as? [[String: Any]])
            #expect(violations.count == 1, "\(violations)")
            let first = try #require(violations.first)
            return first.compactMapValues { $0 as? String }
        }

        // a: allowed over verified implicit TLS, and it arrived at the server encrypted.
        let a = try step("a")
        #expect(a.report["decision"] as? String == "allow")
        #expect(a.report["exit-code"] as? Int == 0)
        let layers = try #require((a.report["policy"] as? [String: Any])?["layers"] as? [String])
        #expect(layers == ["policies/baseline.yaml", "policies/team-confidential.yaml"])
        let effective = try #require((a.report["policy"] as? [String: Any])?["effective"] as? [String: Any])
        let encrypt = try #require(effective["message.encrypt"] as? [String: Any])
        #expect(encrypt["value"] as? String == "required")
        let encryptSources = (encrypt["from"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String }
        #expect(encryptSources.contains("policies/team-confidential.yaml:\(confidentialLine)"))
        let transport = try #require(a.report["transport"] as? [String: Any])
        #expect(transport["security"] as? String == "implicit-tls")
        #expect((transport["certificate"] as? [String: Any])?["verified"] as? Bool == true)
        let protection = try #require(a.report["protection"] as? [String: Any])
        #expect(protection["signed"] as? String == "smime")
        #expect(protection["encrypted"] as? String == "smime")
        #expect(a.server["messages"] as? Int == 1)
        #expect(a.server["auth-successes"] as? Int == 1)
        let arrived = try #require(a.step["arrived-excerpt"] as? [String])
        #expect(arrived.contains("Subject: [...]"))
        #expect(arrived.contains { $0.hasPrefix("Content-Type: application/pkcs7-mime; smime-type=enveloped-data") })
        #expect(!arrived.contains { $0.contains("Quarterly figures") || $0.contains("launch date") })

        // The README's report example (step a of a demo run) has exactly the keys of a real one.
        #expect(keyPaths(try readmeReportExample()) == keyPaths(a.report))

        // b: STARTTLS with no pin: refused at connect, citing the require-pin line.
        let b = try step("b")
        #expect(b.report["decision"] as? String == "deny")
        #expect(b.report["exit-code"] as? Int == 77)
        let pinRequired = try violation(b.report)
        #expect(pinRequired["code"] == "pin-required")
        #expect(pinRequired["stage"] == "connect")
        #expect(pinRequired["rule"] == "pinned-starttls")
        #expect(pinRequired["source"] == "policies/pinned-starttls.yaml:\(pinLine)")
        #expect(b.server["connections"] as? Int == 0)

        // c: no certificate for carol: refused while sealing, before any connection.
        let c = try step("c")
        #expect(c.report["exit-code"] as? Int == 77)
        let missingKey = try violation(c.report)
        #expect(missingKey["code"] == "recipient-key-missing")
        #expect(missingKey["rule"] == "encrypt-external")
        #expect(missingKey["source"] == "policies/encrypt-external.yaml:\(encryptLine)")
        #expect(missingKey["message"]?.contains("carol@partner.example") == true)
        #expect(c.server["connections"] as? Int == 0)

        // d: plaintext is listed, a password over it is not: the server saw no AUTH and no envelope.
        let d = try step("d")
        #expect(d.report["exit-code"] as? Int == 77)
        let plaintextAuth = try violation(d.report)
        #expect(plaintextAuth["code"] == "auth-over-plaintext")
        #expect(plaintextAuth["stage"] == "auth")
        #expect(plaintextAuth["source"] == "policies/legacy-relay.yaml:\(plaintextAuthLine)")
        #expect(d.server["auth-attempts"] as? Int == 0)
        #expect(d.server["messages"] as? Int == 0)
        #expect(!((d.server["commands"] as? [String]) ?? []).contains("MAIL"))

        // Neither run leaks the password (in any form) or the body of step a.
        for run in [text, json] {
            for secret in secretForms(of: password) + ["the launch date is the 3rd of March"] {
                #expect(!run.stdout.contains(secret))
                #expect(!run.stderr.contains(secret))
            }
        }
    }

    @Test("a missing or broken input is a clear error with its exit status, never a crash")
    func missingAndBrokenInput() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pd-in-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let nowhere = scratch.appendingPathComponent("no-keys").path

        // Missing key set (an explicit --keys is never generated on demand): 66, text and JSON.
        let text = try await PosternDemoProcess.run(["demo", "--keys", nowhere])
        #expect(text.status == 66)
        #expect(text.stdout.isEmpty)
        #expect(text.stderr.hasPrefix("postern demo: missing demo keys in \(nowhere): ca.pem, server.pem"))
        #expect(text.stderr.contains("(run keys/generate)"))
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        let json = try await PosternDemoProcess.run(["demo", "--keys", nowhere, "--format", "json"])
        #expect(json.status == 66)
        let object = try json.jsonObject()
        #expect(object["all-as-expected"] as? Bool == false)
        #expect((object["error"] as? String)?.hasPrefix("missing demo keys in \(nowhere)") == true)
        #expect((object["steps"] as? [Any])?.isEmpty == true)

        // An unset password variable: 78, naming the variable.
        let unset = try await PosternDemoProcess.run(
            ["demo", "--keys", nowhere, "--password-env", "POSTERN_DEMO_TEST_UNSET_VARIABLE"],
            environment: ["POSTERN_DEMO_TEST_UNSET_VARIABLE": ""])
        #expect(unset.status == 78)
        #expect(unset.stderr.contains("POSTERN_DEMO_TEST_UNSET_VARIABLE is not set or empty"))

        // A bad --password-env name is a usage error.
        let badName = try await PosternDemoProcess.run(["demo", "--keys", nowhere, "--password-env", "not a name"])
        #expect(badName.status == 64)

        for run in [text, json, unset, badName] {
            #expect(!run.stderr.contains("Fatal error"))
            #expect(!run.stderr.contains("Stack dump"))
        }
    }

    @Test("a missing policies folder is 66 and a broken policy file is 78 with FILE:LINE:COL")
    func missingAndBrokenPolicies() async throws {
        let keys = try await GeneratedKeys()
        let empty = keys.root.appendingPathComponent("no-policies")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let missing = try await PosternDemoProcess.run(["demo", "--keys", keys.keysDirectory, "--policies", empty.path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("missing policy file \(empty.path)/baseline.yaml"))
        #expect(missing.stdout.isEmpty)

        let broken = keys.root.appendingPathComponent("broken-policies")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("policies"), to: broken)
        let relay = broken.appendingPathComponent("legacy-relay.yaml")
        let lines = try String(contentsOf: relay, encoding: .utf8).components(separatedBy: "\n").count
        let handle = try FileHandle(forWritingTo: relay)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("bogus: 1\n".utf8))
        try handle.close()
        let invalid = try await PosternDemoProcess.run([
            "demo", "--keys", keys.keysDirectory, "--policies", broken.path,
        ])
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("\(relay.path):\(lines):1: error: unknown key 'bogus'"))
        #expect(invalid.stdout.isEmpty)
    }
}
