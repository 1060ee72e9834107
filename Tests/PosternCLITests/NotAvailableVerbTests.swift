import Foundation
import Testing

/// Verbs whose engine is not in this build must say so and exit 69, never pretend.
@Suite struct NotAvailableVerbTests {
    static let invocations: [[String]] = [
        ["seal", "--sign", "smime", "--smime-cert", "c.pem", "--smime-key", "k.pem", "-"],
    ]

    /// sendmail needs a configuration before it can say it is not available.
    static let environment = [
        "POSTERN_CONFIG": URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/minimal-config.yaml").path
    ]

    @Test(arguments: invocations)
    func textModeSaysNotAvailableAndExits69(arguments: [String]) throws {
        let result = try PosternProcess.run(arguments, environment: Self.environment)
        #expect(result.status == 69)
        #expect(result.stderr.contains("postern \(arguments[0]): not available yet in this build"))
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: invocations)
    func jsonModeReportsAnErrorDecision(arguments: [String]) throws {
        let jsonArguments: [String] =
            if arguments[0] == "seal" {
                // seal's stdout is the message, so JSON needs --output.
                arguments + ["--format", "json", "--output", "/dev/null"]
            } else {
                arguments + ["--format", "json"]
            }
        let result = try PosternProcess.run(jsonArguments, environment: Self.environment)
        #expect(result.status == 69)
        let json = try result.jsonObject()
        #expect(Set(json.keys) == reportKeys)
        #expect(json["verb"] as? String == arguments[0])
        #expect(json["decision"] as? String == "error")
        #expect(json["exit-code"] as? Int == 69)
        #expect(json["error"] as? String == "postern \(arguments[0]): not available yet in this build")
        for key in ["policy", "transport", "protection", "smtp"] {
            #expect(json[key] is NSNull)
        }
        #expect(result.stdout.filter { $0 == "\n" }.count == 1, "exactly one JSON line on stdout")
    }
}
