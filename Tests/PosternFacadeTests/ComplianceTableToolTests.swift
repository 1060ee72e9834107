import Foundation
import PosternTestSupport
import Testing

/// Runs the built `ComplianceTable` example as a subprocess (``BuiltExecutable``).
enum ComplianceTableProcess {
    typealias Output = ExecutableRun

    /// The executable next to the test bundle, else `.build/debug/ComplianceTable`.
    static func executable() throws -> URL {
        try BuiltExecutable.locate("ComplianceTable", packageRoot: Repository.root)
    }

    static func run(_ arguments: [String]) async throws -> Output {
        try await BuiltExecutable.run(try executable(), arguments)
    }
}

@Suite struct ComplianceTableToolTests {
    let policy = Repository.policy("encrypt-external.yaml")
    let samples = Repository.samples.path

    func rows(_ json: [String: Any]) throws -> [String: [String: Any]] {
        let files = try #require(json["files"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: files.compactMap { row in (row["file"] as? String).map { ($0, row) } })
    }

    @Test func jsonTableOverTheSamples() async throws {
        let output = try await ComplianceTableProcess.run(["--policy", policy, "--format", "json", samples])
        #expect(output.status == 77, "\(output.stderr)")
        let json = try output.jsonObject()
        #expect(json["exit-code"] as? Int == 77)
        #expect((json["policy"] as? [String: Any])?["layers"] as? [String] == [policy])
        let rows = try rows(json)
        #expect(
            rows.keys.sorted() == [
                "bcc-external.eml", "denied-sender.eml", "external.eml", "internal.eml", "malformed.eml",
                "partner-lab.eml",
            ])

        let internalRow = try #require(rows["internal.eml"])
        #expect(internalRow["decision"] as? String == "allow")
        #expect(internalRow["from"] as? String == "alice@example.org")
        #expect(internalRow["recipients"] as? [String] == ["bob@example.org", "carol@example.org"])
        #expect((internalRow["protection"] as? [Any])?.isEmpty == true)

        let external = try #require(rows["external.eml"])
        #expect(external["decision"] as? String == "allow")
        let protection = try #require((external["protection"] as? [[String: Any]])?.first)
        #expect(protection["operation"] as? String == "encrypt")
        #expect(protection["basis"] as? String == "required")
        #expect(protection["rule"] as? String == "encrypt-external")
        #expect(protection["source"] as? String == (try Repository.location(of: "encrypt: required", in: policy)))

        let partner = try #require(rows["partner-lab.eml"])
        #expect((partner["protection"] as? [[String: Any]])?.map { $0["operation"] as? String } == ["sign", "encrypt"])

        let bcc = try #require(rows["bcc-external.eml"])
        #expect(bcc["bcc"] as? [String] == ["eve@outside.example"])

        let denied = try #require(rows["denied-sender.eml"])
        #expect(denied["decision"] as? String == "deny")
        #expect(denied["exit-code"] as? Int == 77)
        let violation = try #require((denied["violations"] as? [[String: Any]])?.first)
        #expect(violation["code"] as? String == "sender-not-allowed")
        #expect(violation["source"] as? String == (try Repository.location(of: "senders:", in: policy)))

        let malformed = try #require(rows["malformed.eml"])
        #expect(malformed["decision"] as? String == "error")
        #expect(malformed["exit-code"] as? Int == 65)
        #expect(malformed["from"] is NSNull)
        #expect((malformed["error"] as? String)?.hasPrefix("malformed-message") == true)

