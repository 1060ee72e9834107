import Foundation
import Postern
import PosternTLS
import X509

/// `postern pin --cert FILE`: the pins of the certificates in a PEM or DER file. No network.
enum PinFromFile {
    static func run(path: String, chain: Bool) -> CommandResult {
        // Tell "cannot read" (66) from "not a certificate" (65): the reader reports both alike.
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .failure(
                verb: "pin", status: .noInput, message: "postern pin: \(path): no such file or not readable")
        }
        let certificates: [Certificate]
        let pinned: [PinnedCertificate]
        do {
            certificates = try CertificateFileReader.certificates(atPath: path)
            pinned = try certificates.map {
                PinnedCertificate(pin: try SPKIPin(certificate: $0), subject: $0.subject.description)
            }
        } catch {
            return .failure(verb: "pin", status: .dataErr, message: "postern pin: \(path): \(error)")
        }
        guard let leaf = certificates.first, let leafPin = pinned.first else {
            return .failure(verb: "pin", status: .dataErr, message: "postern pin: \(path): no certificate")
        }
        let section = Report.Certificate(
            verified: nil, spkiSHA256: leafPin.pin.description, subject: leafPin.subject,
            notAfter: leaf.notValidAfter.formatted(.iso8601))
        let report = Report(verb: "pin", exitCode: .ok, transport: Report.Transport(certificate: section))
        return CommandResult(report: report, text: PinLines.render(pinned, chain: chain))
    }
}
