import NIOSSL

/// The transport policy's TLS demands, independent of any one server: minimum version, certificate mode, pins and
/// trust anchors. Combined with a server name it yields the ``CertificateRequirements`` for a connection.
public struct TLSClientPolicy: Sendable {
    /// The lowest TLS version accepted: `.tlsv12` or `.tlsv13`.
    public var minimumVersion: TLSVersion
    /// The certificate mode.
    public var certificateMode: CertificateMode
    /// Pin sets (see ``CertificateRequirements/pinSets``).
    public var pinSets: [[SPKIPin]]
    /// Trust anchors for ``CertificateMode/verify``.
    public var trustAnchors: TrustAnchors

    /// Creates a policy.
    /// - Throws: ``TLSClientPolicyError`` when `minimumTLS` is not `"1.2"` or `"1.3"`.
    public init(
        minimumTLS: String,
        certificateMode: CertificateMode,
        pinSets: [[SPKIPin]] = [],
        trustAnchors: TrustAnchors
    ) throws {
        guard let version = TLSVersion(contractName: minimumTLS), version == .tlsv12 || version == .tlsv13 else {
            throw TLSClientPolicyError(message: "min-tls must be \"1.2\" or \"1.3\", not \"\(minimumTLS)\"")
        }
        self.minimumVersion = version
        self.certificateMode = certificateMode
        self.pinSets = pinSets
        self.trustAnchors = trustAnchors
    }

    /// The certificate requirements for a connection to `serverName` (the `--server` host, not `--connect`).
    public func requirements(serverName: String) -> CertificateRequirements {
        CertificateRequirements(
            serverName: serverName, mode: certificateMode, pinSets: pinSets, trustAnchors: trustAnchors)
    }
}

/// A TLS policy value that cannot be honoured.
public struct TLSClientPolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

extension TLSVersion {
    /// Parses the contract's spelling: `"1.0"`, `"1.1"`, `"1.2"`, `"1.3"`.
    public init?(contractName: String) {
        switch contractName {
        case "1.0": self = .tlsv1
        case "1.1": self = .tlsv11
        case "1.2": self = .tlsv12
        case "1.3": self = .tlsv13
        default: return nil
        }
    }

    /// The contract's spelling (the report's `tls-version`): `"1.0"` … `"1.3"`.
    public var contractName: String {
        switch self {
        case .tlsv1: "1.0"
        case .tlsv11: "1.1"
        case .tlsv12: "1.2"
        case .tlsv13: "1.3"
        }
    }

    /// Orders versions (NIOSSL's enum is not `Comparable`).
    public var ordinal: Int {
        switch self {
        case .tlsv1: 10
        case .tlsv11: 11
        case .tlsv12: 12
        case .tlsv13: 13
        }
    }
}
