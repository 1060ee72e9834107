import Foundation
import Postern
import Testing

@testable import PosternCLI

/// `postern sendmail --mta-filter`: the pure mapping from a run's outcome to what pipe(8) acts on.
@Suite struct MTAFilterStatusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var status: Int32
        var kind: MTAFilterStatus.Kind
        var exit: Int32
        var code: String?
        var testDescription: String { "\(status) \(kind) -> \(exit) \(code ?? "-")" }
    }

    static let cases: [Case] = [
        Case(status: 0, kind: .none, exit: 0, code: nil),
        // Bounce: only what the sender must change.
        Case(status: 77, kind: .messageDenied, exit: 77, code: "5.7.1"),
        Case(status: 65, kind: .malformedMessage, exit: 65, code: "5.6.0"),
        Case(status: 69, kind: .serverPermanent(enhancedCode: "5.1.1"), exit: 69, code: "5.1.1"),
        Case(status: 69, kind: .serverPermanent(enhancedCode: nil), exit: 69, code: "5.0.0"),
        // A server's code of the wrong class, or no code at all, is not trusted to steer pipe(8).
        Case(status: 69, kind: .serverPermanent(enhancedCode: "4.2.2"), exit: 69, code: "5.0.0"),
        Case(status: 69, kind: .serverPermanent(enhancedCode: "5.1"), exit: 69, code: "5.0.0"),
        // Defer: whatever a retry can fix without the sender.
        Case(status: 69, kind: .serverUnreachable, exit: 75, code: "4.4.1"),
        Case(status: 69, kind: .other, exit: 75, code: "4.0.0"),
        Case(status: 69, kind: .filterConfiguration, exit: 75, code: "4.3.5"),
        Case(status: 75, kind: .timeout, exit: 75, code: "4.4.1"),
        Case(status: 75, kind: .serverUnreachable, exit: 75, code: "4.4.1"),
        Case(status: 75, kind: .connectionLost, exit: 75, code: "4.4.2"),
        Case(status: 75, kind: .serverTemporary(enhancedCode: "4.2.1"), exit: 75, code: "4.2.1"),
        Case(status: 75, kind: .serverTemporary(enhancedCode: "5.2.1"), exit: 75, code: "4.0.0"),
        Case(status: 75, kind: .serverTemporary(enhancedCode: nil), exit: 75, code: "4.0.0"),
        Case(status: 75, kind: .filterConfiguration, exit: 75, code: "4.3.5"),
        Case(status: 75, kind: .other, exit: 75, code: "4.0.0"),
        Case(status: 78, kind: .filterConfiguration, exit: 75, code: "4.3.5"),
        Case(status: 78, kind: .other, exit: 75, code: "4.3.5"),
        Case(status: 66, kind: .filterConfiguration, exit: 75, code: "4.3.5"),
        Case(status: 64, kind: .filterConfiguration, exit: 75, code: "4.3.5"),
        Case(status: 77, kind: .transportDenied, exit: 75, code: "4.7.0"),
        Case(status: 77, kind: .filterConfiguration, exit: 75, code: "4.3.5"),
        Case(status: 73, kind: .other, exit: 75, code: "4.0.0"),
        Case(status: 70, kind: .other, exit: 75, code: "4.0.0"),
    ]

    @Test(arguments: cases)
    func mapping(_ item: Case) {
        let mapped = MTAFilterStatus.map(Postern.ExitStatus(rawValue: item.status), kind: item.kind)
        #expect(mapped.exitStatus.rawValue == item.exit)
        #expect(mapped.enhancedCode == item.code)
    }

    /// Whatever the input, the result is one pipe(8) understands and the code's class matches the status.
    @Test func everyStatusAndKindGivesAConsistentPair() {
        let kinds: [MTAFilterStatus.Kind] = [
            .none, .messageDenied, .transportDenied, .filterConfiguration, .malformedMessage, .serverUnreachable,
            .timeout,
            .connectionLost, .serverTemporary(enhancedCode: "4.1.1"), .serverPermanent(enhancedCode: "5.1.1"), .other,
        ]
        for status in [0, 1, 64, 65, 66, 69, 70, 73, 75, 77, 78] as [Int32] {
            for kind in kinds {
                let mapped = MTAFilterStatus.map(Postern.ExitStatus(rawValue: status), kind: kind)
                #expect([0, 65, 69, 75, 77].contains(mapped.exitStatus.rawValue))
                switch mapped.exitStatus.rawValue {
                case 0: #expect(mapped.enhancedCode == nil)
                case 75: #expect(mapped.enhancedCode?.hasPrefix("4.") == true)
                default: #expect(mapped.enhancedCode?.hasPrefix("5.") == true)
                }
            }
        }
    }

    @Test(
        arguments: [
            ("5.7.1 <bob@x>: Recipient address rejected", "5.7.1"), ("4.2.2 mailbox full", "4.2.2"),
            ("5.1.10 x", "5.1.10"), ("2.0.0 Ok", "2.0.0"), ("Ok: queued", nil), ("5.01.1 x", nil), ("5.1.1000 x", nil),
            ("6.1.1 x", nil), ("5.1. x", nil), ("", nil), ("5.1.1", "5.1.1"), ("٥.١.١ x", nil),
        ] as [(String, String?)])
    func enhancedCodeAtTheStartOfAReply(text: String, expected: String?) {
        #expect(MTAFilterStatus.enhancedCode(atStartOf: text) == expected)
    }
}

