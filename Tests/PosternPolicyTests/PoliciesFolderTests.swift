import Foundation
import Testing

@testable import PosternPolicy

@Suite struct PoliciesFolderTests {
    func policyFiles() throws -> [String] {
        let folder = policiesFolder()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
            .sorted()
        return names.map { folder.appendingPathComponent($0).path }
    }

    @Test func everyShippedPolicyLints() throws {
        let files = try policyFiles()
        #expect(files.count >= 4)
        #expect(PolicyLoader.lint(paths: files) == [])
        for file in files {
            let explanation = CompiledPolicy(layers: [try PolicyLoader.load(contentsOf: file)])
                .explain(
                    for: SendContext(
                        sender: "alice@example.org", recipients: ["bob@example.org"], server: "smtp.example.org"))
            #expect(explanation.violations.isEmpty, "\(file)")
        }
    }

    @Test func shippedBaselineMatchesTheBuiltInOne() throws {
        let shipped = try PolicyLoader.load(contentsOf: policiesFolder().appendingPathComponent("baseline.yaml").path)
        let builtIn = PolicyLoader.baseline
        #expect(builtIn.file == "<built-in baseline>")
        #expect(shipped.name == builtIn.name)
        #expect(shipped.rules.isEmpty && builtIn.rules.isEmpty)
        // Same requirements (locations aside, which differ only by file name) and same compiled lattice element.
        let shippedCompiled = CompiledPolicy(layers: [shipped])
        let builtInCompiled = CompiledPolicy(layers: [builtIn])
        #expect(shippedCompiled.base == builtInCompiled.base)
        for field in PolicyField.allCases {
            #expect(shipped.requirements.jsonValue(of: field) == builtIn.requirements.jsonValue(of: field), "\(field)")
            #expect(shipped.requirements.location(of: field)?.line == builtIn.requirements.location(of: field)?.line)
        }
        // And both equal the defaults every policy inherits.
        let (defaults, _) = PolicyRequirements().fillingDefaults(at: SourceLocation(file: "x", line: 1, column: 1))
        for field in PolicyField.allCases where field != .pins {
            #expect(defaults.jsonValue(of: field) == builtIn.requirements.jsonValue(of: field), "\(field)")
        }
    }

    @Test func contractBaselineValues() throws {
        let resolved = CompiledPolicy(layers: [PolicyLoader.baseline]).resolve(SendContext(server: "smtp.example.org"))
        #expect(resolved.allowedSecurityModes == [.implicitTLS, .starttls])
        #expect(resolved.minimumTLSVersion == .tls12)
        #expect(resolved.verifiesCertificateChain)
        #expect(!resolved.authOverPlaintextAllowed)
        #expect(resolved.signLevel == .optional && resolved.encryptLevel == .optional)
        #expect(resolved.allowedSMIMECiphers == [.aes256CBC, .aes256GCM])
        #expect(!resolved.starttlsRequiresPin)
        #expect(resolved.maximumMessageSize == nil)
    }

    @Test func strictPolicyDemandsImplicitTLS13AndProtection() throws {
        let strict = CompiledPolicy(layers: [
            try PolicyLoader.load(contentsOf: policiesFolder().appendingPathComponent("strict.yaml").path)
        ])
        let resolved = strict.resolve(
            SendContext(sender: "alice@example.org", recipients: ["bob@example.org"], server: "smtp.example.org"))
        #expect(resolved.allowedSecurityModes == [.implicitTLS])
        #expect(resolved.minimumTLSVersion == .tls13)
        #expect(resolved.signLevel == .required && resolved.encryptLevel == .required)
        #expect(resolved.allowedSMIMECiphers.first == .aes256GCM)
    }

    @Test func pinnedStarttlsPolicy() throws {
        let pinned = CompiledPolicy(layers: [
            try PolicyLoader.load(contentsOf: policiesFolder().appendingPathComponent("pinned-starttls.yaml").path)
        ])
        let known = pinned.resolve(SendContext(server: "smtp.example.org"))
        #expect(known.evaluate(.connect, facts: Facts()) == .allow)
        #expect(known.pinSets.map(\.count) == [2])
        let unknown = pinned.resolve(SendContext(server: "smtp.elsewhere.example"))
        #expect(unknown.evaluate(.connect, facts: Facts()).violations.map(\.code) == [.pinRequired])
        let relay = pinned.resolve(SendContext(server: "relay.example.test"))
        #expect(relay.verifiesCertificateChain && !relay.pinsMatchLeafOnly)
        #expect(relay.minimumTLSVersion == .tls13)
        #expect(relay.pinSets.count == 1)
    }

    @Test func lintReportsEveryFileAndEveryError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("postern-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = folder.appendingPathComponent("a.yaml").path
        let second = folder.appendingPathComponent("b.yaml").path
        try "postern-policy: 1\nname: a\nbogus: 1\ntransport: { min-tls: \"0.9\" }\n".write(
            toFile: first, atomically: true, encoding: .utf8)
        try "postern-policy: 1\nname: b\nrules:\n  - name: r\n    when: { server: \"*@example.org\" }\n".write(
            toFile: second, atomically: true, encoding: .utf8)
        let found = PolicyLoader.lint(paths: [first, second])
        #expect(
            found.map(\.description) == [
                "\(first):3:1: error: unknown key 'bogus' in the policy; expected one of: postern-policy, name, description, transport, message, envelope, rules",
                "\(first):4:23: error: '0.9' is not a valid min-tls; expected one of: 1.2, 1.3",
                "\(second):5:21: error: when.server takes host name patterns, not addresses",
            ])
    }
}
