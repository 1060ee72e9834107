/// The trust anchors that recipient and signer certificates must chain to.
public struct SMIMETrustStore: Sendable {
    /// Extra trust anchors (e.g. from `--ca-file`).
    public var anchors: [SMIMECertificate]
    /// Whether the system's default trust anchors count too.
    public var includesSystemAnchors: Bool

    /// Creates a trust store.
    public init(anchors: [SMIMECertificate] = [], includesSystemAnchors: Bool = true) {
        self.anchors = anchors
        self.includesSystemAnchors = includesSystemAnchors
    }

    /// The system anchors plus the certificates of a PEM file.
    public static func systemAnd(caFile: String) throws -> SMIMETrustStore {
        SMIMETrustStore(anchors: try SMIMECertificate.load(pemFile: caFile), includesSystemAnchors: true)
    }

    /// Only the certificates of a PEM file (tests, closed deployments).
    public static func only(caFile: String) throws -> SMIMETrustStore {
        SMIMETrustStore(anchors: try SMIMECertificate.load(pemFile: caFile), includesSystemAnchors: false)
    }
}
