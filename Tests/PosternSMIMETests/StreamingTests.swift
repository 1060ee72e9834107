import Foundation
import PosternSMIME
import Testing

extension SMIMETests {
    @Suite struct Streaming {
        /// About 5 MB of canonical text with varied lines, so a corrupted or
        /// reordered chunk cannot go unnoticed.
        static func largeEntity() -> [UInt8] {
            var bytes = Array("Content-Type: text/plain; charset=us-ascii\r\n\r\n".utf8)
            bytes.reserveCapacity(5_300_000)
            var line = 0
            while bytes.count < 5_000_000 {
                bytes += Array(
                    "line \(line) of the large message, \(String(repeating: "x", count: line % 60))\r\n".utf8)
                line += 1
            }
            return bytes
        }

        @Test("a ~5 MB file is signed and encrypted in one streaming pass; openssl decrypts and verifies it")
        func streamingSignThenEncrypt() async throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = Self.largeEntity()
            let inputPath = try fixtures.write(inner, named: "large.eml")
            let sealedPath = fixtures.pki.path("large-sealed.eml")
            try SMIME.signThenEncrypt(
                inputFile: inputPath, outputFile: sealedPath, identity: try fixtures.senderIdentity(),
                boundary: SampleEntity.boundary, to: [try fixtures.certificate(fixtures.alice)])

            let sealed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: sealedPath)))
            #expect(hasOnlyCRLFLineEnds(sealed))
            let signedPath = fixtures.pki.path("large-signed.eml")
            try await TestPKI.openssl([
                "cms", "-decrypt", "-in", sealedPath, "-recip", fixtures.alice.certificatePath, "-inkey",
                fixtures.alice.keyPath, "-out", signedPath,
            ])
            let contentPath = fixtures.pki.path("large-content.eml")
            try await TestPKI.openssl([
                "cms", "-verify", "-in", signedPath, "-CAfile", fixtures.ca.certificatePath, "-out", contentPath,
            ])
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: contentPath))) == inner)
        }

        @Test("file variants produce output that PosternSMIME and openssl read back", arguments: SMIMEContentCipher.all)
        func streamingSignAndEncryptSeparately(cipher: SMIMEContentCipher) async throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = Self.largeEntity()
            let inputPath = try fixtures.write(inner, named: "large.eml")
            let signedPath = fixtures.pki.path("large-signed-\(cipher).eml")
            try SMIME.sign(
                inputFile: inputPath, outputFile: signedPath, identity: try fixtures.senderIdentity(),
                digest: .sha512, boundary: SampleEntity.boundary)
            let signed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: signedPath)))
            #expect(hasOnlyCRLFLineEnds(signed))
            #expect(try SMIME.verify(signed, trust: try fixtures.trustStore()).content == inner)

            let encryptedPath = fixtures.pki.path("large-encrypted-\(cipher).eml")
            try SMIME.encrypt(
                inputFile: inputPath, outputFile: encryptedPath, to: [try fixtures.certificate(fixtures.carol)],
                options: SMIMEEncryptionOptions(cipher: cipher))
            let decrypted = try await TestPKI.openssl([
                "cms", "-decrypt", "-in", encryptedPath, "-recip", fixtures.carol.certificatePath, "-inkey",
                fixtures.carol.keyPath,
            ])
            #expect([UInt8](decrypted) == inner)
        }

        @Test("the chunked writer seals content written in odd pieces; openssl reads the result")
        func chunkedWriter() async throws {
            let fixtures = try SMIMEFixtures.required()
            var inner = SampleEntity.text()
            for line in 0..<3000 { inner += Array("chunked line \(line)\r\n".utf8) }
            var sealed: [UInt8] = []
            var pieces = 0
            let writer = try SMIMEStreamWriter.signingThenEncrypting(
                identity: try fixtures.senderIdentity(), boundary: SampleEntity.boundary,
                to: [try fixtures.certificate(fixtures.carol)], options: SMIMEEncryptionOptions(cipher: .aes256GCM)
            ) { piece in
                sealed += piece
                pieces += 1
            }
            var offset = 0
            while offset < inner.count {
                let end = min(offset + 997, inner.count)
                try writer.write(Array(inner[offset..<end]))
                offset = end
            }
            try writer.finish()
            #expect(pieces > 10)  // output flows while input is written, not all at the end
            #expect(throws: SMIMEError.self) { try writer.write([0x41]) }

            let input = try fixtures.write(sealed, named: "chunked.eml")
            let signed = fixtures.pki.path("chunked-signed.eml")
            try await TestPKI.openssl([
                "cms", "-decrypt", "-in", input, "-recip", fixtures.carol.certificatePath, "-inkey",
                fixtures.carol.keyPath, "-out", signed,
            ])
            let content = try await TestPKI.openssl([
                "cms", "-verify", "-in", signed, "-CAfile", fixtures.ca.certificatePath,
            ])
            #expect([UInt8](content) == inner)
        }

        @Test("output onto the input file is refused before anything is truncated")
        func sameFileRefused() throws {
            let fixtures = try SMIMEFixtures.required()
            let inner = SampleEntity.text()
            let path = try fixtures.write(inner, named: "same.eml")
            let error = #expect(throws: SMIMEError.self) {
                try SMIME.encrypt(inputFile: path, outputFile: path, to: [try fixtures.certificate(fixtures.alice)])
            }
            #expect(error?.code == .io)
            #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == inner)
        }

        @Test("a failed streaming run leaves no partial output file")
        func failureRemovesOutput() throws {
            let fixtures = try SMIMEFixtures.required()
            let inputPath = try fixtures.write(
                SampleEntity.text("--\(SampleEntity.boundary)\r\n"), named: "bad.eml")
            let outputPath = fixtures.pki.path("bad-signed.eml")
            #expect(throws: SMIMEError.self) {
                try SMIME.sign(
                    inputFile: inputPath, outputFile: outputPath, identity: try fixtures.senderIdentity(),
                    boundary: SampleEntity.boundary)
            }
            #expect(!FileManager.default.fileExists(atPath: outputPath))
            #expect(throws: SMIMEError.self) {
                try SMIME.encrypt(
                    inputFile: fixtures.pki.path("does-not-exist"), outputFile: outputPath,
                    to: [try fixtures.certificate(fixtures.alice)])
            }
            #expect(!FileManager.default.fileExists(atPath: outputPath))
        }
    }
}
