// Measures the policy engine on a generated 1,000-rule policy: parse + compile time,
// decisions per second for a 10-recipient send on one core, and allocations per decision.
import Foundation
import MallocCounter
import PosternPolicy

/// CPU time of this thread: the machine is shared, so wall-clock time would count other work.
func now() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Proves the allocation counter works before trusting a zero from it.
func checkAllocationCounter() {
    let before = postern_allocation_count()
    var arrays: [[Int]] = []
    for size in 1...10 { arrays.append(Array(repeating: size, count: size * 100)) }
    let counted = postern_allocation_count() - before
    print("allocation counter self-check: \(counted) allocations counted for 11 arrays (\(arrays.count))")
}

/// A deterministic 1,000-rule policy: a mix of server, sender, recipient and recipient-not rules.
func generatedPolicy(rules: Int) -> String {
    var lines = [
        "postern-policy: 1", "name: generated", "transport:", "  security: [implicit-tls, starttls]",
        "envelope:", "  senders: [\"*@example.org\", \"*@*.example.org\"]",
        "  recipients: { allow: [\"*\"], deny: [\"*@example.invalid\"] }", "rules:",
    ]
    for index in 0..<rules {
        lines.append("  - name: rule-\(index)")
        switch index % 4 {
        case 0:
            lines.append("    when: { server: \"smtp\(index).example.net\" }")
            lines.append("    transport: { min-tls: \"1.3\" }")
        case 1:
            lines.append("    when: { sender: \"user\(index)@example.org\" }")
            lines.append("    message: { sign: required }")
        case 2:
            lines.append("    when: { recipient: [\"*@dept\(index).example.org\", \"partner\(index).example.test\"] }")
            lines.append("    message: { encrypt: required, max-size: \(index + 1)MiB }")
        default:
            lines.append(
                "    when: { recipient-not: [\"*@example.org\", \"*.example.org\", \"*@site\(index).example.com\"] }")
            lines.append("    message: { formats: [smime, openpgp] }")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

func measure(_ label: String, iterations: Int, _ body: () -> Bool) -> (perSecond: Double, allocationsPerCall: Double) {
    var sink = 0
    for _ in 0..<min(iterations, 1000) where body() { sink &+= 1 }  // warm up
    let allocationsBefore = postern_allocation_count()
    let start = now()
    for _ in 0..<iterations where body() { sink &+= 1 }
    let elapsed = Double(now() - start) / 1e9
    let allocations = Double(postern_allocation_count() - allocationsBefore) / Double(iterations)
    let perSecond = Double(iterations) / elapsed
    print(
        String(
            format: "%@: %.0f per second (%.1f ns each), %.2f allocations per call [sink %d]",
            label, perSecond, 1e9 / perSecond, allocations, sink & 1))
    return (perSecond, allocations)
}

checkAllocationCounter()
let text = generatedPolicy(rules: 1000)
let bytes = Array(text.utf8)
print("policy: 1000 rules, \(bytes.count) bytes")

var parseTimes: [Double] = []
var compileTimes: [Double] = []
var compiled = CompiledPolicy(layers: [])
for _ in 0..<10 {
    let parseStart = now()
    guard let document = try? PolicyLoader.parse(bytes, file: "generated.yaml") else {
        print("generated policy failed to parse")
        exit(1)
    }
    let compileStart = now()
    compiled = CompiledPolicy(layers: [PolicyLoader.baseline, document])
    let compileEnd = now()
    parseTimes.append(Double(compileStart - parseStart) / 1e6)
    compileTimes.append(Double(compileEnd - compileStart) / 1e6)
}
print(String(format: "parse (YAML + schema): median %.2f ms", parseTimes.sorted()[parseTimes.count / 2]))
print(
    String(
        format: "compile (1,001 parts, meet of layer tops): median %.3f ms",
        compileTimes.sorted()[compileTimes.count / 2]))
print(
    String(
        format: "parse + compile: median %.2f ms",
        zip(parseTimes, compileTimes).map(+).sorted()[parseTimes.count / 2]))

let recipients = (0..<10).map { $0 % 3 == 0 ? "r\($0)@dept\($0 * 4 + 2).example.org" : "r\($0)@example.org" }
let context = SendContext(sender: "user5@example.org", recipients: recipients, server: "smtp.example.org")
let resolved = compiled.resolve(context)
print(
    "resolved for a 10-recipient send: sign \(resolved.signLevel.rawValue), encrypt \(resolved.encryptLevel.rawValue)")

var facts = Facts()
facts.requestedSecurity = .implicitTLS
facts.activeSecurity = .implicitTLS
facts.tlsVersion = .tls13
facts.certificateTrusted = true
facts.certificateExpired = false
facts.hostnameMatches = true
facts.starttlsOffered = true
facts.authRequested = true
facts.authMechanismsOffered = [.plain, .scramSHA256]
facts.authMechanismChosen = .scramSHA256
facts.connectionEncrypted = true
facts.requestedSign = .smime
facts.requestedEncrypt = .smime
facts.signingKeyAvailable = true
facts.smimeCipher = .aes256CBC
facts.smimeDigest = .sha256
facts.weakestRSABits = 3072
facts.messageSize = 100_000

for stage in Stage.allCases where !resolved.evaluate(stage, facts: facts).isAllowed {
    print("unexpected denial at \(stage): \(resolved.evaluate(stage, facts: facts).violations)")
}

// Measured through constants, as a caller holds them: calling through the global `var`s
// would copy (retain and release) the whole compiled policy and facts on every call.
let policy = compiled
let sendFacts = facts
let stages = Stage.allCases
var stageIndex = 0

/// `--decisions N`: only N full decisions (no timing), for instruction counts under
/// `valgrind --tool=callgrind`: the difference between two N, divided by their difference,
/// is the instruction count per decision, which the machine's load does not change.
func fullDecision() -> Bool {
    let resolved = policy.resolve(context)
    var allowed = true
    for stage in stages where !resolved.evaluate(stage, facts: sendFacts).isAllowed { allowed = false }
    return allowed
}
if let flag = CommandLine.arguments.firstIndex(of: "--decisions"), flag + 1 < CommandLine.arguments.count,
    let count = Int(CommandLine.arguments[flag + 1])
{
    var allowedCount = 0
    for _ in 0..<count where fullDecision() { allowedCount += 1 }
    print("\(count) full decisions, \(allowedCount) allowed")
    exit(0)
}

let evaluate = measure("evaluate (resolved policy, one checkpoint, all 8 in turn)", iterations: 4_000_000) {
    stageIndex = (stageIndex + 1) & 7
    return resolved.evaluate(stages[stageIndex], facts: sendFacts).isAllowed
}
let resolve = measure("resolve (match 1,000 rules against a 10-recipient send, meet)", iterations: 200_000) {
    policy.resolve(context).signLevel == .required
}
let single = measure("resolve + evaluate one checkpoint (CompiledPolicy.evaluate)", iterations: 200_000) {
    policy.evaluate(.protection, facts: sendFacts, context: context).isAllowed
}
// The full decision for a send: resolve once, then every checkpoint on the resolved value.
let full = measure("full decision (resolve + all 8 checkpoints)", iterations: 200_000) { fullDecision() }
_ = (evaluate, resolve, single, full)
