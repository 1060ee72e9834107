import Testing

@testable import PosternPolicy

/// Random (but valid) policies, contexts and facts for the lattice property tests.
struct RandomPolicies {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    static let pinPool = [
        "sha256//F265CNlFZNTCrI02k+L09vwK5BUnubP6O1Gr6MO2UZE=",
        "sha256//BTt+asFlqEcXsZcg6Xqlnnx6SAvvdJx00g5Ik6FcVi8=",
        "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ]
    static let addressGlobs = [
        "*@example.org", "*", "alice@example.org", "example.test", "*.example.test", "*@*.example.org",
    ]
    static let serverGlobs = ["smtp.example.org", "*.example.test", "*", "mail.example.org"]
    static let senders = ["alice@example.org", "mallory@example.test", "bob@mail.example.org"]
    static let recipients = [
        "bob@example.org", "carol@partner.example.test", "dave@example.invalid", "eve@mail.example.org",
    ]
    static let servers = ["smtp.example.org", "relay.example.test", "mail.example.org"]

    mutating func bool(_ probability: Double = 0.5) -> Bool { Double.random(in: 0..<1, using: &rng) < probability }
    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
    mutating func subset<T>(_ values: [T], nonEmpty: Bool) -> [T] {
        var chosen = values.shuffled(using: &rng).filter { _ in bool() }
        if nonEmpty && chosen.isEmpty { chosen = [pick(values)] }
        return chosen
    }
    mutating func list<C: PolicyChoice>(_ type: C.Type) -> String {
        "[" + subset(Array(C.allCases), nonEmpty: true).map(\.rawValue).joined(separator: ", ") + "]"
    }
    mutating func quoted(_ values: [String]) -> String {
        "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }

    /// The transport/message/envelope sections, each field present at random, at `indent`.
    mutating func sections(indent: String, envelope: Bool) -> [String] {
        var lines: [String] = []
        var transport: [String] = []
        if bool(0.4) { transport.append("security: \(list(SecurityMode.self))") }
        if bool(0.3) { transport.append("min-tls: \"\(pick(["1.2", "1.3"]))\"") }
        if bool(0.3) { transport.append("certificate: \(pick(["verify", "pin-only"]))") }
        if bool(0.3) { transport.append("pins: \(quoted(subset(Self.pinPool, nonEmpty: false)))") }
        if bool(0.3) { transport.append("starttls: { require-pin: \(bool()) }") }
        var auth: [String] = []
        if bool(0.3) { auth.append("mechanisms: \(list(AuthMechanism.self))") }
        if bool(0.3) { auth.append("over-plaintext: \(pick(["refuse", "allow"]))") }
        if !auth.isEmpty { transport.append("auth: { \(auth.joined(separator: ", ")) }") }
        if !transport.isEmpty { lines.append("transport:"); lines += transport.map { "  " + $0 } }
        var message: [String] = []
        if bool(0.4) { message.append("sign: \(pick(["required", "optional", "forbidden"]))") }
        if bool(0.4) { message.append("encrypt: \(pick(["required", "optional", "forbidden"]))") }
        if bool(0.3) { message.append("formats: \(list(ProtectionFormat.self))") }
        var smime: [String] = []
        if bool(0.3) { smime.append("cipher: \(list(SMIMECipher.self))") }
        if bool(0.3) { smime.append("digest: \(list(DigestAlgorithm.self))") }
        if bool(0.3) { smime.append("min-rsa-bits: \(pick([1024, 2048, 3072]))") }
        if !smime.isEmpty { message.append("smime: { \(smime.joined(separator: ", ")) }") }
        if bool(0.3) { message.append("max-size: \(pick(["1000", "5KB", "25MiB"]))") }
        if !message.isEmpty { lines.append("message:"); lines += message.map { "  " + $0 } }
        if envelope {
            var env: [String] = []
            if bool(0.3) { env.append("senders: \(quoted(subset(Self.addressGlobs, nonEmpty: true)))") }
            var recipients: [String] = []
            if bool(0.3) { recipients.append("allow: \(quoted(subset(Self.addressGlobs, nonEmpty: true)))") }
            if bool(0.2) {
                recipients.append(
                    "deny: \(quoted(subset(["*@example.invalid", "dave@example.invalid", "example.test"], nonEmpty: true)))"
                )
            }
            if !recipients.isEmpty { env.append("recipients: { \(recipients.joined(separator: ", ")) }") }
            if !env.isEmpty { lines.append("envelope:"); lines += env.map { "  " + $0 } }
        }
        return lines.map { indent + $0 }
    }

    /// A random valid policy text.
    mutating func policyText(name: String) -> String {
        var lines = ["postern-policy: 1", "name: \(name)"]
        lines += sections(indent: "", envelope: true)
        let ruleCount = Int.random(in: 0...3, using: &rng)
        if ruleCount > 0 { lines.append("rules:") }
        for index in 0..<ruleCount {
            lines.append("  - name: \(name)-rule-\(index)")
            var when: [String] = []
            if bool(0.3) { when.append("server: \(quoted(subset(Self.serverGlobs, nonEmpty: true)))") }
            if bool(0.3) { when.append("sender: \(quoted(subset(Self.addressGlobs, nonEmpty: true)))") }
            if bool(0.3) { when.append("recipient: \(quoted(subset(Self.addressGlobs, nonEmpty: true)))") }
            if bool(0.3) { when.append("recipient-not: \(quoted(subset(Self.addressGlobs, nonEmpty: true)))") }
            if !when.isEmpty { lines.append("    when: { \(when.joined(separator: ", ")) }") }
            lines += sections(indent: "    ", envelope: bool(0.3))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    mutating func policy(name: String) throws -> PolicyDocument {
        let text = policyText(name: name)
        do {
            return try document(text, file: "\(name).yaml")
        } catch {
            Issue.record("generated policy did not parse: \(error)\n\(text)")
            throw error
        }
    }

    mutating func context() -> SendContext {
        SendContext(
            sender: bool(0.9) ? pick(Self.senders) : nil,
            recipients: subset(Self.recipients, nonEmpty: true),
            server: pick(Self.servers))
    }

    mutating func optional<T>(_ values: [T], _ probability: Double = 0.7) -> T? {
        bool(probability) ? pick(values) : nil
    }

    /// Random facts; the mode is always explicit, so every layer judges the same connection.
    mutating func facts(recipients: [String]) -> Facts {
        var facts = Facts()
        facts.requestedSecurity = pick(Array(SecurityMode.allCases))
        facts.activeSecurity = facts.requestedSecurity
        facts.tlsHandshakeFailed = bool(0.05)
        facts.tlsVersion = optional(Array(TLSVersion.allCases), 0.9)
        facts.certificateTrusted = optional([true, false], 0.9)
        facts.certificateExpired = optional([true, false], 0.9)
        facts.hostnameMatches = optional([true, false], 0.9)
        facts.leafPin = optional(Self.pinPool.compactMap(SPKIPin.init), 0.8)
        facts.chainPins = subset(Self.pinPool.compactMap(SPKIPin.init), nonEmpty: false)
        facts.starttlsOffered = optional([true, false])
        facts.preTLSBytesSeen = bool(0.05)
        facts.authRequested = bool()
        facts.authMechanismsOffered = bool(0.8) ? subset(Array(AuthMechanism.allCases), nonEmpty: false) : nil
        facts.authMechanismChosen = optional(Array(AuthMechanism.allCases), 0.5)
        facts.connectionEncrypted = optional([true, false], 0.9)
        facts.requestedSign = optional(Array(ProtectionFormat.allCases), 0.6)
        facts.requestedEncrypt = optional(Array(ProtectionFormat.allCases), 0.6)
        facts.signingKeyAvailable = optional([true, false])
        facts.recipientsWithoutKey = subset(recipients, nonEmpty: false).filter { _ in bool(0.3) }
        facts.recipientsWithInvalidKey = subset(recipients, nonEmpty: false).filter { _ in bool(0.2) }
        facts.weakestRSABits = optional([1024, 2048, 3072, 4096])
        facts.smimeCipher = optional(Array(SMIMECipher.allCases))
        facts.smimeDigest = optional(Array(DigestAlgorithm.allCases))
        facts.messageSize = optional([UInt64(10), 1500, 6000, 30 << 20])
        return facts
    }
}
