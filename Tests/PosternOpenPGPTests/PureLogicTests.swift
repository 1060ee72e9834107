import Testing

@testable import PosternOpenPGP

@Suite("Pure PGP/MIME logic")
struct PureLogicTests {
    @Test(arguments: [
        ("alice@example.org", "alice@example.org", true),
        ("alice@EXAMPLE.org", "alice@example.org", true),
        ("alice@example.org", "alice@Example.ORG", true),
        ("Alice@example.org", "alice@example.org", false),
        ("alice@example.org.evil", "alice@example.org", false),
        ("xalice@example.org", "alice@example.org", false),
        ("alice", "alice", false),
    ])
    func addressMatching(candidate: String, wanted: String, matches: Bool) {
        #expect(KeySelection.addressMatches(candidate, wanted) == matches)
    }

    @Test func normaliserTurnsEveryLineEndingIntoCRLFAcrossChunks() {
        var normaliser = CRLFNormaliser()
        var out: [UInt8] = []
        for chunk in ["a\nb\r", "\nc\r", "d\r\n", "e\r"] {
            Array(chunk.utf8).withUnsafeBytes { normaliser.normalise($0, into: &out) }
        }
        normaliser.finish(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a\r\nb\r\nc\r\nd\r\ne\r\n")
    }

    @Test(arguments: [
        ("Content-Type: text/plain\r\n\r\nhello\r\n", nil as String?),
        ("Content-Type: text/plain\n\nhello", "bare LF"),
        ("a\rb", "bare CR"),
        ("x\r\n--b1\r\n", "boundary"),
        ("--b1xyz\r\n", "boundary"),
        ("x\r\n-b1\r\n  --b1\r\n", nil),
        ("abc\r", "bare CR at the end"),
        (String(repeating: "a", count: 999), "longer than 998"),
    ])
    func innerEntityChecks(text: String, problem: String?) throws {
        // Fed one byte at a time, so state across chunk edges is exercised too.
        var checker = InnerEntityChecker(boundary: "b1", maxLineLength: 998)
        let outcome = Result<Void, Error> {
            for byte in Array(text.utf8) { try [byte].withUnsafeBytes { try checker.feed($0) } }
            try checker.finish()
        }
        switch (outcome, problem) {
        case (.success, nil): break
        case (.failure(let error), let problem?):
            let pgp = try #require(error as? PGPError)
            #expect(pgp.code == .invalidInput)
            #expect(pgp.message.contains(problem))
        default: Issue.record("unexpected outcome \(outcome) for \(text.debugDescription)")
        }
    }

    @Test(arguments: ["ok", "----=_Part_1", "a'()+_,-./:=?b", String(repeating: "x", count: 70)])
    func acceptableBoundaries(boundary: String) throws {
        try PGPMIMEFormat.validateBoundary(boundary)
    }

    @Test(arguments: ["", "trailing ", "semi;colon", "quote\"", String(repeating: "x", count: 71), "---BEGIN PGP", "-"])
    func refusedBoundaries(boundary: String) {
        #expect(throws: PGPError.self) { try PGPMIMEFormat.validateBoundary(boundary) }
    }

    @Test func contentTypeParsing() throws {
        let parsed = try PGPMIMEParser.parseContentType(
            " Multipart/Signed; micalg=pgp-sha256;\r\n protocol=\"application/pgp-signature\"; BOUNDARY=\"a \\\"b\"")
        #expect(parsed.mediaType == "multipart/signed")
        #expect(parsed.parameters["micalg"] == "pgp-sha256")
        #expect(parsed.parameters["protocol"] == "application/pgp-signature")
        #expect(parsed.parameters["boundary"] == "a \"b")
        #expect(throws: PGPError.self) { try PGPMIMEParser.parseContentType("text/plain; (comment) a=b") }
        #expect(throws: PGPError.self) { try PGPMIMEParser.parseContentType("text/plain; a=\"open") }
        #expect(throws: PGPError.self) { try PGPMIMEParser.parseContentType("text") }
    }

    @Test func multipartSplittingKeepsPartBytesExact() throws {
        let text = "pre\r\n--b\r\nA\r\n\r\n--b \r\nB\r\n--b--\r\nepilogue"
        let bytes = Array(text.utf8)
        let parts = try PGPMIMEParser.parts(bytes, in: bytes.indices, boundary: "b")
        #expect(parts.map { String(decoding: bytes[$0], as: UTF8.self) } == ["A\r\n", "B"])
        let unclosed = Array("--b\r\nA\r\n--b\r\nB\r\n".utf8)
        #expect(throws: PGPError.self) { try PGPMIMEParser.parts(unclosed, in: unclosed.indices, boundary: "b") }
        let lookalike = Array("--b\r\nA\r\n--bogus\r\n--b--\r\n".utf8)
        #expect(throws: PGPError.self) { try PGPMIMEParser.parts(lookalike, in: lookalike.indices, boundary: "b") }
    }

    private static func facts(
        _ fpr: String, address: String = "x@example.org", validity: KeyValidity = .full,
        revoked: Bool = false, encryptExpires: Int64 = 0, canEncrypt: Bool = true
    ) -> KeyFacts {
        KeyFacts(
            fingerprint: fpr, revoked: revoked,
            userIDs: [
                .init(uid: "X <\(address)>", address: address, validity: validity, revoked: false, invalid: false)
            ],
            subkeys: [
                .init(
                    keyID: "P\(fpr)", fingerprint: fpr, canSign: true, canEncrypt: false, revoked: false,
                    expired: false, disabled: false, invalid: false, hasSecret: true, expires: 0),
                .init(
                    keyID: "E\(fpr)", fingerprint: "E\(fpr)", canSign: false, canEncrypt: canEncrypt, revoked: false,
                    expired: false, disabled: false, invalid: false, hasSecret: true, expires: encryptExpires),
            ])
    }

    @Test("key strength: RSA/ElGamal/DSA need min-rsa-bits, curves 255 bits, unknown algorithms are refused")
    func strengthRules() {
        let now: Int64 = 1_000_000
        func facts(_ algorithm: KeyFacts.PublicKeyAlgorithm, bits: Int) -> KeyFacts {
            var key = Self.facts("A")
            key.subkeys[1].algorithm = algorithm
            key.subkeys[1].bits = bits
            return key
        }
        func resolve(_ key: KeyFacts, minimum: Int = 2048) -> PGPRecipientResolution {
            KeySelection.resolveRecipient(
                address: "x@example.org", candidates: [key], trust: .keyring, now: now, minimumRSABits: minimum)
        }
        #expect(resolve(facts(.rsa, bits: 2048)).key != nil)
        #expect(resolve(facts(.rsa, bits: 1024)).problem?.reason == .weak)
        #expect(resolve(facts(.rsa, bits: 1024)).problem?.violationCode == "recipient-key-invalid")
        #expect(resolve(facts(.rsa, bits: 2048), minimum: 3072).problem?.reason == .weak)
        #expect(resolve(facts(.elgamal, bits: 1024)).problem?.reason == .weak)
        #expect(resolve(facts(.ellipticCurve, bits: 255)).key != nil)
        #expect(resolve(facts(.ellipticCurve, bits: 192)).problem?.reason == .weak)
        #expect(resolve(facts(.other(99), bits: 4096)).problem?.reason == .weak)
        // A strong second encryption subkey is enough; the weak one is never used.
        var mixed = facts(.rsa, bits: 1024)
        mixed.subkeys.append(
            .init(
                keyID: "E2", fingerprint: "E2", canSign: false, canEncrypt: true, revoked: false, expired: false,
                disabled: false, invalid: false, hasSecret: false, expires: 0, algorithm: .rsa, bits: 3072))
        #expect(resolve(mixed).key?.encryptionSubkeyIDs == ["E2"])
        // Signing: a weak signing subkey is `weak`, not "no signing key".
        var weakSigner = Self.facts("S")
        weakSigner.subkeys[0].algorithm = .dsa
        weakSigner.subkeys[0].bits = 1024
        let signer = KeySelection.selectSigner(
            candidates: [weakSigner], address: "x@example.org", keyID: nil, selector: "x@example.org", now: now)
        #expect((try? signer.get()) == nil)
        if case .failure(let problem) = signer { #expect(problem.reason == .weak) }
    }

    @Test func selectionRules() {
        let now: Int64 = 1_000_000
        func resolve(_ keys: [KeyFacts], trust: PGPTrustModel = .keyring) -> PGPRecipientResolution {
            KeySelection.resolveRecipient(address: "x@example.org", candidates: keys, trust: trust, now: now)
        }
        #expect(resolve([Self.facts("A")]).key?.fingerprint == "A")
        #expect(resolve([]).problem?.violationCode == "recipient-key-missing")
        #expect(resolve([Self.facts("A", address: "y@example.org")]).problem?.reason == .notFound)
        #expect(resolve([Self.facts("A"), Self.facts("B")]).problem?.reason == .ambiguous)
        #expect(resolve([Self.facts("A"), Self.facts("B", revoked: true)]).key?.fingerprint == "A")
        // The same key listed twice is not ambiguous.
        #expect(resolve([Self.facts("A"), Self.facts("A")]).key?.fingerprint == "A")
        // An encryption subkey whose expiry has passed counts as expired even if gpg's flag is stale.
        #expect(resolve([Self.facts("A", encryptExpires: now - 1)]).problem?.reason == .noEncryptionSubkey)
        #expect(resolve([Self.facts("A", canEncrypt: false)]).problem?.reason == .noEncryptionSubkey)
        #expect(resolve([Self.facts("A", revoked: true)]).problem?.reason == .revoked)
        for validity in [KeyValidity.unknown, .undefined, .marginal, .never] {
            #expect(resolve([Self.facts("A", validity: validity)]).problem?.reason == .untrusted)
        }
        #expect(resolve([Self.facts("A", validity: .unknown)], trust: .always).key != nil)
        #expect(resolve([Self.facts("A", validity: .never)], trust: .always).problem?.reason == .untrusted)
        #expect(resolve([Self.facts("A", revoked: true)]).problem?.violationCode == "recipient-key-invalid")
    }

    @Test(arguments: [
        ("0x0123456789ABCDEF", "0123456789ABCDEF"), ("0123456789abcdef0123456789abcdef01234567", nil),
        ("01234567", nil), ("zz23456789ABCDEF", nil),
    ])
    func keyIDNormalisation(input: String, expected: String?) {
        let result = KeySelection.normalisedKeyID(input)
        if input.count == 40 {
            #expect(result == input.uppercased())
        } else {
            #expect(result == expected)
        }
    }
}
