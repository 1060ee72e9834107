import Crypto
import Foundation
import SwiftASN1
import X509

/// A public-key pin: the SHA-256 digest of a certificate's DER-encoded SubjectPublicKeyInfo, written
/// `sha256//BASE64` (the HPKP / curl `--pinnedpubkey` form).
///
/// - Important: The digest is over the whole SubjectPublicKeyInfo DER (algorithm identifier plus key), exactly what
///   `openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64`
///   hashes. swift-certificates' `subjectPublicKeyInfoBytes` is only the BIT STRING payload and must not be used.
public struct SPKIPin: Hashable, Sendable, CustomStringConvertible {
    /// The 32-byte SHA-256 digest.
    public let digest: [UInt8]

    /// The prefix of the textual form.
    public static let prefix = "sha256//"

    /// Creates a pin from a 32-byte digest.
    /// - Throws: ``SPKIPinError`` with code `invalidPin` when the digest is not 32 bytes.
    public init(digest: [UInt8]) throws {
        guard digest.count == SHA256.byteCount else {
            throw SPKIPinError(code: .invalidPin, message: "a SHA-256 pin digest has 32 bytes, got \(digest.count)")
        }
        self.digest = digest
    }

    /// Parses `sha256//BASE64` (standard base64 with padding, 32 decoded bytes). Leading/trailing spaces are an error.
    /// - Throws: ``SPKIPinError`` with code `invalidPin`, its message saying what is wrong.
    public init(parsing text: String) throws {
        guard text.hasPrefix(Self.prefix) else {
            throw SPKIPinError(code: .invalidPin, message: "a pin must start with \"sha256//\"")
        }
        let encoded = String(text.dropFirst(Self.prefix.count))
        // 32 bytes are always 44 base64 characters; checking the length first bounds the work on hostile input.
        guard encoded.utf8.count == 44, let bytes = Data(base64Encoded: encoded) else {
            throw SPKIPinError(code: .invalidPin, message: "a pin must be sha256// followed by 44 base64 characters")
        }
        try self.init(digest: Array(bytes))
    }

    /// The pin of a DER-encoded SubjectPublicKeyInfo.
    public init(spkiDER: some Sequence<UInt8>) {
        // SHA-256 always yields 32 bytes, so this cannot fail.
        self.digest = Array(SHA256.hash(data: Array(spkiDER)))
    }

    /// The pin of a certificate's public key.
    /// - Throws: ``SPKIPinError`` with code `invalidCertificate` when the key cannot be serialized.
    public init(certificate: Certificate) throws {
        try self.init(spkiDER: Self.subjectPublicKeyInfoDER(of: certificate))
    }

    /// The DER encoding of a certificate's SubjectPublicKeyInfo (algorithm identifier and key).
    public static func subjectPublicKeyInfoDER(of certificate: Certificate) throws -> [UInt8] {
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(certificate.publicKey)
            return serializer.serializedBytes
        } catch {
            throw SPKIPinError(code: .invalidCertificate, message: "cannot serialize the public key: \(error)")
        }
    }

    /// `sha256//BASE64`.
    public var description: String {
        Self.prefix + Data(digest).base64EncodedString()
    }
}

extension SPKIPin {
    /// The pins of every certificate in a PEM (one or more `CERTIFICATE` blocks) or DER file's bytes, in file order.
    ///
    /// Meant for `postern pin --cert FILE` (first element) and `--chain` (all of them).
    /// - Throws: ``SPKIPinError`` with code `invalidCertificate` when no certificate can be read.
    public static func pins(ofCertificateFile bytes: [UInt8]) throws -> [SPKIPin] {
        try CertificateFileReader.certificates(from: bytes).map { try SPKIPin(certificate: $0) }
    }
}

/// Why a pin or certificate could not be read.
public struct SPKIPinError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An extensible error code.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The code's name.
        public var rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The text is not a `sha256//BASE64` pin.
        public static let invalidPin = Code(rawValue: "invalid-pin")
        /// The input holds no readable certificate.
        public static let invalidCertificate = Code(rawValue: "invalid-certificate")
    }

    /// What went wrong, as a code.
    public var code: Code
    /// What went wrong, for a human.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
