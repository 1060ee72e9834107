import Testing

@testable import PosternPolicy

@Test func baselineCompilesAndAllowsImplicitTLS() throws {
    let policy = CompiledPolicy(layers: [PolicyLoader.baseline])
    let context = SendContext(sender: "a@example.org", recipients: ["b@example.org"], server: "smtp.example.org")
    #expect(policy.allowedSecurityModes(for: context) == [.implicitTLS, .starttls])
    let explanation = policy.explain(for: context)
    #expect(explanation.violations.isEmpty)
    #expect(explanation.renderText().contains("transport.security"))
}
