import Foundation
import PosternSMIME
import Testing

extension SMIMETests {
    @Suite struct HostileInput {
        /// Where in the base64 body (as a fraction of its length) one character is changed:
        /// structure, recipient info, encrypted key, parameters, content, trailer.
        static let flipPositions = [0.0, 0.15, 0.3, 0.5, 0.7, 0.85, 0.92]

        @Test("any altered AES-GCM (AuthEnvelopedData) message is refused", arguments: flipPositions)
        func alteredGCMRefused(position: Double) throws {
            let fixtures = try SMIMEFixtures.required()
            let certificate = try fixtures.certificate(fixtures.alice)
            let key = try SMIMEPrivateKey.load(pemFile: fixtures.alice.keyPath)
            let sealed = try SMIME.encrypt(
                SampleEntity.text(), to: [certificate], options: SMIMEEncryptionOptions(cipher: .aes256GCM))
            let altered = try #require(Self.alterBase64(sealed, at: position))
            #expect(throws: SMIMEError.self) { try SMIME.decrypt(altered, key: key, certificate: certificate) }
        }

        @Test("altered AES-CBC messages never crash and never yield the original content", arguments: flipPositions)
        func alteredCBCFailsClosed(position: Double) throws {
            let fixtures = try SMIMEFixtures.required()
            let certificate = try fixtures.certificate(fixtures.alice)
            let key = try SMIMEPrivateKey.load(pemFile: fixtures.alice.keyPath)
            let inner = SampleEntity.text()
            let sealed = try SMIME.encrypt(inner, to: [certificate])
            let altered = try #require(Self.alterBase64(sealed, at: position))
            // CBC has no integrity: a change may decrypt to garbage. That is why policies can ask for GCM.
            if let decrypted = try? SMIME.decrypt(altered, key: key, certificate: certificate) {
                #expect(decrypted != inner)
            }
        }

        @Test("truncated and garbage entities are errors, not crashes")
        func truncatedAndGarbage() throws {
            let fixtures = try SMIMEFixtures.required()
            let certificate = try fixtures.certificate(fixtures.alice)
            let key = try SMIMEPrivateKey.load(pemFile: fixtures.alice.keyPath)
            let sealed = try SMIME.encrypt(SampleEntity.text(), to: [certificate])
            let signed = try SMIME.sign(
                SampleEntity.text(), identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary)
            for fraction in [0.0, 0.1, 0.5, 0.9] {
                let sealedPrefix = Array(sealed.prefix(Int(Double(sealed.count) * fraction)))
                #expect(throws: SMIMEError.self) { try SMIME.decrypt(sealedPrefix, key: key, certificate: certificate) }
                let signedPrefix = Array(signed.prefix(Int(Double(signed.count) * fraction)))
                #expect(throws: SMIMEError.self) { try SMIME.verify(signedPrefix, trust: try fixtures.trustStore()) }
            }
            var generator = SystemRandomNumberGenerator()
            let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(throws: SMIMEError.self) { try SMIME.decrypt(garbage, key: key, certificate: certificate) }
            #expect(throws: SMIMEError.self) { try SMIME.verify(garbage, trust: try fixtures.trustStore()) }
            // A signed entity is not an encrypted one, and the reverse.
            #expect(throws: SMIMEError.self) { try SMIME.decrypt(signed, key: key, certificate: certificate) }
            #expect(throws: SMIMEError.self) { try SMIME.verify(sealed, trust: try fixtures.trustStore()) }
        }

        /// Changes one base64 character of the body (after the blank line) to another valid one.
        static func alterBase64(_ entity: [UInt8], at position: Double) -> [UInt8]? {
            guard
                let headerEnd = entity.indices.first(where: { index in
                    entity[index...].starts(with: Array("\r\n\r\n".utf8))
                })
            else { return nil }
            var altered = entity
            let bodyStart = headerEnd + 4
            var index = bodyStart + Int(Double(entity.count - bodyStart) * position)
            while index < altered.count, !Self.isBase64Letter(altered[index]) { index += 1 }
            // Keep away from the last base64 group, whose padding bits a change may not touch.
            guard index + 6 < altered.count else { return nil }
            altered[index] = altered[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            return altered
        }

        static func isBase64Letter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }
    }
}
