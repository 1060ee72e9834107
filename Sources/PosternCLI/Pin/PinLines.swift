import Postern
import PosternTLS

/// One certificate as `pin` prints it: its SPKI pin and its subject.
struct PinnedCertificate: Sendable, Equatable {
    /// `sha256//BASE64` of the SubjectPublicKeyInfo.
    var pin: SPKIPin
    /// The subject DN, RFC 4514 text.
    var subject: String
}

/// The text `pin` writes on stdout: the leaf's pin alone (so `$(postern pin …)` is the pin), or with `--chain`
/// one line per certificate, `PIN SUBJECT`, leaf first. The pin never holds a space, so `cut -d' ' -f1` or
/// `awk '{print $1}'` recovers it.
enum PinLines {
    static func render(_ certificates: [PinnedCertificate], chain: Bool) -> String {
        guard chain else { return certificates.first.map { $0.pin.description + "\n" } ?? "" }
        return certificates.map { "\($0.pin) \($0.subject)\n" }.joined()
    }
}