@Suite struct MTAFilterClassifierTests {
    static func violation(_ code: String, _ stage: String) -> Report.Violation {
        Report.Violation(code: code, stage: stage, rule: nil, source: nil, message: "m")
    }

    static func report(
        _ status: Postern.ExitStatus, violations: [Report.Violation] = [], detail: Report.FailureDetail? = nil
    )
        -> Report
    {
        var report = Report(verb: "sendmail", exitCode: status, violations: violations, error: "e")
        report.failureDetail = detail
        return report
    }

    @Test func messageViolationsBounceEvenWithATransportOne() {
        #expect(
            MTAFilterClassifier.kind(
                of: Self.report(.noPerm, violations: [Self.violation("recipient-key-missing", "protection")]))
                == .messageDenied)
        #expect(
            MTAFilterClassifier.kind(
                of: Self.report(.noPerm, violations: [Self.violation("recipient-not-allowed", "envelope")]))
                == .messageDenied)
        let mixed = [Self.violation("pin-mismatch", "tls"), Self.violation("encryption-required", "protection")]
        #expect(MTAFilterClassifier.kind(of: Self.report(.noPerm, violations: mixed)) == .messageDenied)
        let keys = [
            Self.violation("signing-key-missing", "protection"), Self.violation("recipient-key-missing", "protection"),
        ]
        #expect(MTAFilterClassifier.kind(of: Self.report(.noPerm, violations: keys)) == .messageDenied)
    }

    @Test func keyViolationsFromAnUnusableKeyStoreDeferInsteadOfBouncing() {
        let keys = [
            Self.violation("signing-key-missing", "protection"), Self.violation("recipient-key-missing", "protection"),
        ]
        let unusable = Report.FailureDetail(code: "key-store-unavailable")
        let report = Self.report(.noPerm, violations: keys, detail: unusable)
        #expect(MTAFilterClassifier.kind(of: report) == .filterConfiguration)
        let status = MTAFilterStatus.map(.noPerm, kind: MTAFilterClassifier.kind(of: report))
        #expect(status.enhancedCode == "4.3.5")
        #expect(status.exitStatus == .tempFail)
    }

    @Test func connectionAndSignerViolationsAreTheFiltersToFix() {
        for (code, stage) in [
            ("certificate-expired", "tls"), ("pin-mismatch", "tls"), ("plaintext-not-allowed", "policy"),
            ("auth-mechanism-not-allowed", "auth"), ("starttls-unavailable", "ehlo"),
        ] {
            #expect(
                MTAFilterClassifier.kind(of: Self.report(.noPerm, violations: [Self.violation(code, stage)]))
                    == .transportDenied)
        }
        let signer = [Self.violation("signing-key-missing", "protection"), Self.violation("hostname-mismatch", "tls")]
        #expect(MTAFilterClassifier.kind(of: Self.report(.noPerm, violations: signer)) == .filterConfiguration)
    }

    @Test func failuresWithoutDetailFollowTheExitStatus() {
        #expect(MTAFilterClassifier.kind(of: Self.report(.ok)) == MTAFilterStatus.Kind.none)
        #expect(MTAFilterClassifier.kind(of: Self.report(.dataErr)) == .malformedMessage)
        #expect(MTAFilterClassifier.kind(of: Self.report(.config)) == .filterConfiguration)
        #expect(MTAFilterClassifier.kind(of: Self.report(.noInput)) == .filterConfiguration)
        #expect(MTAFilterClassifier.kind(of: Self.report(.usage)) == .filterConfiguration)
        #expect(MTAFilterClassifier.kind(of: Self.report(.unavailable)) == .other)
    }

    @Test(arguments: [
        (Report.FailureDetail(code: "connection-failed", step: "greeting"), MTAFilterStatus.Kind.serverUnreachable),
        (Report.FailureDetail(code: "timeout", step: "data"), .timeout),
        (Report.FailureDetail(code: "connection-lost"), .connectionLost),
        (
            Report.FailureDetail(
                code: "auth-failed", step: "auth", replyCode: 535, replyText: "5.7.8 Error: authentication failed"),
            .filterConfiguration
        ),
        (Report.FailureDetail(code: "password-source"), .filterConfiguration),
        (Report.FailureDetail(code: "tls-configuration"), .filterConfiguration),
        (
            Report.FailureDetail(
                code: "recipients-rejected", step: "rcpt", replyCode: 550, replyText: "5.1.1 <x@y>: unknown"),
            .serverPermanent(enhancedCode: "5.1.1")
        ),
        (
            Report.FailureDetail(
                code: "server-permanent-failure", step: "message", replyCode: 554, replyText: "rejected"),
            .serverPermanent(enhancedCode: nil)
        ),
        (
            Report.FailureDetail(
                code: "server-temporary-failure", step: "mail", replyCode: 451, replyText: "4.3.0 try later"),
            .serverTemporary(enhancedCode: "4.3.0")
        ),
        (
            Report.FailureDetail(
                code: "server-permanent-failure", step: "greeting", replyCode: 554, replyText: "5.3.2 no service"),
            .other
        ),
        (Report.FailureDetail(code: "server-permanent-failure", step: "ehlo", replyCode: 550), .other),
        (
            Report.FailureDetail(code: "message-exceeds-server-size", step: "mail"),
            .serverPermanent(enhancedCode: "5.3.4")
        ),
        (Report.FailureDetail(code: "reply-malformed"), .other),
    ])
    func submissionFailures(detail: Report.FailureDetail, expected: MTAFilterStatus.Kind) {
        #expect(MTAFilterClassifier.kind(of: Self.report(.unavailable, detail: detail)) == expected)
    }
}

