import Foundation
import Testing

@testable import PosternPolicy

@Suite struct SchemaTests {
    @Test func fullSchemaParsesEveryKey() throws {
        let doc = try document(
            """
            postern-policy: 1
            name: org-baseline
            description: free text
            transport:
              security: [implicit-tls, starttls]
              min-tls: "1.3"
              certificate: pin-only
              pins: ["sha256//F265CNlFZNTCrI02k+L09vwK5BUnubP6O1Gr6MO2UZE="]
              starttls:
                require-pin: true
              auth:
                mechanisms: [SCRAM-SHA-256, PLAIN, LOGIN, XOAUTH2, OAUTHBEARER]
                over-plaintext: refuse
            message:
              sign: required
              encrypt: forbidden
              formats: [openpgp, smime]
              smime:
                cipher: [aes-256-gcm, aes-256-cbc]
                digest: [sha384]
                min-rsa-bits: 3072
              max-size: 10MB
            envelope:
              senders: ["*@example.org"]
              recipients:
                allow: ["*"]
                deny: ["*@example.invalid"]
            rules:
              - name: partner-pinned
                when: { server: "smtp.partner.example" }
                transport: { security: [starttls], pins: ["sha256//BTt+asFlqEcXsZcg6Xqlnnx6SAvvdJx00g5Ik6FcVi8="] }
              - name: encrypt-external
                when: { recipient-not: ["*@example.org"] }
                message: { encrypt: required }
            """, file: "org.yaml")
        #expect(doc.name == "org-baseline")
        #expect(doc.file == "org.yaml")
        #expect(doc.description == "free text")
        let transport = doc.requirements.transport
        #expect(transport.security?.value == [.implicitTLS, .starttls])
        #expect(transport.security?.location == SourceLocation(file: "org.yaml", line: 5, column: 3))
        #expect(transport.minTLS?.value == .tls13)
        #expect(transport.certificate?.value == .pinOnly)
        #expect(transport.pins?.value.count == 1)
        #expect(transport.requirePin?.value == true)
        #expect(transport.authMechanisms?.value.first == .scramSHA256)
        #expect(transport.overPlaintext?.value == .refuse)
        let message = doc.requirements.message
        #expect(message.sign?.value == .required)
        #expect(message.encrypt?.value == .forbidden)
        #expect(message.formats?.value == [.openpgp, .smime])
        #expect(message.smimeCiphers?.value == [.aes256GCM, .aes256CBC])
        #expect(message.smimeDigests?.value == [.sha384])
        #expect(message.minRSABits?.value == 3072)
        #expect(message.maxSize?.value == 10_000_000)
        #expect(doc.requirements.envelope.senders?.value.globs.map(\.pattern) == ["*@example.org"])
        #expect(doc.requirements.envelope.recipientsDeny?.value.globs.count == 1)
        #expect(doc.rules.map(\.name) == ["partner-pinned", "encrypt-external"])
        #expect(doc.rules[0].location.line == 29)
        #expect(doc.rules[1].condition.recipientNot?.value.globs.map(\.pattern) == ["*@example.org"])
    }

    @Test(arguments: [
        ("25MiB", UInt64(25 << 20)), ("10MB", 10_000_000), ("1024", 1024), ("3KiB", 3072), ("2GiB", 2 << 30),
        ("7KB", 7000), ("1GB", 1_000_000_000), ("12B", 12),
    ])
    func sizes(text: String, bytes: UInt64) throws {
        let doc = try document(headerYAML + "message:\n  max-size: \(text)\n")
        #expect(doc.requirements.message.maxSize?.value == bytes)
    }

