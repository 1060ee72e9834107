import Testing

@testable import PosternMIME

@Suite struct EncodedWordsTests {
    // RFC 2047 §8 examples (those in charsets this module supports).
    @Test(arguments: [
        ("(=?ISO-8859-1?Q?a?=)", "(a)"),
        ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=\t =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
        ("=?US-ASCII?Q?Keith_Moore?=", "Keith Moore"),
        ("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=", "Keld J\u{f8}rn Simonsen"),
        ("=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\u{e9} Pirard"),
        ("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=", "If you can read this yo"),
        ("=?utf-8?b?w6lsw6h2ZQ==?=", "\u{e9}l\u{e8}ve"),
        ("=?UTF-8*en?Q?hi?=", "hi"),
        ("=?windows-1252?Q?=80uro?=", "\u{20ac}uro"),
        ("plain text", "plain text"),
        ("=?unknown-charset?Q?x?=", "=?unknown-charset?Q?x?="),
        ("=?utf-8?Q?broken", "=?utf-8?Q?broken"),
        ("=?utf-8?B?!!!?=", "=?utf-8?B?!!!?="),
        ("=?utf-8?B?/w==?=", "=?utf-8?B?/w==?="),
    ])
    func decodesRFC2047(encoded: String, expected: String) {
        #expect(EncodedWords.decode(encoded) == expected)
    }

    @Test(arguments: ["ascii only", "Grüße aus Köln", "日本語のテキストはとても長くなることがありますので分割が必要です", "emoji 🎉🎉🎉"])
    func encodeRoundTripsAndKeepsWordsShort(input: String) {
        let encoded = EncodedWords.encode(input)
        #expect(EncodedWords.decode(encoded) == input)
        #expect(encoded.unicodeScalars.allSatisfy { $0.isASCII })
        for word in encoded.split(separator: " ") where word.hasPrefix("=?") {
            #expect(word.count <= 75)
        }
    }
}
