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
        try await DedicatedThread.run { try computeBlocking(path) }
    }

    private static func computeBlocking(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The path is passed as a positional parameter ($1), never interpolated into the script.
        process.arguments = [
            "-c",
            "openssl x509 -pubkey -noout -in \"$1\" | openssl pkey -pubin -outform DER "
                + "| openssl dgst -sha256 -binary | base64",
            "sh", path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl could not compute the pin of \(path)")
        }
        return "sha256//" + String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
