import Foundation
import Postern
import Testing

/// The README's policy cookbook, checked against the shipped files and the real binary, so that neither
/// the policy files nor the commands and outputs shown can drift from what Postern does.
private enum Readme {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text() throws -> String {
        try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// The README from `## Policy cookbook` up to the next `## ` heading.
    static func cookbook() throws -> String {
        let text = try text()
        let start = try #require(text.range(of: "\n## Policy cookbook\n"), "README has no '## Policy cookbook'")
        let rest = text[start.upperBound...]
        let end = rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// The fenced blocks of `text` with the info string `language`, each without its fences
    /// (the text between the fence lines, ending in a newline).
    static func blocks(_ language: String, in text: String) -> [String] {
        var blocks: [String] = []
        var current: [String]?
        for line in text.components(separatedBy: "\n") {
            if var lines = current {
                if line == "```" {
                    blocks.append(lines.map { $0 + "\n" }.joined())
                    current = nil
                } else {
                    lines.append(line)
                    current = lines
                }
            } else if line == "```" + language {
                current = []
            }
        }
        return blocks
    }

    /// The name after `# ` on the block's first line when it names a YAML file (`# policies/x.yaml: …`).
    static func fileName(of block: String) -> String? {
        guard let first = block.split(separator: "\n", omittingEmptySubsequences: false).first,
            first.hasPrefix("# ")
        else { return nil }
        let name = first.dropFirst(2).prefix { !$0.isWhitespace && $0 != ":" }
        return name.hasSuffix(".yaml") ? String(name) : nil
    }
}

/// One `$ postern …` command from a console block, with what the README says it prints and returns.
private struct ConsoleCommand: CustomStringConvertible {
    var arguments: [String]
    /// Lines the output (stdout and stderr) must contain; a line ending in ` …` is a prefix.
    var expectedLines: [String] = []
    /// The exit status shown by a following `$ echo $?`, if any.
    var expectedStatus: Int32?

    var description: String { "postern " + arguments.joined(separator: " ") }

    /// Parses every console block: `$ ` starts a command (a trailing `\` continues it), `$ echo $?` gives
    /// the previous command's status, other lines are its output.
    static func parse(_ blocks: [String]) throws -> [ConsoleCommand] {
        var commands: [ConsoleCommand] = []
        for block in blocks {
            var lines = block.components(separatedBy: "\n").filter { !$0.isEmpty }[...]
            var awaitingStatus = false
            while let line = lines.popFirst() {
                if awaitingStatus {
                    let status = try #require(Int32(line), "'$ echo $?' is not followed by a number: \(line)")
                    commands[commands.count - 1].expectedStatus = status
                    awaitingStatus = false
                } else if line == "$ echo $?" {
                    try #require(!commands.isEmpty)
                    awaitingStatus = true
                } else if line.hasPrefix("$ ") {
                    var command = String(line.dropFirst(2))
                    while command.hasSuffix("\\"), let next = lines.popFirst() {
                        command = String(command.dropLast()) + " " + next.trimmingCharacters(in: .whitespaces)
                    }
                    // Only plain words: what the README shows is what a shell would pass.
                    try #require(!command.contains { "'\"`$|<>;&*".contains($0) }, "not a plain command: \(command)")
                    let words = command.split(separator: " ").map(String.init)
                    try #require(words.first == "postern", "the cookbook runs only postern: \(command)")
                    commands.append(ConsoleCommand(arguments: Array(words.dropFirst())))
                } else {
                    try #require(!commands.isEmpty, "output before any command: \(line)")
                    commands[commands.count - 1].expectedLines.append(line)
                }
            }
        }
        return commands
    }

