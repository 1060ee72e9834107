import ArgumentParser
import Foundation
import Logging
import Postern
import PosternDemo

/// `postern demo`: starts an embedded demo submission server on 127.0.0.1 and walks through four sends
/// through the facade: one allowed (signed and encrypted), three refused before anything secret leaves.
///
/// Exit status 0 when all four behaved as expected; 66 when the key set or a policy file is missing;
/// 78 when a policy file is invalid or `--password-env` names an unset variable; 70 (`EX_SOFTWARE`)
/// when a step did not behave as documented or the demo could not run.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run four sends against an embedded demo server and show what the policies decide.",
        discussion: """
            Uses the DEMO-ONLY key set in keys/demo (made by keys/generate when missing and --keys is not \
            given) and the shipped policies in policies/: baseline.yaml + team-confidential.yaml, \
            pinned-starttls.yaml, encrypt-external.yaml and legacy-relay.yaml. The demo server listens on \
            127.0.0.1 only, on ephemeral ports, with a password made at run time and never shown.
            """
    )

    /// The default key set, relative to the repository root; the only one the demo makes when it is missing.
    static let defaultKeys = "keys/demo"

    @Option(
        help: ArgumentHelp(
            "The demo key set made by keys/generate (default: keys/demo, made when missing).",
            valueName: "dir"))
    var keys: String?

    @Option(
        help: ArgumentHelp(
            "The folder holding the demo's policy files (\(DemoConfiguration.policyFiles.joined(separator: ", "))).",
            valueName: "dir"))
    var policies = "policies"

    @Option(
        name: .customLong("password-env"),
        help: ArgumentHelp(
            "Give the demo account the password in this environment variable instead of a random one "
                + "(for tests that check it never appears in the output).",
            valueName: "var"))
    var passwordEnvironmentVariable: String?

    @OptionGroup var output: OutputOptions

    /// EX_SOFTWARE: the demo did not behave as documented.
    static let discrepancyStatus: Int32 = 70

    func validate() throws {
        if let passwordEnvironmentVariable, !PasswordSource.isValidEnvironmentName(passwordEnvironmentVariable) {
            throw ValidationError("--password-env needs an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "postern")
        logger.logLevel = output.verbose ? .debug : .notice
        let keysDirectory = keys ?? Self.defaultKeys
        let result: DemoResult
        do {
            let configuration = DemoConfiguration(
                keysDirectory: keysDirectory, policiesDirectory: policies,
                account: try demoAccount(environment: ProcessEnvironment.current))
            // Only the default key set is made on demand, by the repository's own script: a directory named
            // with --keys is used as it is, and a script next to it is never run.
            if keys == nil {
                let generator = URL(fileURLWithPath: keysDirectory).deletingLastPathComponent()
                    .appendingPathComponent("generate").path
                try await DemoKeyMaterial.ensure(configuration, generator: generator)
            }
            result = try await DemoRunner.run(configuration, logger: logger)
        } catch {
            OutputWriter.writeStandardError("postern demo: \(error)\n")
            // A JSON caller still gets one object, saying why, and never has to parse stderr.
            if output.format == .json { Self.writeJSON(DemoResult(steps: [], error: error.message)) }
            throw ExitCode(Self.status(for: error.code))
        }
        switch output.format {
        case .text:
            OutputWriter.writeStandardOutput(DemoTextRenderer.render(result))
        case .json:
            Self.writeJSON(result)
        }
        guard result.allAsExpected else {
            for step in result.steps {
                if let discrepancy = step.discrepancy {
                    OutputWriter.writeStandardError("postern demo: step \(step.id): \(discrepancy)\n")
                }
            }
            throw ExitCode(Self.discrepancyStatus)
        }
    }

    /// Writes `result` as one JSON object (sorted keys) on stdout.
    static func writeJSON(_ result: DemoResult) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data =
            (try? encoder.encode(result))
            ?? Data(
                #"{"all-as-expected":false,"error":"the result could not be encoded","postern-demo":1,"steps":[]}"#.utf8
            )
        OutputWriter.writeStandardOutput(String(decoding: data, as: UTF8.self) + "\n")
    }

    /// The exit status for a demo that could not run.
    static func status(for code: DemoError.Code) -> Int32 {
        switch code {
        case .missingInput: return ExitStatus.noInput.rawValue
        case .invalidPolicy, .invalidConfiguration: return ExitStatus.config.rawValue
        default: return discrepancyStatus
        }
    }

    /// The account for the demo server: random, or with the password from `--password-env`.
    private func demoAccount(environment: [String: String]) throws(DemoError) -> DemoAccount {
        guard let variable = passwordEnvironmentVariable else { return DemoAccount() }
        guard let value = environment[variable], !value.isEmpty else {
            // As for --password-env on send: a configuration problem (78).
            throw DemoError("the environment variable \(variable) is not set or empty", code: .invalidConfiguration)
        }
        return DemoAccount(password: Array(value.utf8))
    }
}
