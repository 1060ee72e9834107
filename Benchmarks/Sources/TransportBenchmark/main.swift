// Postern's transport against the loopback Postfix of scripts/mailserver, to compare with the baselines in
// Benchmarks/smtp (msmtp, smtplib).
//
// Usage: TransportBenchmark PORTS_ENV [--count N] [--size BYTES] [--starttls] [--system-trust]
//
// Sends N messages of about BYTES bytes (default 200 × 2 KB) over ONE connection (implicit TLS, verified
// against CA_FILE, AUTH with the password from PASSWORD_FILE, the built-in baseline policy) and prints
// messages/s; the clock covers connect, TLS, AUTH, every transaction and QUIT, like smtplib_bench.py.
// With --count 1 it is the one-message-per-process case: time it with hyperfine.
import Foundation
import Logging
import Postern
import PosternPolicy
import PosternSMTP

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(64)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let portsEnv = arguments.first else {
    fail("usage: TransportBenchmark PORTS_ENV [--count N] [--size BYTES] [--starttls] [--system-trust]")
}
arguments.removeFirst()
var count = 200
var size = 2048
var startTLS = false
var systemTrust = false
while let option = arguments.first {
    arguments.removeFirst()
    switch option {
    case "--count": count = arguments.isEmpty ? 0 : Int(arguments.removeFirst()) ?? 0
    case "--size": size = arguments.isEmpty ? 0 : Int(arguments.removeFirst()) ?? 0
    case "--starttls": startTLS = true
    case "--system-trust": systemTrust = true
    default: fail("unknown option \(option)")
    }
}
guard count > 0, size > 0 else { fail("--count and --size must be positive") }

var env: [String: String] = [:]
guard let text = try? String(contentsOfFile: portsEnv, encoding: .utf8) else { fail("cannot read \(portsEnv)") }
for line in text.split(separator: "\n") {
    let parts = line.split(separator: "=", maxSplits: 1)
    if parts.count == 2 { env[String(parts[0])] = String(parts[1]) }
}
guard let user = env["USER"], let passwordFile = env["PASSWORD_FILE"],
    let password = try? String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(
        in: .whitespacesAndNewlines),
    let port = Int(env[startTLS ? "STARTTLS_PORT" : "IMPLICIT_PORT"] ?? "")
else { fail("\(portsEnv) lacks USER, PASSWORD_FILE or the port") }

// About `size` bytes: headers, then 75-character lines.
var message = "From: \(user)\r\nTo: bench@example.test\r\nSubject: Postern transport benchmark\r\n\r\n"
while message.utf8.count < size { message += String(repeating: "x", count: 73) + "\r\n" }
let messages = (0..<count).map { _ in
    SubmissionMessage(content: .bytes(Array(message.utf8)), sender: user, recipients: ["bench@example.test"])
}
let request = SubmissionRequest(
    connection: ConnectionSettings(
        server: ServerEndpoint(host: "mail.test", port: port), connect: ServerEndpoint(host: "127.0.0.1", port: port),
        security: startTLS ? .starttls : .implicitTLS, caFile: env["CA_FILE"], usesSystemTrustStore: systemTrust),
    credentials: SMTPCredentials(username: user, proof: .password(PosternSMTP.Secret(password))),
    policy: CompiledPolicy(layers: []), messages: messages)

let clock = ContinuousClock()
let start = clock.now
let report = await MailSubmitter().send(request, logger: Logger(label: "bench"))
let elapsed = clock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
guard report.exitCode == .ok else {
    fail("send failed: exit \(report.exitCode.rawValue) \(report.error ?? "") \(report.violations)")
}
if count > 1 {
    print(
        String(
            format: "%d messages in %.3f s: %.1f messages/s (auth %@)", count, seconds, Double(count) / seconds,
            report.transport?.auth ?? "-"))
}
