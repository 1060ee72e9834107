import Testing
@testable import PosternSMTP
@Test func placeholder() { #expect(Secret("x").description == "<redacted>") }