    @Test(arguments: ["25 MB!", "MiB", "-1", "0", "1.5MB", "25mib", "99999999999999999999", "25TiB", "\"\""])
    func malformedSizes(text: String) {
        let found = diagnostics(headerYAML + "message:\n  max-size: \(text)\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 4)
        #expect(found.first?.column == 13)
    }

    /// Each bad document, the expected (line, column) of its first diagnostic and a word of its message.
    @Test(arguments: [
        (headerYAML + "transprt: {}\n", 3, 1, "unknown key 'transprt'"),
        (headerYAML + "transport:\n  security: [implicit-tls, smoke-signals]\n", 4, 28, "smoke-signals"),
        (headerYAML + "transport:\n  security: implicit-tls\n", 4, 13, "must be a list"),
        (headerYAML + "transport:\n  min-tls: \"1.1\"\n", 4, 12, "'1.1' is not a valid min-tls"),
        (headerYAML + "transport:\n  pins: [\"sha256//abc\"]\n", 4, 10, "malformed pin"),
        (
            headerYAML + "transport:\n  pins: [\"sha1//F265CNlFZNTCrI02k+L09vwK5BUnubP6O1Gr6MO2UZE=\"]\n", 4, 10,
            "malformed pin"
        ),
        (headerYAML + "transport:\n  pins: [\"sha256//AAAA\"]\n", 4, 10, "base64 of 32 bytes"),
        (headerYAML + "transport:\n  starttls:\n    require-pin: \"yes\"\n", 5, 18, "true or false"),
        (headerYAML + "transport:\n  auth:\n    over-plaintext: maybe\n", 5, 21, "over-plaintext"),
        (headerYAML + "message:\n  sign: always\n", 4, 9, "sign level"),
        (headerYAML + "message:\n  smime:\n    min-rsa-bits: 512\n", 5, 19, "between 1024"),
        (headerYAML + "message:\n  smime:\n    min-rsa-bits: lots\n", 5, 19, "integer"),
        (headerYAML + "envelope:\n  senders: [\"**@example.org\"]\n", 4, 13, "malformed pattern"),
        (headerYAML + "envelope:\n  senders: [\"a@b@example.org\"]\n", 4, 13, "at most one '@'"),
        (headerYAML + "envelope:\n  senders: [\"user@exa mple.org\"]\n", 4, 13, "not allowed"),
        (headerYAML + "envelope:\n  senders: [\"@example.org\"]\n", 4, 13, "local part"),
        (headerYAML + "envelope:\n  senders: [\"*@example..org\"]\n", 4, 13, "empty labels"),
        (headerYAML + "rules:\n  - name: r\n    when: { planet: mars }\n", 5, 13, "unknown key 'planet'"),
        (headerYAML + "rules:\n  - when: { server: x.example }\n", 4, 5, "needs a 'name'"),
        (headerYAML + "rules:\n  - name: r\n  - name: r\n", 5, 5, "already used"),
        (headerYAML + "rules: {}\n", 3, 8, "must be a list"),
        ("name: t\n", 1, 1, "missing required key 'postern-policy'"),
        ("postern-policy: 1\n", 1, 1, "missing required key 'name'"),
        ("postern-policy: 2\nname: t\n", 1, 17, "unsupported postern-policy version 2"),
        ("postern-policy: \"1\"\nname: t\n", 1, 17, "must be an integer"),
        ("- just\n- a list\n", 1, 1, "must be a mapping"),
    ])
    func locatedErrors(yaml: String, line: Int, column: Int, fragment: String) {
        let found = diagnostics(yaml)
        #expect(!found.isEmpty)
        #expect(found.first?.line == line)
        #expect(found.first?.column == column)
        #expect(found.first?.message.contains(fragment) == true, "\(found)")
        #expect(found.first?.description.hasPrefix("test.yaml:\(line):\(column): error: ") == true)
    }

    @Test func everyErrorOfAFileIsReported() {
        let found = diagnostics(
            """
            postern-policy: 1
            name: many-mistakes
            colour: blue
            transport:
              security: [carrier-pigeon]
              min-tls: "1.0"
            message:
              encrypt: sometimes
              max-size: huge
            rules:
              - name: r1
                when: { sender: "a@@b" }
            """)
        #expect(found.map(\.line) == [3, 5, 6, 8, 9, 12])
        #expect(Set(found.map(\.file)) == ["test.yaml"])
    }

    @Test func yamlSyntaxErrorIsLocated() throws {
        let found = diagnostics("postern-policy: 1\nname: t\ntransport: [unclosed\n")
        let first = try #require(found.first)
        #expect(found.count == 1)
        #expect(first.line >= 3)
        #expect(first.message.contains("not valid YAML"))
    }

    @Test func notYAMLAtAll() throws {
        let found = diagnostics("\t{{{ this is : not : yaml ]]]\n")
        #expect(found.count == 1)
        let first = try #require(found.first)
        #expect(first.line == 1)
    }

    @Test func plainScalarIsNotAPolicy() {
        let found = diagnostics("hello world\n")
        #expect(found.first?.message.contains("must be a mapping") == true)
    }

    @Test(arguments: ["", "   \n\n", "\n"])
    func emptyFile(text: String) {
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("empty") == true)
    }

