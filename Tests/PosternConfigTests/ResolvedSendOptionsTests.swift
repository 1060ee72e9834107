import Postern
import PosternPolicy
import Testing

@Suite struct ResolvedSendOptionsTests {
    static var configuration: PosternConfiguration {
        var configuration = PosternConfiguration(file: "/c.yaml")
        configuration.server = ServerEndpoint(host: "config.example", port: 465)
        configuration.connect = ServerEndpoint(host: "127.0.0.1", port: 1465)
        configuration.security = .implicitTLS
        configuration.helo = "config-helo"
        configuration.timeout = 30
        configuration.caFile = "/config/ca.pem"
        configuration.credential = Credential(user: "config-user", password: .command("pass show x"))
        configuration.policies = ["/config/p1.yaml", "/config/p2.yaml"]
        configuration.from = "config@example.org"
        configuration.smime = .init(cert: "/config/cert.pem", key: "/config/key.pem", certs: "/config/certs")
        configuration.gnupgHome = "/config/gnupg"
        configuration.pgpSigner = "config-signer"
        configuration.sign = .smime
        configuration.encrypt = .smime
        return configuration
    }

    /// One override applied at a time, and the field that must change.
    @Test(arguments: [
        "server", "connect", "security", "helo", "timeout", "ca-file", "credential", "policies", "from", "smime-signer",
        "smime-certs", "gnupg-home", "pgp-signer", "sign", "encrypt",
    ])
    func eachFlagOverridesItsSettingOnly(setting: String) {
        var overrides = SendOptionOverrides()
        var expected = ResolvedSendOptions(configuration: Self.configuration, overrides: SendOptionOverrides())
        switch setting {
        case "server": overrides.server = .init(host: "flag.example", port: nil); expected.server = overrides.server
        case "connect": overrides.connect = .init(host: "10.0.0.1", port: 25); expected.connect = overrides.connect
        case "security": overrides.security = .starttls; expected.security = .starttls
        case "helo": overrides.helo = "flag-helo"; expected.helo = "flag-helo"
        case "timeout": overrides.timeout = 5; expected.timeout = 5
        case "ca-file": overrides.caFile = "/flag/ca.pem"; expected.caFile = "/flag/ca.pem"
        case "credential":
            overrides.credential = Credential(user: "flag-user", password: .environment("PW"))
            expected.credential = overrides.credential
        case "policies": overrides.policies = ["/flag/p.yaml"]; expected.policies = ["/flag/p.yaml"]
        case "from": overrides.from = ""; expected.from = ""
        case "smime-signer":
            overrides.smimeCert = "/flag/cert.pem"
            overrides.smimeKey = "/flag/key.pem"
            expected.smimeCert = "/flag/cert.pem"
            expected.smimeKey = "/flag/key.pem"
        case "smime-certs": overrides.smimeCerts = "/flag/certs"; expected.smimeCerts = "/flag/certs"
        case "gnupg-home": overrides.gnupgHome = "/flag/gnupg"; expected.gnupgHome = "/flag/gnupg"
        case "pgp-signer": overrides.pgpSigner = "flag-signer"; expected.pgpSigner = "flag-signer"
        case "sign": overrides.sign = .openpgp; expected.sign = .openpgp
        case "encrypt": overrides.encrypt = .openpgp; expected.encrypt = .openpgp
        default: Issue.record("unknown setting \(setting)")
        }
        let merged = ResolvedSendOptions(configuration: Self.configuration, overrides: overrides)
        #expect(merged == expected)
        #expect(merged != ResolvedSendOptions(configuration: Self.configuration, overrides: SendOptionOverrides()))
    }

    @Test func noOverridesKeepsTheConfiguration() {
        let merged = ResolvedSendOptions(configuration: Self.configuration, overrides: SendOptionOverrides())
        let configuration = Self.configuration
        #expect(merged.configurationFile == "/c.yaml")
        #expect(merged.server == configuration.server)
        #expect(merged.credential == configuration.credential)
        #expect(merged.policies == configuration.policies)
        #expect(merged.smimeCert == "/config/cert.pem")
        #expect(merged.smimeKey == "/config/key.pem")
        #expect(merged.smimeCerts == "/config/certs")
        #expect(merged.sign == .smime)
    }

    @Test func noConfigurationTakesOnlyTheFlags() {
        var overrides = SendOptionOverrides()
        overrides.helo = "h"
        let merged = ResolvedSendOptions(configuration: nil, overrides: overrides)
        #expect(merged.configurationFile == nil)
        #expect(merged.helo == "h")
        #expect(merged.server == nil)
        #expect(merged.credential == nil)
        #expect(merged.policies.isEmpty)
    }

    @Test func signerHalvesAreNeverMixed() {
        var overrides = SendOptionOverrides()
        overrides.smimeCert = "/flag/cert.pem"
        let merged = ResolvedSendOptions(configuration: Self.configuration, overrides: overrides)
        #expect(merged.smimeCert == "/flag/cert.pem")
        #expect(merged.smimeKey == nil)
    }
}
