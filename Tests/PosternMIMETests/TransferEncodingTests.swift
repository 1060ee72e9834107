import Testing

@testable import PosternMIME

@Suite struct TransferEncodingTests {
    // RFC 4648 §10 test vectors.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func base64Vectors(plain: String, encoded: String) throws {
        #expect(text(Base64.encode(bytes(plain), lineLength: nil)) == encoded)
        #expect(try Base64.decode(bytes(encoded)[...]) == bytes(plain))
    }

    @Test(arguments: ["Zm9v!", "Zm9", "Z===", "Zg==Zg==", "Zm=v"])
    func base64RejectsMalformedInput(input: String) {
        #expect(throws: MIMEError.self) { try Base64.decode(bytes(input)[...]) }
    }

    @Test func base64WrapsAt76AndIgnoresLineBreaksOnDecode() throws {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let encoded = Base64.encode(data)
        #expect(crlfLines(encoded).allSatisfy { $0.count <= 76 })
        #expect(try Base64.decode(encoded[...]) == data)
    }

    @Test(arguments: [
        ("a=b", "a=3Db"),
        ("trailing space \r\nnext", "trailing space=20\r\nnext"),
        ("tab\t", "tab=09"),
        ("caf\u{e9}", "caf=C3=A9"),
        ("bare\rcr", "bare=0Dcr"),
        ("From me\r\nFrom you, not From here", "=46rom me\r\n=46rom you, not From here"),
    ])
    func quotedPrintableVectors(plain: String, encoded: String) {
        #expect(text(QuotedPrintable.encode(bytes(plain))) == encoded)
        #expect(QuotedPrintable.decode(bytes(encoded)[...]) == bytes(plain))
    }

    @Test func quotedPrintableDecodesSoftBreaksAndLowercaseHexAndKeepsBadEscapes() {
        #expect(
            text(QuotedPrintable.decode(bytes("abc=\r\ndef =3d=c3=a9 =ZZ   \r\nx")[...])) == "abcdef =\u{e9} =ZZ\r\nx")
    }

    @Test(arguments: [true, false])
    func quotedPrintableRoundTripsRandomDataWithShortLines(textMode: Bool) {
        var rng = SplitMix64(seed: textMode ? 1 : 2)
        for _ in 0..<300 {
            let length = Int.random(in: 0..<600, using: &rng)
            let data: [UInt8] = (0..<length).map { _ in
                // Bias towards interesting bytes: spaces, CR, LF, '=', high bytes.
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: 0x20
                case 1: 0x0D
                case 2: 0x0A
                case 3: UInt8(ascii: "=")
                case 4: 0x09
                default: UInt8.random(in: 0...255, using: &rng)
                }
            }
            let encoded = QuotedPrintable.encode(data, text: textMode)
            #expect(QuotedPrintable.decode(encoded[...]) == data)
            #expect(crlfLines(encoded).allSatisfy { $0.count <= 76 })
            #expect(encoded.allSatisfy { $0 < 0x80 && $0 != 0 })
            #expect(!hasBareLineEnding(encoded))
            // No encoded line may end in white space (it would be stripped in transit).
            #expect(crlfLines(encoded).allSatisfy { $0.last != 0x20 && $0.last != 0x09 })
        }
    }

    @Test func longLineIsSoftBroken() {
        let line = [UInt8](repeating: UInt8(ascii: "x"), count: 5000)
        let encoded = QuotedPrintable.encode(line)
        let lines = crlfLines(encoded)
        #expect(lines.count > 60)
        #expect(lines.dropLast().allSatisfy { $0.count == 76 && $0.last == UInt8(ascii: "=") })
        #expect(QuotedPrintable.decode(encoded[...]) == line)
    }

    @Test func unknownTransferEncodingIsAnError() {
        #expect(throws: MIMEError.self) { try TransferEncoding.decode(bytes("x")[...], encoding: "x-uuencode") }
    }
}
