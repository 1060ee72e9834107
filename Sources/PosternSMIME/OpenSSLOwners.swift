import CLibCrypto
import Foundation

/// Owns one `CMS_ContentInfo` and frees it in `deinit`.
///
/// Not `Sendable`: a CMS structure is built and finalised by one operation.
final class CMSContentInfo {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { CMS_ContentInfo_free(pointer) }
}

/// Owns one `STACK_OF(X509)` holding its own reference to each certificate.
///
/// Not `Sendable`: built for one call and handed to OpenSSL on that thread.
final class X509Stack {
    let pointer: OpaquePointer

    init(_ certificates: [SMIMECertificate]) throws {
        guard let stack = postern_sk_X509_new_null() else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a certificate stack")
        }
        pointer = stack
        for certificate in certificates {
            X509_up_ref(certificate.pointer)
            if postern_sk_X509_push(stack, certificate.pointer) <= 0 {
                X509_free(certificate.pointer)
                throw OpenSSLErrorQueue.error(.internalFailure, "cannot build a certificate stack")
            }
        }
    }

    deinit { postern_sk_X509_pop_free(pointer) }
}

/// Where the system's trust anchors come from, decided once per process.
///
/// `X509_STORE_set_default_paths` parses the whole CA bundle (`cert.pem`, ~140 certificates
/// on Debian) eagerly through OpenSSL 3's decoder framework: 29–48 ms measured per store on the
/// 2-core VM, and a store is built per recipient certificate checked. The hashed certificate
/// directory (`c_rehash` / `update-ca-certificates` links such as `3513523f.0`) gives the same
/// anchors lazily: a lookup by subject reads only the files with that subject's hash (1.2 ms
/// measured for store set-up plus one verification). Debian and most distributions fill both
/// from the same source. When `SSL_CERT_FILE` names another bundle than the default one, or the
/// directory has no hash links, the eager default is kept, so what OpenSSL would trust is never
/// narrowed.
enum SystemTrustAnchors {
    /// Lazily by hash from these directories (`:`-separated, as `SSL_CERT_DIR`).
    case hashedDirectories(String)
    /// OpenSSL's defaults (`X509_STORE_set_default_paths`).
    case opensslDefaults

    /// The source for this process (environment and file system read once).
    static let current = choose(environment: ProcessInfo.processInfo.environment)

    /// The source for an environment (`SSL_CERT_FILE`, `SSL_CERT_DIR`) and the file system.
    static func choose(environment: [String: String]) -> SystemTrustAnchors {
        if let file = environment["SSL_CERT_FILE"] {
            // Many images export the system bundle itself here; only another bundle needs the eager path.
            let standard = X509_get_default_cert_file().map { String(cString: $0) } ?? ""
            guard let given = resolvedPath(file), given == resolvedPath(standard) else { return .opensslDefaults }
        }
        let directories =
            environment["SSL_CERT_DIR"] ?? X509_get_default_cert_dir().map { String(cString: $0) } ?? ""
        let hashed = directories.split(separator: ":").contains { hasHashLinks(String($0)) }
        return hashed ? .hashedDirectories(directories) : .opensslDefaults
    }

    private static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `directory` holds at least one `HHHHHHHH.N` subject-hash entry.
    static func hasHashLinks(_ directory: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return false }
        return names.contains { name in
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[0].utf8.count == 8 && parts[0].allSatisfy(\.isHexDigit)
                && !parts[1].isEmpty && parts[1].allSatisfy(\.isNumber)
        }
    }

    func add(to store: OpaquePointer) throws {
        switch self {
        case .opensslDefaults:
            guard X509_STORE_set_default_paths(store) == 1 else {
                throw OpenSSLErrorQueue.error(.internalFailure, "cannot load the system trust anchors")
            }
        case .hashedDirectories(let directories):
            guard let lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir()),
                postern_X509_LOOKUP_add_dir(lookup, directories) == 1
            else {
                throw OpenSSLErrorQueue.error(
                    .internalFailure, "cannot use the system trust anchors in \(directories)")
            }
        }
    }
}

/// Owns one `X509_STORE` (trust anchors for one verification run).
///
/// Not `Sendable`: each operation builds its own store from an ``SMIMETrustStore``,
/// so its verification time can be set without touching a shared object.
final class X509TrustStore {
    let pointer: OpaquePointer

    init(_ trust: SMIMETrustStore, at time: Date?) throws {
        guard let store = X509_STORE_new() else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a certificate store")
        }
        pointer = store
        if trust.includesSystemAnchors {
            try SystemTrustAnchors.current.add(to: store)
        }
        for anchor in trust.anchors where X509_STORE_add_cert(store, anchor.pointer) != 1 {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot add trust anchor \(anchor.subject)")
        }
        if let time, let parameters = X509_STORE_get0_param(store) {
            X509_VERIFY_PARAM_set_time(parameters, time_t(time.timeIntervalSince1970))
        }
    }

    deinit { X509_STORE_free(pointer) }
}