    /// The README lines the actual output lacks.
    func missingLines(in output: ProcessOutput) -> [String] {
        let actual = (output.stdout + "\n" + output.stderr).components(separatedBy: "\n")
        return expectedLines.filter { expected in
            if expected.hasSuffix(" …") {
                let prefix = String(expected.dropLast(2))
                return !actual.contains { $0.hasPrefix(prefix) }
            }
            return !actual.contains(expected)
        }
    }
}

/// A working directory laid out like the repository for the cookbook's relative paths: `policies/` and
/// `Examples/` link to the checkout, `keys/demo/smime/certs/` is an empty folder (no recipient
/// certificates), and each YAML block named `# NAME.yaml` (not under policies/) is written as NAME.
private final class CookbookSandbox {
    let directory: TemporaryDirectory

    init(readme: String) throws {
        directory = try TemporaryDirectory()
        let files = FileManager.default
        for name in ["policies", "Examples"] {
            try files.createSymbolicLink(
                at: directory.url.appendingPathComponent(name),
                withDestinationURL: Readme.root.appendingPathComponent(name))
        }
        try files.createDirectory(
            at: directory.url.appendingPathComponent("keys/demo/smime/certs"), withIntermediateDirectories: true)
        for block in Readme.blocks("yaml", in: readme) {
            guard let name = Readme.fileName(of: block), !name.contains("/") else { continue }
            _ = try directory.write(block, to: name)
        }
    }

    /// Runs the real postern in the sandbox. `check` and `send` get `--connect 127.0.0.1:9` unless the command
    /// names one, so that no recipe can reach the network even if a policy unexpectedly allowed the connection.
    func run(_ arguments: [String]) async throws -> ProcessOutput {
        var arguments = arguments
        if ["check", "send"].contains(arguments.first), !arguments.contains("--connect") {
            arguments += ["--connect", "127.0.0.1:9", "--timeout", "5"]
        }
        return try await PosternProcess.run(arguments, directory: directory.url)
    }

    /// Runs with `--format json` and returns the report.
    func report(_ arguments: [String]) async throws -> (status: Int32, report: [String: Any]) {
        let output = try await run(arguments + ["--format", "json"])
        return (output.status, try output.jsonObject())
    }
}

/// The `value` of one requirement in a report's `policy.effective`.
private func effective(_ field: String, in report: [String: Any]) -> Any? {
    let policy = report["policy"] as? [String: Any]
    return ((policy?["effective"] as? [String: Any])?[field] as? [String: Any])?["value"]
}

/// Each violation of a report as `code@source`.
private func violations(_ report: [String: Any]) -> [String] {
    (report["violations"] as? [[String: Any]] ?? []).map {
        "\($0["code"] as? String ?? "?")@\($0["source"] as? String ?? "?")"
    }
}

@Suite("README policy cookbook")
struct ReadmeCookbookTests {
    @Test("every policies/ block in the README is byte-identical to the shipped file")
    func policyBlocksMatchShippedFiles() throws {
        let readme = try Readme.text()
        let named = Readme.blocks("yaml", in: readme).compactMap { block in
            Readme.fileName(of: block).map { (name: $0, block: block) }
        }.filter { $0.name.hasPrefix("policies/") }
        let names = Set(named.map(\.name))
        for recipe in [
            "policies/implicit-tls-only.yaml", "policies/partner-pinned-starttls.yaml",
            "policies/encrypt-external.yaml", "policies/team-confidential.yaml", "policies/team-relaxed.yaml",
        ] {
            #expect(names.contains(recipe), "the cookbook does not show \(recipe)")
        }
        for (name, block) in named {
            let shipped = try String(contentsOf: Readme.root.appendingPathComponent(name), encoding: .utf8)
            #expect(block == shipped, "README's \(name) differs from the shipped file")
        }
    }

    @Test("the README's baseline block is policies/baseline.yaml")
    func baselineBlockMatches() throws {
        let blocks = Readme.blocks("yaml", in: try Readme.cookbook()).filter { $0.contains("name: rfc8314-baseline\n") }
        #expect(blocks.count == 1)
        let shipped = try String(
            contentsOf: Readme.root.appendingPathComponent("policies/baseline.yaml"), encoding: .utf8)
        #expect(blocks.first == shipped)
    }

