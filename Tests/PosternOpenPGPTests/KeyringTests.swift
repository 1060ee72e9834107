import Foundation
import Testing

@testable import PosternOpenPGP

/// A small inner entity in canonical form, with a trailing-space line and a final CRLF.
let sampleInner = Array(
    ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
        + "Hello Bob,\r\n\r\nthis is signed.\r\n-- \r\nAlice\r\n").utf8)

/// Splits a produced entity into its two parts' bodies with our own parser.
func partBodies(_ entity: PGPMIMEEntity) throws -> (first: [UInt8], secondBody: [UInt8]) {
    let bytes = entity.serialized()
    let top = try PGPMIMEParser.entity(bytes, in: bytes.indices)
    let boundary = try #require(top.contentType.parameters["boundary"])
    let parts = try PGPMIMEParser.parts(bytes, in: top.body, boundary: boundary)
    try #require(parts.count == 2)
    let second = try PGPMIMEParser.entity(bytes, in: parts[1])
    return (Array(bytes[parts[0]]), Array(bytes[second.body]))
}

/// True when every LF is preceded by CR and every CR followed by LF.
func isCanonicalCRLF(_ bytes: [UInt8]) -> Bool {
    for (i, b) in bytes.enumerated() {
        if b == 0x0A && (i == 0 || bytes[i - 1] != 0x0D) { return false }
        if b == 0x0D && (i + 1 == bytes.count || bytes[i + 1] != 0x0A) { return false }
    }
    return true
}

/// gpg's numeric hash ids (RFC 4880 §9.4) for the ones we can meet.
let gpgHashNames = ["2": "sha1", "8": "sha256", "9": "sha384", "10": "sha512", "11": "sha224"]

@Suite("OpenPGP with a real GnuPG keyring")
struct KeyringTests {
    static let everyone: [TestKey] = [
        TestKey(name: "Alice", email: "alice@example.org"),
        TestKey(name: "Bob", email: "bob@example.org"),
        TestKey(name: "Old", email: "old@example.org", kind: .expired),
        TestKey(name: "Gone", email: "gone@example.org", kind: .revoked),
        TestKey(name: "Signer", email: "signonly@example.org", kind: .signOnly),
        TestKey(name: "Twin1", email: "twin@example.org"),
        TestKey(name: "Twin2", email: "twin@example.org"),
        TestKey(name: "Carol", email: "carol@example.org", kind: .untrusted),
        TestKey(name: "Weak", email: "weak@example.org", kind: .weakRSAEncryption),
    ]

