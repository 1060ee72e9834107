import ArgumentParser
import Foundation
import Logging
import PosternDemo

/// `postern demo`: starts an embedded demo submission server on 127.0.0.1 and walks through four sends
/// through the facade: one allowed (signed and encrypted), three refused before anything secret leaves.
///
/// Exit status 0 when all four behaved as expected, 70 (`EX_SOFTWARE`) with the discrepancy otherwise.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run four sends against an embedded demo server and show what the policies decide.",
        discussion: """
            Uses the DEMO-ONLY key set in keys/demo (made by keys/generate when missing) and the example \
            policies in policies/. The demo server listens on 127.0.0.1 only, on ephemeral ports, with a \
            password made at run time and never shown.
            """
    )

    @Option(help: "The demo key set made by keys/generate.")
    var keys = "keys/demo"

    @Option(help: "The folder holding baseline.yaml, pinned-starttls.yaml and encrypt-external.yaml.")
    var policies = "policies"

    @OptionGroup var output: OutputOptions

    /// EX_SOFTWARE: the demo did not behave as documented.
    static let discrepancyStatus: Int32 = 70

    func run() async throws {
        var logger = Logger(label: "postern")
        logger.logLevel = output.verbose ? .debug : .notice
        let configuration = DemoConfiguration(keysDirectory: keys, policiesDirectory: policies)
        let generator = URL(fileURLWithPath: keys).deletingLastPathComponent().appendingPathComponent("generate").path
        let result: DemoResult
        do {
            try DemoKeyMaterial.ensure(configuration, generator: generator)
            result = try await DemoRunner.run(configuration, logger: logger)
        } catch {
            OutputWriter.writeStandardError("postern demo: \(error)\n")
            throw ExitCode(Self.discrepancyStatus)
        }
        switch output.format {
        case .text:
            OutputWriter.writeStandardOutput(DemoTextRenderer.render(result))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(result)) ?? Data(#"{"postern-demo":1,"all-as-expected":false}"#.utf8)
            OutputWriter.writeStandardOutput(String(decoding: data, as: UTF8.self) + "\n")
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
}