@Suite struct MTAFilterOutputTests {
    @Test func successPrintsNothing() {
        let status = MTAFilterStatus.map(.ok, kind: .none)
        #expect(MTAFilterOutput.lines(status: status, report: Report(verb: "sendmail", exitCode: .ok)).isEmpty)
    }

    @Test func denialStartsWithTheCodeAndNamesViolationAddressAndSource() {
        let violation = Report.Violation(
            code: "recipient-key-missing", stage: "protection", rule: "encrypt-external",
            source: "/etc/postern/org.yaml:7",
            message: "no usable S/MIME certificate for carol@partner.example")
        let report = Report(verb: "sendmail", exitCode: .noPerm, violations: [violation])
        let lines = MTAFilterOutput.lines(status: MTAFilterStatus.map(.noPerm, kind: .messageDenied), report: report)
        #expect(
            lines == [
                "5.7.1 postern: policy denied: recipient-key-missing: no usable S/MIME certificate for carol@partner.example "
                    + "(rule encrypt-external, /etc/postern/org.yaml:7)"
            ])
    }

    @Test func errorsAreShortOneLineEachAndHaveNoControlCharacters() {
        let long = String(repeating: "x", count: 1000)
        let error = (["postern sendmail: first\u{1b}[31m", long] + (1...10).map { "line \($0)" }).joined(
            separator: "\n")
        let report = Report.failure(verb: "sendmail", exitCode: .config, message: error)
        let lines = MTAFilterOutput.lines(
            status: MTAFilterStatus.map(.config, kind: .filterConfiguration), report: report)
        #expect(lines.first == "4.3.5 postern: deferred: first?[31m")
        #expect(lines.count == MTAFilterOutput.maximumLines)
        #expect(lines.allSatisfy { $0.count <= MTAFilterOutput.maximumLineLength })
        #expect(lines.last == "postern: … 8 more")
        #expect(lines.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 } })
    }
}

