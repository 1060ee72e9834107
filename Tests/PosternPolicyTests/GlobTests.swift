import Testing

@testable import PosternPolicy

@Suite struct GlobTests {
    func glob(_ pattern: String) throws -> Glob { try Glob.compile(pattern).get() }

    @Test(arguments: [
        ("*@example.org", "alice@example.org", true),
        ("*@example.org", "ALICE@Example.ORG", true),
        ("*@example.org", "alice@mail.example.org", false),
        ("*@example.org", "alice@example.org.evil.test", false),
        ("*@*.example.org", "alice@mail.example.org", true),
        ("*@*.example.org", "alice@example.org", false),
        ("alice@example.org", "alice@example.org", true),
        ("alice@example.org", "malice@example.org", false),
        ("a*e@example.org", "alice@example.org", true),
        ("a*e@example.org", "alicex@example.org", false),
        ("example.org", "bob@example.org", true),
        ("example.org", "bob@EXAMPLE.org", true),
        ("example.org", "bob@sub.example.org", false),
        ("example.org", "example.org", false),
        ("*.example.org", "bob@sub.example.org", true),
        ("*.example.org", "bob@a.b.example.org", true),
        ("*.example.org", "bob@example.org", false),
        ("*.example.org", "bob@badexample.org", false),
        ("*", "anyone@anywhere.test", true),
        ("*@*", "x@y", true),
    ])
    func addresses(pattern: String, address: String, expected: Bool) throws {
        #expect(try glob(pattern).matches(address: address) == expected)
    }

    @Test(arguments: [
        ("smtp.example.org", "smtp.example.org", true),
        ("smtp.example.org", "SMTP.Example.Org", true),
        ("smtp.example.org", "smtp.example.org.evil.test", false),
        ("*.example.test", "relay.example.test", true),
        ("*.example.test", "example.test", false),
        ("*@example.org", "example.org", false),
        ("*", "127.0.0.1", true),
    ])
    func hosts(pattern: String, host: String, expected: Bool) throws {
        #expect(try glob(pattern).matches(host: host) == expected)
    }

    @Test(arguments: [
        "", "**", "a@b@c", "@example.org", "exa mple.org", "example..org", ".example.org", "ex[a]mple.org", "bob@",
    ])
    func malformed(pattern: String) {
        #expect(throws: GlobError.self) { try Glob.compile(pattern).get() }
    }

    @Test func pathologicalPatternStaysLinearEnough() throws {
        // Many stars against a long non-matching subject: the single-backtrack matcher is O(n·m).
        let pattern = try glob(String(repeating: "a*", count: 100) + "@example.org")
        let subject = String(repeating: "a", count: 300) + "@example.net"
        #expect(!pattern.matches(address: subject))
    }
}
