import Foundation

/// The reference pin, computed by the openssl command line exactly as CONTRACT/notes describe it.
enum OpenSSLReference {
    static func pin(ofCertificateAt path: String) throws -> String {
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
            throw CocoaError(.executableLoad)
        }
        return "sha256//" + String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
