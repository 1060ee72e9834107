import Foundation
import Postern
import Testing

@Suite struct SecretTests {
    @Test func everyTextualFormIsRedacted() {
        let secret = Secret(utf8: canary)
        var dumped = ""
        dump(secret, to: &dumped)
        let wrapped = ["token": secret]
        var dumpedWrapped = ""
        dump(wrapped, to: &dumpedWrapped)
        let forms = [
            secret.description, secret.debugDescription, "\(secret)", String(describing: secret),
            String(reflecting: secret), dumped, dumpedWrapped, "\(wrapped)", String(reflecting: wrapped),
        ]
        for form in forms {
            #expect(!form.contains(canary))
            #expect(!form.contains("7f3c9e"))
            #expect(form.contains("<redacted>"))
        }
        #expect(Mirror(reflecting: secret).children.isEmpty)
    }

    @Test func bytesAreKeptExactly() {
        let bytes: [UInt8] = [0, 1, 0xFF, 0x0A, 0x0D, 0x20]
        let secret = Secret(bytes: bytes)
        #expect(secret.count == bytes.count)
        #expect(secret.testBytes == bytes)
        #expect(Secret(bytes: [UInt8]()).isEmpty)
        #expect(Secret(bytes: [UInt8]()).testBytes.isEmpty)
    }
}
