import Foundation
import Testing

@testable import PosternOpenPGP

/// Resolving many addresses in one gpg listing must give exactly what listing each
/// address alone gives: same keys, same problems, same details.
@Suite("OpenPGP key lookup in one listing")
struct BatchedLookupTests {
    /// Every kind of test key, plus a user ID whose domain is upper-case and one whose
    /// local part differs from a wanted address only by case.
    static let keys: [TestKey] =
        KeyringTests.everyone + [
            TestKey(name: "Dave", email: "dave@EXAMPLE.org"),
            TestKey(name: "Erin", email: "Erin@example.org"),
        ]

    static let addresses = [
        "alice@example.org", "bob@EXAMPLE.ORG", "old@example.org", "gone@example.org",
        "signonly@example.org", "twin@example.org", "carol@example.org", "nobody@example.org",
        "Alice@example.org", "weak@example.org", "dave@example.org", "erin@example.org", "Erin@example.org",
        "alice@example.org",  // twice: both answers must be the same
    ]

    @Test func oneListingResolvesLikeOneListingPerAddress() async throws {
        try await TestKeyring.withKeyring(Self.keys) { ring in
            for keyring in [
                PGPKeyring(homeDirectory: ring.home),
                PGPKeyring(homeDirectory: ring.home, trustModel: .always),
                PGPKeyring(homeDirectory: ring.home, minimumRSABits: 1024),
            ] {
                let together = try keyring.resolveRecipients(Self.addresses)
                let alone = try Self.addresses.map { try #require(try keyring.resolveRecipients([$0]).first) }
                #expect(together == alone)
                // The comparison is not vacuous: keys and each kind of problem occur.
                #expect(together.compactMap(\.key).count >= 3)
                let reasons = Set(together.compactMap { $0.problem?.reason })
                #expect(reasons.isSuperset(of: [.notFound, .ambiguous, .revoked, .expired, .noEncryptionSubkey]))
                #expect(together.map(\.address) == Self.addresses)
            }
            #expect(try PGPKeyring(homeDirectory: ring.home).resolveRecipients([]).isEmpty)
        }
    }

    @Test func aKeyMatchedByTwoAddressesIsListedOnce() async throws {
        try await TestKeyring.withKeyring([TestKey(name: "Alice", email: "alice@example.org")]) { ring in
            _ = try await ring.gpgOK([
                "--quick-add-uid", try ring.fingerprint("Alice"), "Alice Two <alice2@example.org>",
            ])
            let ctx = try PGPKeyring(homeDirectory: ring.home).makeContext()
            let listed = try ctx.listKeys(patterns: ["<alice@example.org>", "<alice2@example.org>"], secretOnly: false)
            #expect(listed.map(\.facts.fingerprint) == [try ring.fingerprint("Alice")])
            #expect(try ctx.listKeys(patterns: [], secretOnly: false).isEmpty)
            let byFingerprint = try ctx.keys(fingerprints: [try ring.fingerprint("Alice"), "", "0x12"], secret: true)
            #expect(Array(byFingerprint.keys) == [try ring.fingerprint("Alice")])
        }
    }
}
