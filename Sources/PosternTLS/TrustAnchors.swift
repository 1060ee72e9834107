import X509

/// The certificates a server chain may end at: the system store plus any `--ca-file` anchors.
public struct TrustAnchors: Sendable {
    /// Debian's system bundle, the default system store.
    public static let systemBundlePath = "/etc/ssl/certs/ca-certificates.crt"

    /// The anchor certificates.
    public var certificates: [Certificate]

    /// Anchors given directly (tests, embedders).
    public init(certificates: [Certificate]) {
        self.certificates = certificates
    }

    /// Loads the system bundle and, when given, an extra PEM file of anchors (`--ca-file`).
    ///
    /// - Parameters:
    ///   - systemBundlePath: The system store; `nil` to leave it out (only for callers that trust nothing but
    ///     `extraCAFile`, such as tests). A missing system bundle is not an error: then only `extraCAFile` counts.
    ///   - extraCAFile: A PEM file of additional anchors, or `nil`.
    /// - Throws: ``SPKIPinError`` (code `invalidCertificate`, naming the file) when `extraCAFile` is unreadable or
    ///   holds no certificate, or when an existing system bundle is malformed.
    public static func load(
        systemBundlePath: String? = TrustAnchors.systemBundlePath,
        extraCAFile: String? = nil
    ) throws -> TrustAnchors {
        var certificates: [Certificate] = []
        if let systemBundlePath, FileManagerProbe.isReadableFile(systemBundlePath) {
            certificates += try CertificateFileReader.certificates(atPath: systemBundlePath)
        }
        if let extraCAFile {
            certificates += try CertificateFileReader.certificates(atPath: extraCAFile)
        }
        return TrustAnchors(certificates: certificates)
    }
}
