import Testing

@testable import PosternMIME

@Suite struct AddressParserTests {
    struct Case: Sendable, CustomStringConvertible {
        var input: String
        var expected: [(String?, String)]
        var description: String { input }
    }

    @Test(arguments: [
        Case(input: "alice@example.org", expected: [(nil, "alice@example.org")]),
        Case(input: "Alice Example <alice@example.org>", expected: [("Alice Example", "alice@example.org")]),
        Case(
            input: "\"Doe, John\" <john@example.org>, bob@example.net",
            expected: [("Doe, John", "john@example.org"), (nil, "bob@example.net")]),
        Case(input: "John Q. Public <JQP@x.example>", expected: [("John Q. Public", "JQP@x.example")]),
        Case(input: "bob@example.org (Bob Builder)", expected: [("Bob Builder", "bob@example.org")]),
        Case(
            input: "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
            expected: [("Pete", "pete@silly.test")]),
        Case(
            input: "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
            expected: [("Ed Jones", "c@a.test"), (nil, "joe@where.test"), ("John", "jdoe@one.test")]),
        Case(input: "undisclosed-recipients:;", expected: []),
        Case(input: "<@route.example,@other.example:user@example.org>", expected: [(nil, "user@example.org")]),
        Case(input: "\"quoted local\"@example.org", expected: [(nil, "\"quoted local\"@example.org")]),
        Case(
            input: "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
            expected: [("Andr\u{e9} Pirard", "PIRARD@vm1.ulg.ac.be")]),
        Case(input: "user@[192.0.2.1]", expected: [(nil, "user@[192.0.2.1]")]),
        Case(input: "Jörg <jörg@bücher.example>", expected: [("Jörg", "jörg@bücher.example")]),
        Case(input: "a@b.example,, ,c@d.example", expected: [(nil, "a@b.example"), (nil, "c@d.example")]),
    ])
    func parsesAddressLists(testCase: Case) throws {
        let parsed = try AddressParser.parseList(testCase.input)
        #expect(parsed.map(\.displayName) == testCase.expected.map(\.0))
        #expect(parsed.map(\.address) == testCase.expected.map(\.1))
    }

    @Test func groupMembersCarryTheGroupName() throws {
        let parsed = try AddressParser.parseList("Team: a@x.example; b@y.example")
        #expect(parsed.map(\.group) == ["Team", nil])
    }

    @Test(arguments: [
        "bob", "Bob <bob>", "<bob@example.org", "\"unterminated <a@b.example>", "a@", "a@b..example",
        "(unclosed comment a@b.example", "a@b.example>", "@example.org", "x@[1.2.3.4",
    ])
    func rejectsMalformedAddresses(input: String) {
        #expect(throws: MIMEError.self) { try AddressParser.parseList(input) }
    }
}
