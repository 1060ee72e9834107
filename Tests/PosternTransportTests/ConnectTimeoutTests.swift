import Foundation
import Postern
import PosternTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback listener that never accepts and whose accept queue is already full (backlog 0 plus one completed
/// connection): Linux drops any further SYN while the queue is full, so a new connection can neither succeed nor
/// be refused — it can only time out, however long one waits.
final class FullBacklogListener {
    let port: Int
    private var descriptors: [Int32] = []

    init() throws {
        var opened: [Int32] = []
        func fail(_ code: POSIXErrorCode) -> POSIXError {
            for descriptor in opened { _ = Glibc.close(descriptor) }
            return POSIXError(code)
        }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw fail(.EMFILE) }
        opened.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 0) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw fail(.EADDRNOTAVAIL) }
        // The one connection a backlog of 0 admits: the kernel completes it into the accept queue, which is then
        // full. Nobody ever accepts it.
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard filler >= 0 else { throw fail(.EMFILE) }
        opened.append(filler)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw fail(.ECONNREFUSED) }
        port = Int(UInt16(bigEndian: address.sin_port))
        descriptors = opened
    }

    func close() {
        for descriptor in descriptors where descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptors = []
    }

    deinit { close() }
}

@Suite("Connecting")
struct ConnectTimeoutTests {
    @Test("a connection that never completes: TEMPFAIL (75), not unreachable")
    func connectTimeout() async throws {
        try await withTestPKI { pki in
            let listener = try FullBacklogListener()
            defer { listener.close() }
            let request = SubmissionRequest(
                connection: ConnectionSettings(
                    server: ServerEndpoint(host: "localhost", port: listener.port),
                    connect: ServerEndpoint(host: "127.0.0.1", port: listener.port), timeout: 0.3,
                    caFile: pki.caFilePath, usesSystemTrustStore: false),
                credentials: Harness.credentials, policy: try Harness.policy(nil), messages: [Harness.message()])
            let report = await MailSubmitter().send(request, logger: Harness.logger)
            #expect(report.exitCode == .tempFail, "\(report)")
            #expect(report.error?.contains("did not complete") == true)
            #expect(report.transport == nil)
        }
    }
}
