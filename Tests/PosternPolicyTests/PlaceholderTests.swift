import Testing
@testable import PosternPolicy
@Test func placeholder() { #expect(Bool(true)) }
