import Foundation
import Testing

@testable import PosternCLI

@Suite struct SendmailArgumentParserTests {
    @Test func gitSendEmailStyleCommandLine() throws {
        let parsed = try SendmailArgumentParser.parse(["-i", "-f", "me@example.org", "a@example.org", "b@example.org"])
        #expect(parsed.ignoreDots)
        #expect(!parsed.recipientsFromHeaders)
        #expect(parsed.sender == "me@example.org")
        #expect(parsed.recipients == ["a@example.org", "b@example.org"])
    }

    @Test func muttAndCronFlagsAreAcceptedAndIgnored() throws {
        let parsed = try SendmailArgumentParser.parse([
            "-oem", "-oi", "-odi", "-bm", "-B", "8BITMIME", "-N", "never", "-Am", "-U", "-t", "-F", "Ann Example", "--",
            "c@example.org",
        ])
        #expect(parsed.ignoreDots)
        #expect(parsed.recipientsFromHeaders)
        #expect(parsed.fullName == "Ann Example")
        #expect(parsed.recipients == ["c@example.org"])
        #expect(parsed.ignoredFlags == ["-oem", "-odi", "-B 8BITMIME", "-N never", "-A m", "-U"])
    }

    @Test func cronStyleCommandLine() throws {
        let parsed = try SendmailArgumentParser.parse(["-FCronDaemon", "-i", "-B8BITMIME", "-oem", "root"])
        #expect(parsed.fullName == "CronDaemon")
        #expect(parsed.ignoreDots)
        #expect(parsed.recipients == ["root"])
        #expect(parsed.ignoredFlags == ["-B 8BITMIME", "-oem"])
    }

    @Test func bundledAndAttachedValues() throws {
        let parsed = try SendmailArgumentParser.parse(["-ti", "-fme@example.org", "-v", "a@example.org, b@example.org"])
        #expect(parsed.recipientsFromHeaders && parsed.ignoreDots && parsed.verbose)
        #expect(parsed.sender == "me@example.org")
        #expect(parsed.recipients == ["a@example.org", "b@example.org"])
    }

    @Test func nullSenderAndAngleBrackets() throws {
        #expect(try SendmailArgumentParser.parse(["-f", "<>", "-t"]).sender == "")
        #expect(try SendmailArgumentParser.parse(["-r", "<me@example.org>", "-t"]).sender == "me@example.org")
    }

    @Test func formatIsAPosternExtension() throws {
        #expect(try SendmailArgumentParser.parse(["--format", "json", "-t"]).format == .json)
        #expect(try SendmailArgumentParser.parse(["--format=json", "-t"]).format == .json)
    }

    @Test(
        arguments: [
            ([], "no recipients"), (["-x", "a@b"], "unknown option -x"), (["-bp"], "mode -bp"),
            (["-bs"], "mode -bs"), (["a@b", "-f"], "-f needs a value"),
            (["--password=secret", "a@b"], "unknown option --password"),
            (["-", "a@b"], "'-' is not a recipient"), (["-t", "a@b, ,c@d"], "must not be empty"),
        ] as [([String], String)])
    func usageErrors(arguments: [String], fragment: String) {
        #expect {
            _ = try SendmailArgumentParser.parse(arguments)
        } throws: { error in
            guard let error = error as? SendmailUsageError else { return false }
            return !error.isDataError && error.message.contains(fragment) && !error.message.contains("secret")
        }
    }

    @Test(arguments: [["a@b\r\nRCPT TO:<x@y>"], ["-f", "me@b\n", "-t"], ["-F", "Ann\r\nBcc: x@y", "-t"]])
    func controlCharactersAreDataErrors(arguments: [String]) {
        #expect {
            _ = try SendmailArgumentParser.parse(arguments)
        } throws: { error in
            (error as? SendmailUsageError)?.isDataError == true
        }
    }

    @Test func configLookupOrder() {
        #expect(
            SendmailConfigLocator.candidates(explicit: nil, environment: ["HOME": "/home/a"])
                == ["/home/a/.config/postern/config.yaml", "/etc/postern/config.yaml"])
        #expect(
            SendmailConfigLocator.candidates(explicit: nil, environment: ["HOME": "/h", "POSTERN_CONFIG": "/c.yaml"])
                == ["/c.yaml"])
        #expect(
            SendmailConfigLocator.candidates(explicit: "/x.yaml", environment: ["POSTERN_CONFIG": "/c.yaml"]) == [
                "/x.yaml"
            ])
    }
}

@Suite struct SendmailProcessTests {
    /// A valid configuration in a temporary directory, named through $POSTERN_CONFIG.
    final class ConfiguredEnvironment {
        let directory: TemporaryDirectory
        let file: String
        var environment: [String: String] { ["POSTERN_CONFIG": file] }

        init(_ text: String = "postern-config: 1\nserver: smtp.example.org\n", mode: Int = 0o600) throws {
            directory = try TemporaryDirectory()
            file = directory.url.appendingPathComponent("config.yaml").path
            _ = FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        }
    }

    /// stdin is /dev/null in these tests: the command line is accepted, then the empty input is a data error (65),
    /// found before any connection or password lookup.
    @Test func sendmailVerbParsesThenRefusesAnEmptyMessage() async throws {
        let configured = try ConfiguredEnvironment()
        let result = try await PosternProcess.run(
            ["sendmail", "-oem", "-oi", "-f", "me@example.org", "a@example.org"], environment: configured.environment)
        #expect(result.status == 65)
        #expect(result.stderr.contains("postern sendmail: stdin: not an RFC 5322 message"))
        #expect(result.stdout.isEmpty)
    }

