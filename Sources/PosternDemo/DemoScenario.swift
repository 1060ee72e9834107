import Postern

/// One of the four sends `postern demo` walks through, with what it should do and what it did.
public struct DemoStep: Sendable, Encodable {
    /// `a`, `b`, `c` or `d`.
    public var id: String
    /// What the step shows, in one line.
    public var title: String
    /// The expected decision: `allow`, or `deny` with one of ``expectedCodes``.
    public var expectedDecision: Report.Decision
    /// Violation codes of which (at least) one must be reported when the step is expected to be denied.
    public var expectedCodes: [String]
    /// The facade's report for the send (or for the sealing step, when it stopped there).
    public var report: Report
    /// What the demo server saw during this step only.
    public var server: DemoServerObservation
    /// The first lines of the message as it arrived at the server (step a), else empty.
    public var arrivedExcerpt: [String]
    /// Why the step did not behave as expected; nil when it did.
    public var discrepancy: String?

    /// Whether the step behaved as expected.
    public var behavedAsExpected: Bool { discrepancy == nil }

    enum CodingKeys: String, CodingKey {
        case id, title, report, server, discrepancy
        case expectedDecision = "expected-decision"
        case expectedCodes = "expected-codes"
        case arrivedExcerpt = "arrived-excerpt"
        case behavedAsExpected = "behaved-as-expected"
    }

    /// Encodes the step (the report as CONTRACT §5 JSON).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(expectedDecision, forKey: .expectedDecision)
        try container.encode(expectedCodes, forKey: .expectedCodes)
        try container.encode(behavedAsExpected, forKey: .behavedAsExpected)
        try container.encode(discrepancy, forKey: .discrepancy)
        try container.encode(server, forKey: .server)
        try container.encode(arrivedExcerpt, forKey: .arrivedExcerpt)
        try container.encode(report, forKey: .report)
    }
}

extension DemoServerObservation: Encodable {
    enum CodingKeys: String, CodingKey {
        case connections
        case commands
        case authAttempts = "auth-attempts"
        case authSuccesses = "auth-successes"
        case messages
    }

    /// Counts and verbs only: never a credential, never message content.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(connections, forKey: .connections)
        try container.encode(commandVerbs, forKey: .commands)
        try container.encode(authAttempts, forKey: .authAttempts)
        try container.encode(authSuccesses, forKey: .authSuccesses)
        try container.encode(messages.count, forKey: .messages)
    }
}

/// The whole walk-through: four steps, or why it could not run.
public struct DemoResult: Sendable, Encodable {
    /// The steps in order (a–d); empty when the demo could not run.
    public var steps: [DemoStep]
    /// Why the demo could not run (missing keys, a broken policy file); nil when it ran.
    public var error: String?
    /// Whether the demo ran and every step behaved as expected.
    public var allAsExpected: Bool { error == nil && !steps.isEmpty && steps.allSatisfy(\.behavedAsExpected) }

    /// Creates a result: the steps that ran, or no steps and the `error` that stopped the demo.
    public init(steps: [DemoStep], error: String? = nil) {
        self.steps = steps
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case version = "postern-demo"
        case allAsExpected = "all-as-expected"
        case steps
        case error
    }

    /// Encodes `{"postern-demo": 1, "all-as-expected": …, "error": null, "steps": […]}` (`error` is always
    /// present, `null` when the demo ran).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(1, forKey: .version)
        try container.encode(allAsExpected, forKey: .allAsExpected)
        try container.encode(error, forKey: .error)
        try container.encode(steps, forKey: .steps)
    }
}

extension DemoStep {
    /// Compares the report and the server's observation with the expectation; returns why they differ.
    static func judge(
        expected: Report.Decision, codes: [String], report: Report, server: DemoServerObservation
    ) -> String? {
        let reported = report.violations.map(\.code)
        if expected == .allow {
            if report.decision != .allow || report.exitCode != .ok {
                let why = reported.isEmpty ? (report.error ?? "no reason given") : reported.joined(separator: ", ")
                return "expected allow, got \(report.decision) (exit \(report.exitCode.rawValue)): \(why)"
            }
            if server.messages.count != 1 { return "expected 1 message at the server, it has \(server.messages.count)" }
            return nil
        }
        if report.decision != .deny || report.exitCode != .noPerm {
            let why = reported.isEmpty ? (report.error ?? "no violation") : reported.joined(separator: ", ")
            return "expected deny (77) with \(codes.joined(separator: " or ")), got \(report.decision) "
                + "(exit \(report.exitCode.rawValue)): \(why)"
        }
        if !reported.contains(where: codes.contains) {
            return "expected \(codes.joined(separator: " or ")), got \(reported.joined(separator: ", "))"
        }
        if server.authAttempts > 0 { return "a credential reached the server (\(server.authAttempts) AUTH)" }
        if !server.messages.isEmpty { return "the server received \(server.messages.count) message(s)" }
        if server.commandVerbs.contains("MAIL") || server.commandVerbs.contains("DATA") {
            return "the server saw an envelope (\(server.commandVerbs.joined(separator: " ")))"
        }
        return nil
    }
}
