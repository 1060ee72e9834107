import Foundation

/// Loads the PEM certificates of a directory (`--smime-certs DIR`).
enum SMIMECertificateDirectory {
    /// File name extensions read; anything else (keys, notes) is ignored.
    static let extensions: Set<String> = ["pem", "crt", "cer"]
    /// Bounds the work a hostile directory can cause.
    static let maximumFiles = 10_000

    static func load(_ path: String) throws -> (certificates: [SMIMECertificate], skipped: [String]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw SMIMEError(code: .io, message: "\(path): cannot list the certificate directory")
        }
        var certificates: [SMIMECertificate] = []
        var skipped: [String] = []
        for name in names.prefix(maximumFiles) {
            guard extensions.contains((name as NSString).pathExtension.lowercased()) else { continue }
            let file = (path as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            do {
                certificates += try SMIMECertificate.load(pemFile: file)
            } catch let error as SMIMEError {
                skipped.append("\(file): \(error.message)")
            }
        }
        if names.count > maximumFiles {
            skipped.append("\(path): only the first \(maximumFiles) files were read")
        }
        return (certificates, skipped)
    }
}