    @Test("the pins of the partner recipe are recognisable example values")
    func partnerPinsAreExamples() throws {
        let text = try String(
            contentsOf: Readme.root.appendingPathComponent("policies/partner-pinned-starttls.yaml"), encoding: .utf8)
        let pins = text.components(separatedBy: "\n").filter { $0.contains("\"sha256//") }
        #expect(pins.count == 2)
        #expect(pins.allSatisfy { $0.contains("sha256//EXAMPLE+PIN+") })
        #expect(text.contains("postern pin --server smtp.partner.example:587 --starttls"))
    }

    @Test("every command in the cookbook prints the lines and returns the status the README shows")
    func consoleBlocksHold() async throws {
        let readme = try Readme.text()
        let commands = try ConsoleCommand.parse(Readme.blocks("console", in: try Readme.cookbook()))
        #expect(commands.count >= 10)
        #expect(commands.filter { $0.expectedStatus != nil }.count >= 6)
        let sandbox = try CookbookSandbox(readme: readme)
        for command in commands {
            let output = try await sandbox.run(command.arguments)
            #expect(!command.expectedLines.isEmpty, "\(command) shows no output")
            let missing = command.missingLines(in: output)
            #expect(
                missing.isEmpty,
                "\(command): README lines not printed:\n\(missing.joined(separator: "\n"))\nactual:\n\(output.stdout)\(output.stderr)"
            )
            if let status = command.expectedStatus {
                #expect(output.status == status, "\(command)")
            } else {
                #expect(output.status == 0, "\(command): status \(output.status), README shows none\n\(output.stderr)")
            }
        }
    }

