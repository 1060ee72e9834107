import Foundation

/// Runs blocking work (waiting for a child process, reading a pipe to its end) on a thread of its own, so
/// that the waiting never occupies a thread of Swift's cooperative pool.
///
/// Why this exists: the cooperative pool has exactly as many threads as the machine has cores (two on the CI
/// machine), and it never grows. A test that waits for `openssl`, `gpg` or the `postern` binary inside an
/// `async` function holds one of those threads for the whole run of the child; two such tests stop every other
/// task in the process, including NIOSSL's certificate verification (which swift-certificates runs as a
/// task) — and a TLS handshake that cannot finish looks like a server that never sent its greeting.
public enum DedicatedThread {
    /// Runs `work` on a new thread and resumes the caller with its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result(catching: work))
            }
            thread.name = "postern-test-blocking"
            thread.start()
        }
    }
}
