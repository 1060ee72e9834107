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
        if trust.includesSystemAnchors, X509_STORE_set_default_paths(store) != 1 {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot load the system trust anchors")
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
