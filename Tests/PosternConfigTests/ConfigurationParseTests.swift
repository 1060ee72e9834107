import Foundation
import Postern
import PosternPolicy
import Testing

@Suite struct ConfigurationParseTests {
    static let complete = """
        postern-config: 1
        server: smtp.example.org:465
        connect: 127.0.0.1:1465
        security: implicit-tls
        helo: client.example.org
        timeout: 12.5
        ca-file: ca.pem
        user: alice
        password:
          command: pass show mail/alice
        policies: [policies/org.yaml, /etc/postern/strict.yaml]
        from: alice@example.org
        smime:
          cert: keys/alice.pem
          key: keys/alice.key
          certs: recipients
        gnupg-home: /home/alice/.gnupg
        pgp-signer: alice@example.org
        sign: smime
        encrypt: openpgp

        """

    func parse(_ text: String, file: String = "/conf/postern/config.yaml", permissions: UInt32? = 0o600)
        throws(ConfigurationError) -> PosternConfiguration
    {
        try PosternConfiguration.parse(Array(text.utf8), file: file, permissions: permissions)
    }

    /// The diagnostics as `LINE:COL: MESSAGE` fragments; the file prefix is checked separately.
    func errors(_ text: String, file: String = "/conf/config.yaml", permissions: UInt32? = 0o600) -> [PolicyDiagnostic]
    {
        do {
            _ = try parse(text, file: file, permissions: permissions)
            Issue.record("expected the configuration to be refused")
            return []
        } catch {
            #expect(error.exitStatus == .config)
            #expect(error.diagnostics.allSatisfy { $0.file == file })
            return error.diagnostics
        }
    }

    @Test func completeFile() throws {
        let configuration = try parse(Self.complete)
        #expect(configuration.file == "/conf/postern/config.yaml")
        #expect(configuration.server == ServerEndpoint(host: "smtp.example.org", port: 465))
        #expect(configuration.connect == ServerEndpoint(host: "127.0.0.1", port: 1465))
        #expect(configuration.security == .implicitTLS)
        #expect(configuration.helo == "client.example.org")
        #expect(configuration.timeout == 12.5)
        #expect(configuration.caFile == "/conf/postern/ca.pem")
        #expect(configuration.credential == Credential(user: "alice", password: .command("pass show mail/alice")))
        #expect(configuration.policies == ["/conf/postern/policies/org.yaml", "/etc/postern/strict.yaml"])
        #expect(configuration.from == "alice@example.org")
        #expect(configuration.smime.cert == "/conf/postern/keys/alice.pem")
        #expect(configuration.smime.key == "/conf/postern/keys/alice.key")
        #expect(configuration.smime.certs == "/conf/postern/recipients")
        #expect(configuration.gnupgHome == "/home/alice/.gnupg")
        #expect(configuration.pgpSigner == "alice@example.org")
        #expect(configuration.sign == .smime)
        #expect(configuration.encrypt == .openpgp)
    }

    @Test func minimalFileLeavesEverythingUnset() throws {
        let configuration = try parse("postern-config: 1\n")
        #expect(configuration == PosternConfiguration(file: "/conf/postern/config.yaml"))
    }

    @Test(arguments: [
        ("password: {env: SMTP_PASSWORD}", PasswordSource.environment("SMTP_PASSWORD")),
        ("password: {file: secrets/pw}", .file("/conf/postern/secrets/pw")),
        ("password: {file: /abs/pw}", .file("/abs/pw")),
        ("password:\n  command: \"gpg -dq pw.gpg\"", .command("gpg -dq pw.gpg")),
    ])
    func passwordSources(line: String, expected: PasswordSource) throws {
        let configuration = try parse("postern-config: 1\nuser: bob\n\(line)\n")
        #expect(configuration.credential == Credential(user: "bob", password: expected))
    }

    @Test(arguments: [
        ("config.yaml", "./pol.yaml"), ("dir/config.yaml", "dir/pol.yaml"), ("/config.yaml", "/pol.yaml"),
        ("/a/b/config.yaml", "/a/b/pol.yaml"),
    ])
    func relativePathsFollowTheConfigurationFile(file: String, expected: String) throws {
        let configuration = try parse("postern-config: 1\npolicies: [pol.yaml]\n", file: file)
        #expect(configuration.policies == [expected])
    }