    @Test("the recipes' outcomes, from the JSON reports")
    func recipeOutcomes() async throws {
        let sandbox = try CookbookSandbox(readme: try Readme.text())
        let envelope = ["--from", "alice@example.org", "--to", "bob@example.org", "--server", "smtp.example.org"]

        // 1. implicit TLS only: STARTTLS refused at the connect checkpoint, citing the security line.
        let starttls = try await sandbox.report([
            "check", "--policy", "policies/implicit-tls-only.yaml", "--server", "smtp.example.org:587", "--security",
            "starttls",
        ])
        #expect(starttls.status == 77)
        #expect(violations(starttls.report) == ["implicit-tls-required@policies/implicit-tls-only.yaml:8"])
        #expect(starttls.report["transport"] is NSNull, "refused before connecting: no transport facts")

        // 2. pinned STARTTLS for the partner, pin-required for anyone else.
        let partner = try await sandbox.report([
            "explain", "--policy", "policies/partner-pinned-starttls.yaml", "--from", "alice@example.org", "--to",
            "bob@partner.example", "--server", "smtp.partner.example:587",
        ])
        #expect(partner.status == 0)
        #expect(effective("transport.security", in: partner.report) as? [String] == ["starttls"])
        let pinSets = effective("transport.pins", in: partner.report) as? [[String]]
        #expect(pinSets?.count == 1)
        #expect(pinSets?.first?.allSatisfy { $0.hasPrefix("sha256//EXAMPLE+PIN+") } == true)
        let other = try await sandbox.report([
            "check", "--policy", "policies/partner-pinned-starttls.yaml", "--server", "smtp.other.example:587",
            "--security", "starttls",
        ])
        #expect(other.status == 77)
        #expect(violations(other.report) == ["pin-required@policies/partner-pinned-starttls.yaml:15"])
        let otherImplicit = try await sandbox.report([
            "explain", "--policy", "policies/partner-pinned-starttls.yaml", "--server", "smtp.other.example",
        ])
        #expect(effective("transport.security", in: otherImplicit.report) as? [String] == ["implicit-tls", "starttls"])

        // 3. encrypt to external domains: required with one external recipient, optional without; no key is 77.
        let external = try await sandbox.report([
            "explain", "--policy", "policies/encrypt-external.yaml", "--from", "alice@example.org", "--to",
            "bob@partner.example", "--to", "carol@example.org", "--server", "smtp.example.org",
        ])
        #expect(external.status == 0)
        #expect(effective("message.encrypt", in: external.report) as? String == "required")
        let internalOnly = try await sandbox.report(
            ["explain", "--policy", "policies/encrypt-external.yaml"] + envelope)
        #expect(effective("message.encrypt", in: internalOnly.report) as? String == "optional")
        // seal --format json writes the message to --output; denied, it writes nothing there.
        let output = sandbox.directory.url.appendingPathComponent("sealed.eml").path
        let sealed = try await sandbox.report([
            "seal", "--policy", "policies/encrypt-external.yaml", "--smime-certs", "keys/demo/smime/certs",
            "--output", output, "Examples/ComplianceTable/samples/external.eml",
        ])
        #expect(sealed.status == 77)
        #expect(violations(sealed.report) == ["recipient-key-missing@policies/encrypt-external.yaml:16"])
        #expect(!FileManager.default.fileExists(atPath: output))

        // 4. layering: the team layer tightens; the relaxed one gains nothing, in either order; no mode is a conflict.
        let confidential = try await sandbox.report(
            ["explain", "--policy", "policies/baseline.yaml", "--policy", "policies/team-confidential.yaml"] + envelope)
        #expect(effective("message.sign", in: confidential.report) as? String == "required")
        #expect(effective("message.encrypt", in: confidential.report) as? String == "required")
        #expect(effective("message.formats", in: confidential.report) as? [String] == ["smime"])

        let orgFirst = try await sandbox.report(
            ["explain", "--policy", "policies/implicit-tls-only.yaml", "--policy", "policies/team-relaxed.yaml"]
                + envelope)
        let teamFirst = try await sandbox.report(
            ["explain", "--policy", "policies/team-relaxed.yaml", "--policy", "policies/implicit-tls-only.yaml"]
                + envelope)
        let orgAlone = try await sandbox.report(["explain", "--policy", "policies/implicit-tls-only.yaml"] + envelope)
        for result in [orgFirst, teamFirst] {
            #expect(result.status == 0)
            #expect(effective("transport.security", in: result.report) as? [String] == ["implicit-tls"])
            #expect(effective("transport.auth.over-plaintext", in: result.report) as? String == "refuse")
        }
        // Order does not matter, and the team layer loosened nothing the organisation states.
        let fields = try #require(
            ((orgFirst.report["policy"] as? [String: Any])?["effective"] as? [String: Any])?.keys.sorted())
        #expect(fields.count > 10)
        for field in fields {
            let first = effective(field, in: orgFirst.report).map { "\($0)" }
            #expect(first == effective(field, in: teamFirst.report).map { "\($0)" }, "\(field)")
            #expect(first == effective(field, in: orgAlone.report).map { "\($0)" }, "\(field)")
        }
        let relaxedStarttls = try await sandbox.report([
            "check", "--policy", "policies/implicit-tls-only.yaml", "--policy", "policies/team-relaxed.yaml",
            "--server", "smtp.example.org:587", "--security", "starttls",
        ])
        #expect(relaxedStarttls.status == 77)
        #expect(violations(relaxedStarttls.report) == ["implicit-tls-required@policies/implicit-tls-only.yaml:8"])

        let conflict = try await sandbox.report(
            ["explain", "--policy", "policies/implicit-tls-only.yaml", "--policy", "policies/pinned-starttls.yaml"]
                + envelope)
        #expect(conflict.status == 77)
        #expect(violations(conflict.report) == ["policy-conflict@policies/implicit-tls-only.yaml:8"])
    }

    @Test("the README's minimal sendmail configuration is valid")
    func minimalConfigurationParses() throws {
        let blocks = Readme.blocks("yaml", in: try Readme.text()).filter { $0.hasPrefix("postern-config: 1\n") }
        #expect(blocks.count == 1)
        for block in blocks {
            let configuration = try PosternConfiguration.parse(
                Array(block.utf8), file: "/home/alice/.config/postern/config.yaml", permissions: 0o600)
            #expect(configuration.server?.host == "smtp.example.org")
            #expect(configuration.credential != nil)
            #expect(configuration.policies.isEmpty)
        }
    }
}