@Suite struct MTAFilterArgumentTests {
    @Test func postfixPipeCommandLine() throws {
        // What pipe(8) runs with `null_sender=` and a message for three recipients.
        let parsed = try SendmailArgumentParser.parse([
            "-C", "/etc/postern/filter.yaml", "--mta-filter", "-i", "-f", "", "--", "a@example.org",
            "\"b,c\"@example.org",
            "-d@example.org",
        ])
        #expect(parsed.mtaFilter)
        #expect(parsed.ignoreDots)
        #expect(parsed.sender == "")
        #expect(parsed.configFile == "/etc/postern/filter.yaml")
        #expect(parsed.recipients == ["a@example.org", "\"b,c\"@example.org", "-d@example.org"])
    }

    @Test func withoutTheFilterFlagArgumentsAreStillAddressLists() throws {
        let parsed = try SendmailArgumentParser.parse(["-f", "<>", "--", "a@example.org,b@example.org"])
        #expect(!parsed.mtaFilter)
        #expect(parsed.sender == "")
        #expect(parsed.recipients == ["a@example.org", "b@example.org"])
    }

    @Test func filterFlagIsFoundInACommandLineThatDoesNotParse() {
        #expect(SendmailArgumentParser.requestsMTAFilter(["--mta-filter", "-Q", "a@x"]))
        #expect(SendmailArgumentParser.requestsMTAFilter(["-Q", "--mta-filter"]))
        #expect(!SendmailArgumentParser.requestsMTAFilter(["--", "--mta-filter"]))
        #expect(throws: SendmailUsageError.self) {
            try SendmailArgumentParser.parse(["--mta-filter", "--format", "json", "a@x"])
        }
        #expect(throws: SendmailUsageError.self) { try SendmailArgumentParser.parse(["--mta-filter=yes", "a@x"]) }
    }
}

/// The real binary under `--mta-filter`: failures before any connection are deferred or bounced as pipe(8) needs.
@Suite struct MTAFilterProcessTests {
    static func run(_ arguments: [String], stdin: String, environment: [String: String] = [:]) async throws
        -> ProcessOutput
    {
        let directory = try TemporaryDirectory()
        let input = try directory.write(stdin, to: "stdin")
        return try await PosternProcess.run(arguments, stdinFile: input, environment: environment)
    }

    static let letter = "From: alice@example.org\nTo: bob@example.org\nSubject: hi\n\nbody\n"

    @Test func aMasterCfTypoDefersInsteadOfBouncing() async throws {
        let result = try await Self.run(
            ["--mta-filter", "-Q", "-i", "--", "bob@example.org"].prefixedBySendmail, stdin: Self.letter)
        #expect(result.status == 75)
        #expect(result.stdout.hasPrefix("4.3.5 postern: deferred: unknown option -Q"))
        #expect(result.stderr.isEmpty)
    }

