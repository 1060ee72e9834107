import Foundation

/// The reference SPKI pin of a certificate, computed by the openssl command line exactly as the
/// contract describes it (`sha256//` + base64 of the SHA-256 of the DER SubjectPublicKeyInfo), so
/// tests compare Postern's pins with an independent implementation.
public enum OpenSSLReferencePin {
    /// Why openssl did not produce a pin.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The pin of the (first) certificate in the PEM file at `path`.
    public static func ofCertificate(at path: String) async throws -> String {
        // The path is passed as a positional parameter ($1), never interpolated into the script.
        let output = try await ToolProcess.run(
            "/bin/sh",
            [
                "-c",
                "openssl x509 -pubkey -noout -in \"$1\" | openssl pkey -pubin -outform DER "
                    + "| openssl dgst -sha256 -binary | base64",
                "sh", path,
            ])
        guard output.status == 0 else {
            throw Failure(description: "openssl could not compute the pin of \(path): \(output.stderr)")
        }
        return "sha256//"
            + String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
