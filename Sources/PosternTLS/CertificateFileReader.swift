import Foundation
import SwiftASN1
import X509

/// Reads certificates from PEM (any number of `CERTIFICATE` blocks, other blocks ignored) or a single DER blob.
public enum CertificateFileReader {
    /// The most bytes accepted, so a hostile or mistaken file cannot exhaust memory (system bundles are ~220 KB).
    public static let maximumFileSize = 16 * 1024 * 1024

    /// Parses every certificate in the bytes of a PEM or DER file, in order.
    /// - Throws: ``SPKIPinError`` with code `invalidCertificate` when the input is too large, holds a malformed
    ///   certificate block, or holds no certificate at all.
    public static func certificates(from bytes: [UInt8]) throws -> [Certificate] {
        guard bytes.count <= maximumFileSize else {
            throw SPKIPinError(code: .invalidCertificate, message: "file larger than \(maximumFileSize) bytes")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("-----BEGIN ") {
            let documents: [PEMDocument]
            do {
                documents = try PEMDocument.parseMultiple(pemString: text)
            } catch {
                throw SPKIPinError(code: .invalidCertificate, message: "malformed PEM: \(error)")
            }
            var result: [Certificate] = []
            for (index, document) in documents.enumerated() where document.discriminator == "CERTIFICATE" {
                do {
                    result.append(try Certificate(derEncoded: document.derBytes))
                } catch {
                    throw SPKIPinError(
                        code: .invalidCertificate,
                        message: "PEM block \(index + 1) is not a valid certificate: \(error)"
                    )
                }
            }
            guard !result.isEmpty else {
                throw SPKIPinError(code: .invalidCertificate, message: "no CERTIFICATE block found")
            }
            return result
        }
        do {
            return [try Certificate(derEncoded: bytes)]
        } catch {
            throw SPKIPinError(code: .invalidCertificate, message: "neither PEM nor a DER certificate: \(error)")
        }
    }

    /// Reads a file and parses its certificates; see ``certificates(from:)``.
    /// - Throws: ``SPKIPinError`` with code `invalidCertificate` naming the path when it cannot be read.
    public static func certificates(atPath path: String) throws -> [Certificate] {
        try certificates(from: readBounded(path: path))
    }

    static func readBounded(path: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SPKIPinError(code: .invalidCertificate, message: "\(path): cannot open")
        }
        defer { try? handle.close() }
        let data: Data?
        do {
            data = try handle.read(upToCount: maximumFileSize + 1)
        } catch {
            throw SPKIPinError(code: .invalidCertificate, message: "\(path): cannot read: \(error)")
        }
        let bytes = Array(data ?? Data())
        guard bytes.count <= maximumFileSize else {
            throw SPKIPinError(code: .invalidCertificate, message: "\(path): larger than \(maximumFileSize) bytes")
        }
        return bytes
    }
}
