import Crypto
import Foundation
import PosternTLS
import PosternTestSupport
import Testing

@Suite("SPKI pins")
struct SPKIPinTests {
    @Test("pins equal openssl's for every test certificate")
    func pinsMatchOpenSSL() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            for identity in [pki.root, pki.intermediate] + pki.serverIdentities {
                let expected = try await OpenSSLReferencePin.ofCertificate(at: identity.certificatePath)
                #expect(try identity.pin.description == expected, "\(identity.name)")
                let fromFile = try SPKIPin.pins(
                    ofCertificateFile: Array(Data(contentsOf: URL(fileURLWithPath: identity.certificatePath))))
                #expect(fromFile.map(\.description) == [expected], "\(identity.name)")
            }
        }
    }

    @Test("a chain file yields every certificate's pin, leaf first")
    func chainFile() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: pki.valid.chainPath)))
            let pins = try SPKIPin.pins(ofCertificateFile: bytes)
            #expect(pins == (try pki.valid.chainPins))
            #expect(pins.count == 2)
            #expect(pins[1] == (try pki.intermediate.pin))
        }
    }

    @Test("the pin covers the whole SubjectPublicKeyInfo, not swift-certificates' key bytes")
    func notTheBitStringPayload() async throws {
        try await withTestPKI { (pki: TestPKI) async throws -> Void in
            let certificate = pki.valid.certificate
            let payloadOnly = try SPKIPin(
                digest: Array(SHA256.hash(data: Array(certificate.publicKey.subjectPublicKeyInfoBytes))))
            #expect(try pki.valid.pin != payloadOnly)
            let der = try SPKIPin.subjectPublicKeyInfoDER(of: certificate)
            #expect(der.first == 0x30)  // a SEQUENCE: algorithm identifier plus BIT STRING
            #expect(der.count > certificate.publicKey.subjectPublicKeyInfoBytes.count)
        }
    }

    @Test("textual form round-trips")
    func roundTrip() throws {
        let pin = try SPKIPin(digest: Array(0..<32))
        let text = pin.description
        #expect(text.hasPrefix("sha256//"))
        #expect(try SPKIPin(parsing: text) == pin)
    }

    @Test(
        "malformed pins are rejected",
        arguments: [
            "",
            "sha256//",
            "sha1//AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",
            "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh!=",
            " sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ",
            "sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA",
        ])
    func malformed(_ text: String) {
        #expect(throws: SPKIPinError.self) { try SPKIPin(parsing: text) }
    }

    @Test("files without a certificate are rejected with a clear error")
    func badFiles() {
        #expect(throws: SPKIPinError.self) { try SPKIPin.pins(ofCertificateFile: Array("hello".utf8)) }
        #expect(throws: SPKIPinError.self) {
            try SPKIPin.pins(
                ofCertificateFile: Array("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".utf8))
        }
        #expect(throws: SPKIPinError.self) {
            try SPKIPin.pins(
                ofCertificateFile: Array("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8))
        }
    }
}
