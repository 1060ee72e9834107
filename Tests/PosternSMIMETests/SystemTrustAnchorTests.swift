import CLibCrypto
import Foundation
import Testing

@testable import PosternSMIME

/// The system anchors are looked up lazily by subject hash when the certificate directory
/// has hash links, and they must still be the anchors OpenSSL would trust.
@Suite struct SystemTrustAnchorTests {
    @Test("a directory counts as hashed only with an HHHHHHHH.N entry")
    func hashLinkDetection() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["ca.pem", "3513523f", "3513523f.x", "3513523g.0", "README"] {
            try Data().write(to: directory.appendingPathComponent(name))
        }
        #expect(!SystemTrustAnchors.hasHashLinks(directory.path))
        try Data().write(to: directory.appendingPathComponent("3513523f.0"))
        #expect(SystemTrustAnchors.hasHashLinks(directory.path))
        #expect(!SystemTrustAnchors.hasHashLinks(directory.path + "/missing"))
    }

    @Test("SSL_CERT_FILE naming another bundle, or a directory without hash links, keeps OpenSSL's eager default")
    func environmentOverrides() throws {
        func isLazy(_ environment: [String: String]) -> Bool {
            if case .hashedDirectories = SystemTrustAnchors.choose(environment: environment) { return true }
            return false
        }
        let standardFile = String(cString: try #require(X509_get_default_cert_file()))
        #expect(isLazy([:]))
        #expect(isLazy(["SSL_CERT_FILE": standardFile]))
        #expect(!isLazy(["SSL_CERT_FILE": "/etc/hostname"]))
        #expect(!isLazy(["SSL_CERT_FILE": "/nonexistent/bundle.pem"]))
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(!isLazy(["SSL_CERT_DIR": empty.path]))
    }

    /// Any system root verifies against the system anchors (found lazily) and not against an empty store.
    @Test("a system root verifies through the lazy lookup, and only with the system anchors")
    func systemRootVerifies() throws {
        let certificates = try FileManager.default.contentsOfDirectory(atPath: "/etc/ssl/certs")
            .filter { $0.hasSuffix(".pem") }.sorted()
        let name = try #require(certificates.first, "no system CA certificates installed")
        if case .hashedDirectories = SystemTrustAnchors.current {
        } else {
            Issue.record("Debian's /etc/ssl/certs has hash links; the lazy lookup should be chosen")
        }
        let root = try #require(try SMIMECertificate.load(pemFile: "/etc/ssl/certs/\(name)").first)
        func verifies(system: Bool) throws -> Bool {
            let store = try X509TrustStore(SMIMETrustStore(anchors: [], includesSystemAnchors: system), at: nil)
            let context = try #require(X509_STORE_CTX_new())
            defer { X509_STORE_CTX_free(context) }
            #expect(X509_STORE_CTX_init(context, store.pointer, root.pointer, nil) == 1)
            return X509_verify_cert(context) == 1
        }
        #expect(try verifies(system: true), "\(name)")
        #expect(try !verifies(system: false))
    }
}