    @Test func recipientSelectionFollowsValidity() async throws {
        try await TestKeyring.withKeyring(Self.everyone) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let addresses = [
                "alice@example.org", "bob@EXAMPLE.ORG", "old@example.org", "gone@example.org",
                "signonly@example.org", "twin@example.org", "carol@example.org", "nobody@example.org",
                "Alice@example.org", "weak@example.org",
            ]
            let results = try keyring.resolveRecipients(addresses)
            #expect(results.map(\.address) == addresses)
            #expect(results[0].key?.fingerprint == (try ring.fingerprint("Alice")))
            #expect(results[0].key?.encryptionSubkeyIDs == ring.encryptionSubkeyIDs["Alice"])
            #expect(results[1].key?.fingerprint == (try ring.fingerprint("Bob")))
            let expected: [(Int, String, PGPKeyProblem.Reason)] = [
                (2, "recipient-key-invalid", .expired),
                (3, "recipient-key-invalid", .revoked),
                (4, "recipient-key-invalid", .noEncryptionSubkey),
                (5, "recipient-key-invalid", .ambiguous),
                (6, "recipient-key-invalid", .untrusted),
                (7, "recipient-key-missing", .notFound),
                (8, "recipient-key-missing", .notFound),
                (9, "recipient-key-invalid", .weak),
            ]
            for (index, code, reason) in expected {
                #expect(results[index].key == nil, "\(addresses[index])")
                #expect(results[index].problem?.violationCode == code, "\(addresses[index])")
                #expect(results[index].problem?.reason == reason, "\(addresses[index])")
            }
            #expect(results[5].problem?.detail.contains(try ring.fingerprint("Twin1")) == true)
            #expect(results[9].problem?.detail.contains("1024 bits is below the minimum of 2048") == true)
            // A policy may lower the floor (min-rsa-bits); gpg then encrypts to the RSA-1024 subkey.
            let lenient = PGPKeyring(homeDirectory: ring.home, minimumRSABits: 1024)
            #expect(try lenient.resolveRecipients(["weak@example.org"]).first?.key != nil)

            let trusting = PGPKeyring(homeDirectory: ring.home, trustModel: .always)
            let carol = try trusting.resolveRecipients(["carol@example.org"])
            #expect(carol.first?.key?.fingerprint == (try ring.fingerprint("Carol")))
            // Encrypting to the unknown-validity key works only under the always model.
            let alice = try #require(try keyring.resolveRecipients(["alice@example.org"]).first?.key)
            let carolKey = try #require(carol.first?.key)
            #expect(throws: PGPError.self) {
                try keyring.encrypt(inner: sampleInner, boundary: "b", recipients: [carolKey], encryptToSelf: alice)
            }
            let sealed = try trusting.encrypt(
                inner: sampleInner, boundary: "b", recipients: [carolKey], encryptToSelf: alice)
            #expect(try trusting.decrypt(entity: sealed.serialized()).inner == sampleInner)
        }
    }

    @Test func signerSelection() async throws {
        try await TestKeyring.withKeyring(Self.everyone) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let alice = try ring.fingerprint("Alice")
            #expect(try keyring.selectSigner("alice@example.org").fingerprint == alice)
            #expect(try keyring.selectSigner(alice).fingerprint == alice)
            #expect(try keyring.selectSigner("0x" + alice.suffix(16).lowercased()).fingerprint == alice)
            #expect(try keyring.selectSigner("signonly@example.org").canSign)
            for selector in ["old@example.org", "gone@example.org", "twin@example.org", "nobody@example.org"] {
                let error = #expect(throws: PGPError.self, "\(selector)") { try keyring.selectSigner(selector) }
                #expect(error?.code == .signingKeyMissing, "\(selector)")
            }
            let short = #expect(throws: PGPError.self) { try keyring.selectSigner(String(alice.suffix(8))) }
            #expect(short?.code == .invalidInput)
        }
    }

    @Test func signedEntityVerifiesWithGPGOverTheExactInnerBytes() async throws {
        try await TestKeyring.withKeyring([TestKey(name: "Alice", email: "alice@example.org")]) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let signer = try keyring.selectSigner("alice@example.org")
            let entity = try keyring.sign(inner: sampleInner, boundary: "=-=sig-1=-=", signer: signer)
            #expect(entity.contentType.hasPrefix("multipart/signed; micalg=pgp-"))
            #expect(entity.contentType.contains("protocol=\"application/pgp-signature\""))
            #expect(isCanonicalCRLF(entity.body))
            let (signed, signature) = try partBodies(entity)
            #expect(signed == sampleInner)
            #expect(String(decoding: signature, as: UTF8.self).hasPrefix("-----BEGIN PGP SIGNATURE-----\r\n"))

            // gpg itself: the detached signature over exactly the inner bytes.
            let innerPath = try ring.file("inner", Data(sampleInner))
            let sigPath = try ring.file("sig.asc", Data(signature))
            let result = try await ring.gpgOK(["--status-fd", "1", "--verify", sigPath, innerPath])
            let validsig = try #require(result.stdoutText.split(separator: "\n").first { $0.contains("VALIDSIG") })
            let fields = validsig.split(separator: " ")
            let hash = try #require(gpgHashNames[String(fields[9])])
            #expect(entity.contentType.contains("micalg=pgp-\(hash);"))
            #expect(fields[2] == Substring(signer.fingerprint))

            // Our own verification agrees.
            let verification = try keyring.verify(entity: entity.serialized())
            #expect(verification.isValid)
            #expect(verification.signedContent == sampleInner)
            #expect(verification.signatures.first?.fingerprint == signer.fingerprint)

            // A micalg that does not name the hash used makes the entity invalid (RFC 3156 §5).
            let otherHash = hash == "sha512" ? "sha384" : "sha512"
            let relabelled = entity.serialized().replacing(
                Array("micalg=pgp-\(hash);".utf8), with: Array("micalg=pgp-\(otherHash);".utf8), maxReplacements: 1)
            let relabelledCheck = try keyring.verify(entity: relabelled)
            #expect(relabelledCheck.signatures.first?.isValid == true)
            #expect(!relabelledCheck.isValid)

            // One changed byte in the signed part: both gpg and we refuse it.
            var tampered = entity.serialized()
            let target = try #require(
                tampered.indices.first { i in
                    tampered[i...].starts(with: Array("this is signed".utf8))
                })
            tampered[target] = UInt8(ascii: "T")
            let check = try keyring.verify(entity: tampered)
            #expect(!check.isValid)
            #expect(check.signatures.first?.isGood == false)
            var tamperedInner = sampleInner
            let innerTarget = try #require(tamperedInner.firstIndex(of: UInt8(ascii: "t")))
            tamperedInner[innerTarget] = UInt8(ascii: "T")
            let tamperedPath = try ring.file("inner-tampered", Data(tamperedInner))
            await #expect(try ring.gpg(["--verify", sigPath, tamperedPath]).status != 0)
        }
    }

    @Test func signingRefusesNonCanonicalInnerAndBoundaryCollisions() async throws {
        try await TestKeyring.withKeyring([TestKey(name: "Alice", email: "alice@example.org")]) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let signer = try keyring.selectSigner("alice@example.org")
            let cases: [([UInt8], String)] = [
                (Array("Content-Type: text/plain\n\nbare LF\n".utf8), "b"),
                (Array("Content-Type: text/plain\r\n\r\n--b\r\n".utf8), "b"),
                (sampleInner, "bad;boundary"),
            ]
            for (inner, boundary) in cases {
                let error = #expect(throws: PGPError.self) {
                    try keyring.sign(inner: inner, boundary: boundary, signer: signer)
                }
                #expect(error?.code == .invalidInput)
            }
        }
    }

    @Test(arguments: [false, true])
    func encryptedEntityDecryptsWithGPGAndIncludesTheSender(signed: Bool) async throws {
        let keys = [TestKey(name: "Alice", email: "alice@example.org"), TestKey(name: "Bob", email: "bob@example.org")]
        try await TestKeyring.withKeyring(keys) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let alice = try keyring.selectSigner("alice@example.org")
            let bob = try #require(try keyring.resolveRecipients(["bob@example.org"]).first?.key)
            let entity = try keyring.encrypt(
                inner: sampleInner, boundary: "enc-b", recipients: [bob], encryptToSelf: alice,
                signer: signed ? alice : nil)
            #expect(
                entity.contentType == "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc-b\"")
            #expect(isCanonicalCRLF(entity.body))
            let (control, armored) = try partBodies(entity)
            #expect(
                String(decoding: control, as: UTF8.self)
                    == "Content-Type: application/pgp-encrypted\r\nContent-Description: PGP/MIME version identification\r\n\r\nVersion: 1\r\n"
            )
            #expect(String(decoding: armored, as: UTF8.self).hasPrefix("-----BEGIN PGP MESSAGE-----\r\n"))

            // Encrypted to Bob and to the sender, and to no one else.
            let cipherPath = try ring.file("msg.asc", Data(armored))
            let packets = try await ring.gpg(["--list-packets", cipherPath]).stdoutText
            let keyIDs = Set(
                packets.split(separator: "\n").filter { $0.hasPrefix(":pubkey enc packet:") }
                    .compactMap { $0.split(separator: " ").last.map(String.init) })
            let expected = Set((ring.encryptionSubkeyIDs["Alice"] ?? []) + (ring.encryptionSubkeyIDs["Bob"] ?? []))
            #expect(keyIDs == expected)
            #expect(expected.count == 2)

            // gpg decrypts it to exactly the inner bytes.
            let decrypted = try await ring.gpgOK(["--status-fd", "2", "--decrypt", cipherPath])
            #expect(Array(decrypted.stdout) == sampleInner)
            #expect(decrypted.stderrText.contains("GOODSIG") == signed)

            // So do we.
            let ours = try keyring.decrypt(entity: entity.serialized())
            #expect(ours.inner == sampleInner)
            #expect(ours.isSignedAndValid == signed)
            #expect(Set(ours.recipientKeyIDs) == expected)

            // A limit below the plaintext size stops decryption.
            let bounded = #expect(throws: PGPError.self) {
                try keyring.decrypt(entity: entity.serialized(), maxInnerBytes: sampleInner.count - 1)
            }
            #expect(bounded?.code == .invalidInput)

            // A changed ciphertext byte makes decryption fail.
            var broken = entity.serialized()
            let start = try #require(
                broken.indices.first { broken[$0...].starts(with: Array("-----BEGIN PGP MESSAGE-----\r\n\r\n".utf8)) })
            var at = start + 31 + armored.count / 2  // inside the encrypted data packet
            while broken[at] == 0x0D || broken[at] == 0x0A { at -= 1 }
            broken[at] = broken[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            let error = #expect(throws: PGPError.self) { try keyring.decrypt(entity: broken) }
            #expect(error?.code == .decryptionFailed)
        }
    }

    @Test func aKeyRevokedAfterSelectionIsNotUsed() async throws {
        let keys = [TestKey(name: "Alice", email: "alice@example.org"), TestKey(name: "Bob", email: "bob@example.org")]
        try await TestKeyring.withKeyring(keys) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let alice = try keyring.selectSigner("alice@example.org")
            let bob = try #require(try keyring.resolveRecipients(["bob@example.org"]).first?.key)
            let bobFingerprint = try ring.fingerprint("Bob")
            let certificate = try String(
                contentsOfFile: "\(ring.home)/openpgp-revocs.d/\(bobFingerprint).rev", encoding: .utf8)
            try await ring.gpgOK(
                ["--import"], stdin: Data(certificate.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN").utf8))
            let error = #expect(throws: PGPError.self) {
                try keyring.encrypt(inner: sampleInner, boundary: "b", recipients: [bob], encryptToSelf: alice)
            }
            #expect(error?.code == .recipientKeyInvalid)
        }
    }

    @Test func fileVariantsStreamLargeMessages() async throws {
        let keys = [TestKey(name: "Alice", email: "alice@example.org"), TestKey(name: "Bob", email: "bob@example.org")]
        try await TestKeyring.withKeyring(keys) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let alice = try keyring.selectSigner("alice@example.org")
            let bob = try #require(try keyring.resolveRecipients(["bob@example.org"]).first?.key)
            // About 4 MB of base64-looking 76-character lines.
            var inner = Array(
                "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8)
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            for n in 0..<52_000 {
                inner += (0..<76).map { alphabet[($0 &* 7 &+ n &* 13) % 64] }
                inner += [0x0D, 0x0A]
            }
            let innerPath = try ring.file("big-inner", Data(inner))

            let signedPath = "\(ring.home)/big-signed"
            let signed = try keyring.sign(
                innerFile: innerPath, boundary: "big-s", signer: alice, outputFile: signedPath)
            let signedBody = Array(try Data(contentsOf: URL(fileURLWithPath: signedPath)))
            #expect(signed.byteCount == signedBody.count)
            let signedEntity = PGPMIMEEntity(contentType: signed.contentType, body: signedBody)
            let verification = try keyring.verify(entity: signedEntity.serialized())
            #expect(verification.isValid)
            #expect(verification.signedContent == inner)
            let sigPath = try ring.file("big.sig", Data(try partBodies(signedEntity).secondBody))
            try await ring.gpgOK(["--verify", sigPath, innerPath])

            let encryptedPath = "\(ring.home)/big-encrypted"
            let encrypted = try keyring.encrypt(
                innerFile: innerPath, boundary: "big-e", recipients: [bob], encryptToSelf: alice, signer: alice,
                outputFile: encryptedPath)
            let encryptedBody = Array(try Data(contentsOf: URL(fileURLWithPath: encryptedPath)))
            #expect(encrypted.byteCount == encryptedBody.count)
            #expect(isCanonicalCRLF(encryptedBody))
            let encryptedEntity = PGPMIMEEntity(contentType: encrypted.contentType, body: encryptedBody)
            let armoredPath = try ring.file("big.asc", Data(try partBodies(encryptedEntity).secondBody))
            await #expect(Array(try ring.gpgOK(["--decrypt", armoredPath]).stdout) == inner)
            let ours = try keyring.decrypt(entity: encryptedEntity.serialized())
            #expect(ours.inner == inner)
            #expect(ours.isSignedAndValid)

            // The streaming decryption writes the same bytes to a file.
            let entityPath = try ring.file("big-entity", Data(encryptedEntity.serialized()))
            let decryptedPath = "\(ring.home)/big-decrypted"
            let streamed = try keyring.decrypt(entityFile: entityPath, outputFile: decryptedPath)
            #expect(streamed.isSignedAndValid)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: decryptedPath))) == inner)

            // A failed run leaves no partial output behind.
            let refusedPath = "\(ring.home)/refused"
            let badInner = try ring.file("bad-inner", Data("a\nb\n".utf8))
            #expect(throws: PGPError.self) {
                try keyring.sign(innerFile: badInner, boundary: "x", signer: alice, outputFile: refusedPath)
            }
            #expect(!FileManager.default.fileExists(atPath: refusedPath))
        }
    }

    @Test func aPassphraseProtectedKeyFailsWithoutPrompting() async throws {
        let keys = [TestKey(name: "Locked", email: "locked@example.org", kind: .passphraseProtected)]
        try await TestKeyring.withKeyring(keys) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let locked = try keyring.selectSigner("locked@example.org")
            let signing = #expect(throws: PGPError.self) {
                try keyring.sign(inner: sampleInner, boundary: "b", signer: locked)
            }
            #expect(signing?.code == .signingKeyMissing)
            #expect(signing?.gpgErrorText != nil)

            // Decrypting with the locked key fails the same way instead of asking.
            let lockedPublic = try #require(try keyring.resolveRecipients(["locked@example.org"]).first?.key)
            let sealed = try keyring.encrypt(
                inner: sampleInner, boundary: "b", recipients: [lockedPublic], encryptToSelf: lockedPublic)
            let decrypting = #expect(throws: PGPError.self) { try keyring.decrypt(entity: sealed.serialized()) }
            #expect(decrypting?.code == .decryptionFailed)
        }
    }

    @Test func concurrentOperationsOnOneKeyring() async throws {
        let keys = [TestKey(name: "Alice", email: "alice@example.org"), TestKey(name: "Bob", email: "bob@example.org")]
        try await TestKeyring.withKeyring(keys) { ring in
            let keyring = PGPKeyring(homeDirectory: ring.home)
            let alice = try keyring.selectSigner("alice@example.org")
            let bob = try #require(try keyring.resolveRecipients(["bob@example.org"]).first?.key)
            // Each operation opens its own GPGME context, so parallel use must be safe.
            let results = try awaitAll(
                (0..<6).map { n in
                    { @Sendable () throws -> Bool in
                        if n % 2 == 0 {
                            return try keyring.verify(
                                entity: keyring.sign(inner: sampleInner, boundary: "c\(n)", signer: alice).serialized()
                            ).isValid
                        }
                        let sealed = try keyring.encrypt(
                            inner: sampleInner, boundary: "c\(n)", recipients: [bob], encryptToSelf: alice,
                            signer: alice)
                        return try keyring.decrypt(entity: sealed.serialized()).isSignedAndValid
                    }
                })
            #expect(results == Array(repeating: true, count: 6))
        }
    }

    @Test func aMissingHomeDirectoryIsAnError() throws {
        let keyring = PGPKeyring(homeDirectory: "/tmp/postern-no-such-gnupg-home")
        let error = #expect(throws: PGPError.self) { try keyring.resolveRecipients(["alice@example.org"]) }
        #expect(error?.code == .ioFailure)
    }
}

/// Runs the closures on parallel threads and returns their results in order.
func awaitAll(_ jobs: [@Sendable () throws -> Bool]) throws -> [Bool] {
    final class Results: @unchecked Sendable {
        // Guarded by `lock`; written once per index from concurrentPerform's threads.
        let lock = NSLock()
        var outcomes: [Int: Result<Bool, Error>] = [:]
    }
    let results = Results()
    DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
        let outcome = Result { try jobs[index]() }
        results.lock.withLock { results.outcomes[index] = outcome }
    }
    return try (0..<jobs.count).map { try results.outcomes[$0, default: .success(false)].get() }
}