    @Test func addressWithLineBreakExits65() async throws {
        let result = try await PosternProcess.run(["sendmail", "a@example.org\r\nDATA"])
        #expect(result.status == 65)
    }

    @Test func invokedAsSendmailBehavesAsTheSendmailVerb() async throws {
        let directory = try TemporaryDirectory()
        let link = directory.url.appendingPathComponent("sendmail")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: try PosternProcess.executable())

        let configured = try ConfiguredEnvironment()
        let environment = configured.environment
        let accepted = try await PosternProcess.run(["-t", "-i", "-v"], executable: link, environment: environment)
        #expect(accepted.status == 65)
        #expect(accepted.stderr.contains("postern sendmail: stdin: not an RFC 5322 message"))
        #expect(accepted.stderr.contains("from-headers=yes"))

        let json = try await PosternProcess.run(
            ["-oi", "--format", "json", "a@example.org"], executable: link, environment: environment)
        #expect(json.status == 65)
        #expect(try json.jsonObject()["verb"] as? String == "sendmail")

        // Not parsed as postern verbs: "send" is just a recipient here, "-bp" a sendmail mode.
        await #expect(try PosternProcess.run(["send"], executable: link, environment: environment).status == 65)
        await #expect(try PosternProcess.run(["-bp"], executable: link, environment: environment).status == 64)
    }

    @Test func explicitConfigurationIsUsed() async throws {
        let configured = try ConfiguredEnvironment("postern-config: 1\nserver: smtp.example.org:465\n")
        let result = try await PosternProcess.run(["sendmail", "-v", "-C", configured.file, "a@example.org"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("config=\(configured.file)"))
        #expect(result.stderr.contains("server=smtp.example.org:465"))
    }

    @Test func missingConfigurationExits78ListingThePathsTried() async throws {
        let directory = try TemporaryDirectory()
        let home = directory.url.path
        let result = try await PosternProcess.run(
            ["sendmail", "a@example.org"], environment: ["HOME": home, "XDG_CONFIG_HOME": ""])
        #expect(result.status == 78)
        #expect(
            result.stderr.contains(
                "no configuration found; tried: \(home)/.config/postern/config.yaml, /etc/postern/config.yaml"))
        #expect(result.stdout.isEmpty)
    }

    @Test func brokenConfigurationExits78WithEveryLocatedError() async throws {
        let configured = try ConfiguredEnvironment("postern-config: 1\nsevrer: x\ntimeout: soon\n")
        let result = try await PosternProcess.run(["sendmail", "a@example.org"], environment: configured.environment)
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(configured.file):2:1: error: unknown key 'sevrer'"))
        #expect(result.stderr.contains("\(configured.file):3:10: error: timeout must be a positive number of seconds"))

        let json = try await PosternProcess.run(
            ["sendmail", "--format", "json", "a@example.org"], environment: configured.environment)
        #expect(json.status == 78)
        #expect(try json.jsonObject()["exit-code"] as? Int == 78)
    }

    @Test func passwordCommandInGroupWritableConfigurationIsRefused() async throws {
        let text = "postern-config: 1\nuser: me\npassword:\n  command: echo canary-secret\n"
        let configured = try ConfiguredEnvironment(text, mode: 0o664)
        let result = try await PosternProcess.run(
            ["sendmail", "-v", "a@example.org"], environment: configured.environment)
        #expect(result.status == 78)
        #expect(
            result.stderr.contains(
                "\(configured.file):4:3: error: the configuration file is writable by group or others (mode 0664)"))
        #expect(!result.stderr.contains("canary-secret"))
    }

    @Test func policyLayersNamedByTheConfigurationAreChecked() async throws {
        let configured = try ConfiguredEnvironment("postern-config: 1\npolicies: [missing.yaml]\n")
        let missing = try await PosternProcess.run(["sendmail", "a@example.org"], environment: configured.environment)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains(configured.directory.url.path + "/missing.yaml"))

        let policy = configured.directory.url.appendingPathComponent("broken.yaml").path
        _ = FileManager.default.createFile(
            atPath: policy, contents: Data("postern-policy: 1\nname: b\nbogus: 1\n".utf8))
        let broken = try ConfiguredEnvironment("postern-config: 1\npolicies: [\(policy)]\n")
        let invalid = try await PosternProcess.run(["sendmail", "a@example.org"], environment: broken.environment)
        #expect(invalid.status == 78)
        #expect(invalid.stderr.contains("\(policy):3:1: error: unknown key 'bogus'"))

        _ = FileManager.default.createFile(atPath: policy, contents: Data("postern-policy: 1\nname: good\n".utf8))
        // A good policy: sendmail gets as far as the submission, which needs a server this configuration lacks.
        let good = try await PosternProcess.run(["sendmail", "a@example.org"], environment: broken.environment)
        #expect(good.status == 78)
        #expect(good.stderr.contains("no submission server configured"))
    }

    @Test func verboseTraceNeverShowsThePasswordCommand() async throws {
        let configured = try ConfiguredEnvironment(
            "postern-config: 1\nuser: me\npassword:\n  command: echo canary-secret\n")
        let result = try await PosternProcess.run(
            ["sendmail", "-v", "a@example.org"], environment: configured.environment)
        #expect(result.status == 78, "no server configured")
        #expect(result.stderr.contains("credential=me via command (not shown)"))
        #expect(!result.stderr.contains("canary-secret"))
    }
}
