/// What a server advertised in its EHLO reply (RFC 5321 §4.1.1.1), keyed case-insensitively.
///
/// - Important: After STARTTLS these must be thrown away and learnt again from the EHLO sent
///   over TLS (RFC 3207 §4.2); the state machine does so.
public struct SMTPCapabilities: Sendable, Hashable {
    /// The domain the server named in the first EHLO line.
    public var serverName: String
    /// Every extension keyword (upper-cased) with its parameters, in advertised order.
    public var extensions: [(keyword: String, parameters: [String])] {
        keywordOrder.map { ($0, parametersByKeyword[$0] ?? []) }
    }

    private var keywordOrder: [String] = []
    private var parametersByKeyword: [String: [String]] = [:]
    private var authMechanismList: [String] = []

    /// Parses the lines of a 250 EHLO reply. Lines that are not `keyword [params]` are ignored,
    /// as RFC 5321 tells clients to ignore what they do not understand.
    public init(ehloReply reply: SMTPReply) {
        let lines = reply.textLines
        serverName = lines.first.map { String($0.split(separator: " ").first ?? "") } ?? ""
        for line in lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard var keyword = words.first?.uppercased() else { continue }
            var parameters = Array(words.dropFirst())
            // The pre-RFC 2554 form `AUTH=PLAIN LOGIN` counts as AUTH.
            if keyword.hasPrefix("AUTH=") {
                parameters.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            guard keyword.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }) else { continue }
            if keyword == "AUTH" {
                for mechanism in parameters.map({ $0.uppercased() }) where !authMechanismList.contains(mechanism) {
                    authMechanismList.append(mechanism)
                }
            }
            if parametersByKeyword[keyword] == nil {
                keywordOrder.append(keyword)
                parametersByKeyword[keyword] = parameters
            } else {
                parametersByKeyword[keyword, default: []].append(contentsOf: parameters)
            }
        }
    }

    /// Whether `keyword` (any case) was advertised.
    public func supports(_ keyword: String) -> Bool { parametersByKeyword[keyword.uppercased()] != nil }

    /// The parameters advertised with `keyword` (any case), or nil if it was not advertised.
    public func parameters(of keyword: String) -> [String]? { parametersByKeyword[keyword.uppercased()] }

    /// RFC 2920 command pipelining.
    public var pipelining: Bool { supports("PIPELINING") }
    /// RFC 3207 STARTTLS.
    public var startTLS: Bool { supports("STARTTLS") }
    /// RFC 6152 8-bit MIME transport.
    public var eightBitMIME: Bool { supports("8BITMIME") }
    /// RFC 6531 internationalised addresses and headers.
    public var smtpUTF8: Bool { supports("SMTPUTF8") }
    /// RFC 2034 enhanced status codes in replies.
    public var enhancedStatusCodes: Bool { supports("ENHANCEDSTATUSCODES") }
    /// RFC 3461 delivery status notifications.
    public var dsn: Bool { supports("DSN") }
    /// RFC 3030 CHUNKING (BDAT); recorded but not used.
    public var chunking: Bool { supports("CHUNKING") }
    /// RFC 1870 SIZE: nil if not advertised, 0 if advertised without a fixed limit.
    public var sizeLimit: Int? {
        guard let parameters = parameters(of: "SIZE") else { return nil }
        guard let first = parameters.first else { return 0 }
        return Int(first) ?? 0
    }
    /// RFC 4954 AUTH mechanisms, upper-cased, in advertised order, from `AUTH` and `AUTH=` lines.
    public var authMechanisms: [String] { authMechanismList }

    /// `KEYWORD params` strings as in the JSON report's `extensions`.
    public var extensionDescriptions: [String] {
        extensions.map { ([$0.keyword] + $0.parameters).joined(separator: " ") }
    }

    /// Equal when the server name and every keyword with its parameters are equal.
    public static func == (lhs: SMTPCapabilities, rhs: SMTPCapabilities) -> Bool {
        lhs.serverName == rhs.serverName && lhs.keywordOrder == rhs.keywordOrder
            && lhs.parametersByKeyword == rhs.parametersByKeyword
    }

    /// Hashes the server name and keywords.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(serverName)
        hasher.combine(keywordOrder)
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A)
    }
}