    @Test func relativePolicyPathsLoadFromTheConfigurationDirectory() throws {
        let directory = try ScratchDirectory()
        try directory.write("conf/policies/org.yaml", "postern-policy: 1\nname: org\n")
        let file = try directory.write("conf/config.yaml", "postern-config: 1\npolicies: [policies/org.yaml]\n")
        let configuration = try PosternConfiguration.load(contentsOf: file)
        #expect(configuration.policies == [directory.path + "/conf/policies/org.yaml"])
        let policy = try PolicyLoader.load(contentsOf: try #require(configuration.policies.first))
        #expect(policy.name == "org")
    }

    @Test func unknownKeyIsLocated() {
        let diagnostics = errors("postern-config: 1\nserver: smtp.example.org\n  \nsevrer: x\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.line == 4)
        #expect(diagnostics.first?.column == 1)
        #expect(diagnostics.first?.message.contains("unknown key 'sevrer'") == true)
        #expect(diagnostics.first?.description.hasPrefix("/conf/config.yaml:4:1: error: unknown key 'sevrer'") == true)
    }

    @Test func everyErrorIsReported() {
        let text = """
            postern-config: 1
            security: plaintext
            timeout: -3
            smime:
              cert: a.pem
              colour: blue
            sign: pgp
            connect: mail.example.org

            """
        let found = errors(text).map { "\($0.line):\($0.column)" }
        #expect(found == ["2:11", "3:10", "4:1", "6:3", "7:7", "8:10"])
    }

    @Test(arguments: [
        ("server: [a, b]", 2, 9, "server must be a string, found a list"),
        ("server: 'bad host'", 2, 9, "server: the host must be a DNS name or an address"),
        ("timeout: ten", 2, 10, "timeout must be a positive number of seconds"),
        ("timeout: 0", 2, 10, "timeout must be a positive number"),
        ("helo: \"a b\"", 2, 7, "helo must be a name without spaces"),
        ("password: {env: PW}", 2, 1, "'password' needs a 'user'"),
        ("user: bob", 2, 1, "'user' needs a 'password' source"),
        ("user: bob\npassword: {env: PW, file: f}", 3, 11, "exactly one of env, file, command"),
        ("user: bob\npassword: {}", 3, 11, "exactly one of env, file, command"),
        ("user: bob\npassword: {env: 'A-B'}", 3, 17, "password.env must be an environment variable name"),
        ("user: bob\npassword: {token: x}", 3, 12, "unknown key 'token' in password"),
        ("user: bob\npassword: {command: ''}", 3, 21, "password.command must not be empty"),
        ("policies: org.yaml", 2, 11, "policies must be a list"),
        ("encrypt: [smime]", 2, 10, "encrypt must be a string"),
        ("from: \"a@b\\nRCPT TO:<x>\"", 2, 7, "from must be free of CR, LF and NUL"),
        ("base: &b {x: 1}", 2, 7, "anchors and aliases are not allowed"),
        ("server: &s smtp.example.org", 2, 9, "anchors and aliases are not allowed"),
        ("helo: &h a\nfrom: *h", 2, 7, "anchors and aliases are not allowed"),
        ("smime: &m {certs: d}\nuser: u\npassword: {file: *m}", 2, 8, "anchors and aliases are not allowed"),
    ])
    func wrongValuesAreLocated(line: String, errorLine: Int, column: Int, fragment: String) throws {
        let diagnostics = errors("postern-config: 1\n\(line)\n")
        let first = try #require(diagnostics.first)
        #expect(first.line == errorLine)
        #expect(first.column == column)
        #expect(first.message.contains(fragment))
    }

    @Test func versionIsRequiredAndChecked() {
        #expect(
            errors("server: smtp.example.org\n").first?.message.contains("missing required key 'postern-config'")
                == true)
        let wrongVersion = errors("postern-config: 2\n").first
        #expect(wrongVersion?.message.contains("unsupported postern-config version 2") == true)
        #expect(wrongVersion.map { "\($0.line):\($0.column)" } == "1:17")
    }

    @Test(arguments: [
        ("", 1, 1, "the file is empty"), ("- a\n- b\n", 1, 1, "the configuration must be a mapping"),
        ("postern-config: 1\nserver: [a\n", 3, 1, "not valid YAML"),
        ("postern-config: 1\nserver: a\nserver: b\n", 2, 1, "duplicate key 'server'"),
        ("postern-config: 1\n\tserver: a\n", 2, 1, "not valid YAML"),
    ])
    func brokenFilesAreLocated(text: String, line: Int, column: Int, fragment: String) throws {
        let first = try #require(errors(text).first)
        #expect(first.message.contains(fragment))
        #expect(first.line == line)
        #expect(first.column == column)
    }

    @Test(arguments: [
        ("password: {command: \"a && b *\"}", "a && b *"),
        ("password: {command: ls *.gpg && cat x}", "ls *.gpg && cat x"),
        ("password:\n  command: |\n    *weird\n    &more\n", "*weird\n&more\n"),
        ("password: {command: 'it''s *'}", "it's *"),
    ])
    func starsAndAmpersandsInsideValuesAreText(line: String, command: String) throws {
        let configuration = try parse("postern-config: 1\nuser: u\n\(line)\n")
        #expect(configuration.credential?.password == .command(command))
    }

    @Test func aliasBombIsRefusedBeforeParsing() throws {
        var text = "postern-config: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        text += "? *i\n: 1\n"
        let first = try #require(errors(text).first)
        #expect("\(first.line):\(first.column)" == "2:4")
        #expect(first.message.contains("anchors and aliases"))
    }

    @Test(arguments: [String(repeating: "[", count: 5000), String(repeating: "{a: ", count: 5000)])
    func deepNestingIsRefused(opening: String) throws {
        let first = try #require(errors("postern-config: 1\nserver: \(opening)\n").first)
        #expect(first.message.contains("nesting too deep"))
        #expect(first.line == 2)
    }

    @Test func oversizedAndNonUTF8FilesAreRefused() throws {
        let big = "postern-config: 1\n" + "# " + String(repeating: "x", count: 70_000) + "\n"
        #expect(errors(big).first?.message.contains("at most 65536 bytes") == true)
        do {
            _ = try PosternConfiguration.parse([0x61, 0xFF, 0x3A], file: "/c.yaml")
            Issue.record("expected a UTF-8 error")
        } catch {
            #expect(error.diagnostics.first?.message.contains("not valid UTF-8") == true)
        }
    }

    @Test(arguments: [UInt32(0o620), 0o602, 0o666, 0o664])
    func passwordCommandInAFileOthersCanWriteIsRefused(mode: UInt32) throws {
        let text = "postern-config: 1\nuser: bob\npassword:\n  command: pass show mail\n"
        do {
            _ = try parse(text, file: "/c.yaml", permissions: mode)
            Issue.record("expected refusal")
        } catch {
            #expect(error.code == .insecure)
            let first = try #require(error.diagnostics.first)
            #expect("\(first.line):\(first.column)" == "4:3")
            #expect(first.message.contains(String(format: "%04o", mode)))
            #expect(first.message.contains("chmod go-w /c.yaml"))
        }
        // Read-only for others is fine, and so is a writable file without a command.
        _ = try parse(text, file: "/c.yaml", permissions: 0o644)
        _ = try parse("postern-config: 1\nuser: bob\npassword: {env: PW}\n", file: "/c.yaml", permissions: 0o666)
    }

    @Test func realFileModeIsChecked() throws {
        let directory = try ScratchDirectory()
        let text = "postern-config: 1\nuser: bob\npassword: {command: pass show mail}\n"
        let writable = try directory.write("config.yaml", text, mode: 0o664)
        #expect(throws: ConfigurationError.self) { try PosternConfiguration.load(contentsOf: writable) }
        let safe = try directory.write("safe.yaml", text, mode: 0o644)
        #expect(try PosternConfiguration.load(contentsOf: safe).credential?.password == .command("pass show mail"))
    }

    @Test func passwordCommandNeverAppearsInErrors() {
        let text = "postern-config: 1\nuser: bob\npassword: {command: \"echo \(canary)\"}\nbogus: 1\n"
        for diagnostic in errors(text, permissions: 0o666) {
            #expect(!diagnostic.description.contains(canary))
        }
    }
}