    @Test func oversizedFileIsRejectedBeforeParsing() {
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 50 * 1024 * 1024)
        let found = diagnostics(bytes: huge)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("at most 1048576 bytes") == true)
    }

    @Test func oversizedFileOnDiskIsRejected() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "postern-big-\(UInt64.random(in: 0...UInt64.max)).yaml"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 50 * 1024 * 1024)))
        let found = PolicyLoader.lint(paths: [path])
        #expect(found.count == 1)
        #expect(found.first?.file == path)
        #expect(found.first?.message.contains("at most") == true)
    }

    @Test(arguments: [
        String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
        String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000),
        (0..<1_400).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"),
        String(repeating: "- ", count: 10_000) + "x",
    ])
    func deepNestingIsRejectedWithoutRecursion(text: String) {
        let found = diagnostics(text)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("nesting too deep") == true, "\(found.first?.message ?? "")")
    }

    @Test func billionLaughsIsRejected() {
        var lines = ["postern-policy: 1", "name: lol", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1..<10 {
            let refs = Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(refs)]")
        }
        let found = diagnostics(lines.joined(separator: "\n"))
        #expect(found.count == 1)
        #expect(found.first?.line == 3)
        #expect(found.first?.column == 5)
        #expect(found.first?.message.contains("anchors and aliases") == true)
    }

    @Test func ampersandInsideTextIsFine() throws {
        let doc = try document(headerYAML + "description: this & that * those\n")
        #expect(doc.description == "this & that * those")
    }

    @Test func duplicateKeysAreRejected() throws {
        let found = diagnostics("postern-policy: 1\nname: a\nname: b\n")
        let first = try #require(found.first)
        #expect(first.message.contains("duplicate key 'name'"))
        #expect(first.line == 2)
    }

    @Test func nonUTF8ByteIsLocated() {
        var bytes = Array("postern-policy: 1\nname: caf".utf8)
        bytes.append(0xE9)  // Latin-1 é
        bytes += Array("\n".utf8)
        let found = diagnostics(bytes: bytes)
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.column == 10)
        #expect(found.first?.message.contains("UTF-8") == true)
    }

    @Test func missingFileIsADiagnostic() {
        let found = PolicyLoader.lint(paths: ["/nonexistent/postern/policy.yaml"])
        #expect(found.count == 1)
        #expect(found.first?.description.hasPrefix("/nonexistent/postern/policy.yaml:1:1: error: ") == true)
    }

    @Test func multipleDocumentsAreRejected() {
        let found = diagnostics(headerYAML + "---\n" + headerYAML)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("not valid YAML") == true)
    }

    @Test func duplicateListEntriesAreRejected() {
        let found = diagnostics(headerYAML + "transport:\n  security: [starttls, starttls]\n")
        #expect(found.first?.message.contains("listed twice") == true)
    }

    @Test func emptySecurityListIsRejected() {
        let found = diagnostics(headerYAML + "transport:\n  security: []\n")
        #expect(found.first?.message.contains("at least one") == true)
    }
}

@Test(arguments: ["postern-policy: !!str 1\nname: t\n", "postern-policy: 1\nname: !custom t\n"])
func yamlTagsAreRejected(text: String) {
    let found = diagnostics(text)
    #expect(found.count == 1)
    #expect(found.first?.message.contains("tags are not allowed") == true)
}

@Test func diagnosticsPerFileAreCapped() {
    let text = headerYAML + (0..<5000).map { "unknown\($0): 1" }.joined(separator: "\n") + "\n"
    let found = diagnostics(text)
    #expect(found.count == 101)
    #expect(found.last?.message == "too many errors; 4900 more not shown")
    #expect(found.first?.line == 3)
}

@Test(arguments: [
    "{\"postern-policy\":1, \"name\":&n \"t\"}\n",
    "{\"postern-policy\":1, \"name\": t, \"x\": [\"a\"]:*n}\n",
    "postern-policy: 1\nname: t\ndescription: {\"k\":&a [x, x], \"j\":*a}\n",
])
func jsonStyleAnchorsAreRejected(text: String) {
    let found = diagnostics(text)
    #expect(found.count == 1)
    #expect(
        found.first.map { $0.message.contains("anchors") || $0.message.contains("not valid YAML") } == true, "\(found)")
}

@Test func anchoredNodeWalkFindsAnchorsAnywhere() throws {
    // Bypass the pre-scan to test the second line of defence on its own.
    let result = YAMLReading.parse("a:\n  - b: &x [1, 2]\n  - c: *x\n", file: "raw.yaml")
    guard case .failure(let diagnostic) = result else {
        Issue.record("an anchored document was accepted")
        return
    }
    #expect(diagnostic.line == 2)
    #expect(diagnostic.message.contains("anchors and aliases"))
}
