import Foundation
import Postern
import PosternPolicy
import PosternTestSupport
import Testing

/// A key store that cannot be used (an OpenPGP home or a certificate directory that is not there) still denies with
/// the contract's key violations, and marks the denial `key-store-unavailable` so a mail filter defers instead of
/// bouncing mail for its own set-up.
@Suite struct SealKeyStoreUnavailableTests {
    enum Store: String, CaseIterable, Sendable {
        case openPGPHome, smimeCertificateDirectory
    }

    @Test(
        "an unusable key store denies with recipient-key-missing marked key-store-unavailable",
        arguments: Store.allCases)
    func unusableKeyStoreMarksTheDenial(store: Store) async throws {
        try await SealFixture.with { fixture in
            var keys = fixture.keys
            let absent = fixture.path("absent-\(UUID().uuidString.prefix(6))")
            let format: ProtectionFormat
            switch store {
            case .openPGPHome:
                keys.gnupgHome = absent
                format = .openpgp
            case .smimeCertificateDirectory:
                keys.smimeCertificateDirectory = absent
                format = .smime
            }
            let outcome = try await fixture.seal(letter, encrypt: format, keys: keys)
            #expect(outcome.exitStatus == .noPerm)
            #expect(outcome.report.violations.contains { $0.code == "recipient-key-missing" })
            #expect(outcome.report.failureDetail?.code == "key-store-unavailable")
            #expect(outcome.main == nil)
        }
    }

    @Test("a usable key store with the same request seals: the mark is about the store, not the message")
    func usableKeyStoreSeals() async throws {
        try await SealFixture.with { fixture in
            let outcome = try await fixture.seal(letter, encrypt: .openpgp)
            #expect(outcome.exitStatus == .ok)
            #expect(outcome.report.failureDetail == nil)
        }
    }
}
