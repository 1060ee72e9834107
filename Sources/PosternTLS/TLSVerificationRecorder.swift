import NIOConcurrencyHelpers

/// Where the verification callback leaves its assessment, so that after a failed handshake the caller can report
/// the specific code (`pin-mismatch`, `certificate-expired`, …) instead of a generic handshake failure.
///
/// One recorder per connection attempt. Thread-safe: the callback writes on an arbitrary thread, the caller reads
/// after the handshake completed or failed.
public final class TLSVerificationRecorder: Sendable {
    private let box = NIOLockedValueBox<CertificateAssessment?>(nil)

    /// Creates an empty recorder.
    public init() {}

    /// The assessment of the peer's chain, or `nil` when the handshake never reached certificate verification.
    public var assessment: CertificateAssessment? {
        box.withLockedValue { $0 }
    }

    func record(_ assessment: CertificateAssessment) {
        box.withLockedValue { $0 = assessment }
    }
}