        let summary = try #require(json["summary"] as? [String: Int])
        #expect(summary == ["files": 6, "allowed": 4, "denied": 1, "errors": 1])
    }

    @Test func textTableOverTheSamples() async throws {
        let output = try await ComplianceTableProcess.run(["--policy", policy, samples])
        #expect(output.status == 77)
        let lines = output.stdout.components(separatedBy: "\n")
        #expect(lines.first?.hasPrefix("FILE") == true)
        func row(_ file: String) throws -> [String] {
            let line = try #require(lines.first { $0.hasPrefix(file + " ") }, "no row for \(file)")
            return line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        #expect(
            try row("internal.eml") == [
                "internal.eml", "alice@example.org", "bob@example.org,carol@example.org",
                "allow", "-",
            ])
        #expect(
            try row("external.eml") == [
                "external.eml", "alice@example.org", "dave@partner.example", "allow",
                "encrypt:smime",
            ])
        #expect(
            try row("partner-lab.eml") == [
                "partner-lab.eml", "alice@example.org", "carol@lab.example.test",
                "allow", "sign:smime,", "encrypt:smime",
            ])
        #expect(
            try row("denied-sender.eml").prefix(4) == [
                "denied-sender.eml", "mallory@elsewhere.example",
                "bob@example.org", "deny",
            ])
        #expect(try row("malformed.eml") == ["malformed.eml", "-", "-", "error", "-"])
        let line = try Repository.location(of: "encrypt: required", in: policy)
        #expect(lines.contains("    - will be encrypted with smime (required by rule 'encrypt-external' at \(line))"))
        #expect(
            lines.contains { $0.hasPrefix("    - sender-not-allowed (envelope): sender mallory@elsewhere.example") })
        #expect(lines.contains("6 messages: 4 allowed, 1 refused, 1 not evaluable (exit 77)"))
    }

    @Test func allowedMessagesOnlyExitZero() async throws {
        let scratch = try ScratchDirectory()
        for name in ["internal.eml", "external.eml"] {
            try FileManager.default.copyItem(
                at: Repository.samples.appendingPathComponent(name), to: scratch.url.appendingPathComponent(name))
        }
        try scratch.write("notes.txt", "not a message, ignored")
        let output = try await ComplianceTableProcess.run(["--policy", policy, "--format", "json", scratch.url.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(try rows(output.jsonObject()).keys.sorted() == ["external.eml", "internal.eml"])
    }

    @Test func aMalformedMessageAloneExitsWithDataError() async throws {
        let scratch = try ScratchDirectory()
        try FileManager.default.copyItem(
            at: Repository.samples.appendingPathComponent("malformed.eml"),
            to: scratch.url.appendingPathComponent("malformed.eml"))
        let output = try await ComplianceTableProcess.run(["--policy", policy, scratch.url.path])
        #expect(output.status == 65)
    }

    @Test func aMissingOrEmptyFolderExits66() async throws {
        let scratch = try ScratchDirectory()
        let missing = try await ComplianceTableProcess.run(
            ["--policy", policy, "--format", "json", scratch.url.appendingPathComponent("nope").path])
        #expect(missing.status == 66)
        #expect(try missing.jsonObject()["exit-code"] as? Int == 66)
        #expect(missing.stderr.contains("no such folder"))
        let empty = try await ComplianceTableProcess.run(["--policy", policy, scratch.url.path])
        #expect(empty.status == 66)
        #expect(empty.stderr.contains("no .eml files"))
    }

    @Test func aBadPolicyExits78WithItsLocation() async throws {
        let scratch = try ScratchDirectory()
        let bad = try scratch.write("bad.yaml", "postern-policy: 1\nname: bad\ntransport:\n  min-tls: \"1.0\"\n")
        let output = try await ComplianceTableProcess.run([
            "--policy", policy, "--policy", bad, "--format", "json", samples,
        ])
        #expect(output.status == 78)
        #expect(output.stderr.contains("\(bad):4:"))
        let json = try output.jsonObject()
        #expect(json["exit-code"] as? Int == 78)
        #expect((json["files"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [["--format", "yaml", "x"], [], ["--policy"], ["a", "b"], ["--bogus", "x"]])
    func aBadCommandLineExits64(arguments: [String]) async throws {
        let output = try await ComplianceTableProcess.run(arguments)
        #expect(output.status == 64)
        #expect(output.stderr.contains("usage: ComplianceTable"))
    }
}
