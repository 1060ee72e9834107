import Foundation
import NIOConcurrencyHelpers
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
            certificates += try SystemBundleCache.shared.certificates(atPath: systemBundlePath)
        }
        if let extraCAFile {
            certificates += try CertificateFileReader.certificates(atPath: extraCAFile)
        }
        return TrustAnchors(certificates: certificates)
    }
}

/// Parsing the ~140-certificate system bundle costs noticeable time (much more in debug builds); a process that
/// connects repeatedly (an embedding tool, the test suite) parses it once per path and file version.
final class SystemBundleCache: Sendable {
    static let shared = SystemBundleCache()

    private struct Entry {
        var modified: Date
        var size: Int
        var certificates: [Certificate]
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    func certificates(atPath path: String) throws -> [Certificate] {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = attributes?[.modificationDate] as? Date
        let size = (attributes?[.size] as? NSNumber)?.intValue
        if let modified, let size,
            let entry = entries.withLockedValue({ $0[path] }), entry.modified == modified, entry.size == size
        {
            return entry.certificates
        }
        let certificates = try CertificateFileReader.certificates(atPath: path)
        if let modified, let size {
            entries.withLockedValue { $0[path] = Entry(modified: modified, size: size, certificates: certificates) }
        }
        return certificates
    }
}