    @Test func aMissingConfigurationDefers() async throws {
        let directory = try TemporaryDirectory()
        let missing = directory.url.appendingPathComponent("filter.yaml").path
        let result = try await Self.run(
            ["-C", missing, "--mta-filter", "-i", "-f", "", "--", "bob@example.org"].prefixedBySendmail,
            stdin: Self.letter)
        #expect(result.status == 75)
        #expect(result.stdout.hasPrefix("4.3.5 postern: deferred: \(missing):1:1: error: no configuration found"))
    }

    @Test func aBrokenPolicyDefersWithItsLocation() async throws {
        let directory = try TemporaryDirectory()
        let policy = try directory.write("postern-policy: 1\nname: b\nbogus: 1\n", to: "org.yaml")
        let config = try directory.write(
            "postern-config: 1\nserver: smtp.example.org\npolicies: [org.yaml]\n", to: "filter.yaml")
        let result = try await Self.run(
            ["-C", config, "--mta-filter", "-i", "--", "bob@example.org"].prefixedBySendmail, stdin: Self.letter)
        #expect(result.status == 75)
        #expect(result.stdout.hasPrefix("4.3.5 postern: deferred: \(policy):3:1: error: unknown key 'bogus'"))
    }

    @Test func anUnreachableServerDefers() async throws {
        let directory = try TemporaryDirectory()
        // Port 1 on loopback: nothing listens there (connection refused).
        let config = try directory.write(
            "postern-config: 1\nserver: localhost:1\nconnect: 127.0.0.1:1\nsecurity: implicit-tls\ntimeout: 5\n",
            to: "filter.yaml")
        let result = try await Self.run(
            ["-C", config, "--mta-filter", "-i", "-f", "", "--", "bob@example.org"].prefixedBySendmail,
            stdin: Self.letter)
        #expect(result.status == 75)
        #expect(result.stdout.hasPrefix("4.4.1 postern: deferred: connection-failed: cannot connect to 127.0.0.1:1"))
        // -v is ignored under --mta-filter: no trace may come before the status line.
        let verbose = try await Self.run(
            ["-C", config, "--mta-filter", "-v", "-i", "-f", "", "--", "bob@example.org"].prefixedBySendmail,
            stdin: Self.letter)
        #expect(verbose.status == 75)
        #expect(verbose.stdout.hasPrefix("4.4.1 "))
        #expect(verbose.stderr.isEmpty, "\(verbose.stderr)")
        // The same failure without --mta-filter keeps the contract's 69.
        let plain = try await Self.run(
            ["-C", config, "-i", "-f", "", "--", "bob@example.org"].prefixedBySendmail, stdin: Self.letter)
        #expect(plain.status == 69)
    }

    @Test func aMalformedMessageBounces() async throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write("postern-config: 1\nserver: localhost:1\n", to: "filter.yaml")
        let result = try await Self.run(
            ["-C", config, "--mta-filter", "-i", "--", "bob@example.org"].prefixedBySendmail, stdin: "no header here\n")
        #expect(result.status == 65)
        #expect(result.stdout.hasPrefix("5.6.0 postern: malformed message: stdin: not an RFC 5322 message"))
    }

    @Test func aPolicyDenialBouncesNamingTheViolationAndItsSource() async throws {
        let directory = try TemporaryDirectory()
        let policy = try directory.write(
            "postern-policy: 1\nname: org\nenvelope:\n  recipients:\n    deny: [\"*@partner.example\"]\n",
            to: "org.yaml")
        let config = try directory.write(
            "postern-config: 1\nserver: localhost:1\nconnect: 127.0.0.1:1\npolicies: [org.yaml]\n", to: "filter.yaml")
        let result = try await Self.run(
            ["-C", config, "--mta-filter", "-i", "-f", "alice@example.org", "--", "bob@partner.example"]
                .prefixedBySendmail,
            stdin: Self.letter)
        #expect(result.status == 77)
        #expect(result.stdout.hasPrefix("5.7.1 postern: policy denied: recipient-not-allowed"))
        #expect(result.stdout.contains("bob@partner.example"))
        #expect(result.stdout.contains(policy + ":"))
    }
}

extension Array where Element == String {
    fileprivate var prefixedBySendmail: [String] { ["sendmail"] + self }
}
