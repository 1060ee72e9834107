import Foundation
import NIOSSL
import PosternTLS
import X509

/// A certificate chain and private key from ``TestPKI``, in every form a test needs.
///
/// - Important: Test material only, generated at run time; the key PEM lives in memory and in the PKI's temp dir.
public struct TestIdentity: Sendable {
    /// A short name, e.g. `"valid"`, for test output.
    public let name: String
    /// The chain the server presents, leaf first (leaf plus intermediate for CA-issued certificates).
    public let chain: [Certificate]
    /// The private key of the leaf as PKCS#8 PEM.
    public let privateKeyPEM: String
    /// The leaf certificate's PEM file.
    public let certificatePath: String
    /// The presented chain as one PEM file, leaf first.
    public let chainPath: String
    /// The private key's PEM file (mode 0600).
    public let privateKeyPath: String

    /// The leaf certificate.
    public var certificate: Certificate { chain[0] }

    /// The leaf's SPKI pin.
    public var pin: SPKIPin {
        get throws { try SPKIPin(certificate: certificate) }
    }

    /// The pins of the presented chain, leaf first.
    public var chainPins: [SPKIPin] {
        get throws { try chain.map { try SPKIPin(certificate: $0) } }
    }

    /// The presented chain as NIOSSL certificates.
    public func nioCertificateChain() throws -> [NIOSSLCertificate] {
        try chain.map { try NIOSSLCertificate(bytes: Array($0.serializeAsPEM().pemString.utf8), format: .pem) }
    }

    /// The private key as a NIOSSL key.
    public func nioPrivateKey() throws -> NIOSSLPrivateKey {
        try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
    }
}
