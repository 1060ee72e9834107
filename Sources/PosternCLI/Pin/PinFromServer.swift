import Foundation
import NIOCore
import Postern
import PosternTLS

/// `postern pin --server HOST[:PORT]`: connect with implicit TLS, print the pins of what the server presents.
///
/// - Important: Pinning is trust on first use. The pins are printed even when the chain does not verify (that is
///   the point of pinning a self-signed or private-CA server), but then stderr says "not verified" with the
///   reasons, and the user must confirm the pin by a second route (the administrator, `pin --cert` on the
///   server's certificate file) before putting it in a policy.
enum PinFromServer {
    struct Target: Sendable {
        /// `--server`: the name sent as SNI and checked against the certificate.
        var server: ServerEndpoint
        /// `--connect`, when the TCP connection goes elsewhere.
        var connect: ServerEndpoint?
        /// `--ca-file`: extra trust anchors for the "verified" verdict.
        var caFile: String?
        /// `--timeout` in seconds.
        var timeout: Double?
        /// `--chain`.
        var chain: Bool

        static let implicitTLSPort = 465

        var port: Int { server.port ?? Self.implicitTLSPort }
        var connectHost: String { connect?.host ?? server.host }
        var connectPort: Int { connect?.port ?? port }
        var serverText: String { ServerEndpoint(host: server.host, port: port).description }
    }

    static func run(_ target: Target) async -> CommandResult {
        let configuration: PosternTLSClientConfiguration
        do {
            configuration = try makeConfiguration(caFile: target.caFile)
        } catch {
            return .failure(verb: "pin", status: .config, message: "postern pin: --ca-file: \(error)")
        }
        let timeout = TimeAmount.milliseconds(Int64(((target.timeout ?? 30) * 1000).rounded(.up)))
        let result: TLSProbeResult
        do {
            result = try await TLSProbe.connect(
                host: target.connectHost, port: target.connectPort, serverName: target.server.host,
                config: configuration, timeout: timeout)
        } catch let error as TLSProbeError {
            let status: ExitStatus = error.code == .timedOut ? .tempFail : .unavailable
            return .failure(verb: "pin", status: status, message: "postern pin: \(target.serverText): \(error.message)")
        } catch {
            return .failure(verb: "pin", status: .unavailable, message: "postern pin: \(target.serverText): \(error)")
        }
        return PinProbeOutcome.result(
            facts: result.certificate?.facts, findings: result.findings, tlsVersion: result.tlsVersion?.contractName,
            server: target.serverText, security: "implicit-tls", chain: target.chain)
    }

    /// Verification as `send` would do it (system store plus `--ca-file`, host name, TLS ≥ 1.2), only so that the
    /// output can say whether the chain verified; a failure does not stop the pins from being printed.
    static func makeConfiguration(caFile: String?) throws -> PosternTLSClientConfiguration {
        let anchors = try TrustAnchors.load(extraCAFile: caFile)
        let policy = try TLSClientPolicy(minimumTLS: "1.2", certificateMode: .verify, trustAnchors: anchors)
        return try PosternTLSClientConfiguration(policy: policy)
    }
}

/// Turns what a handshake learnt into `pin`'s output, for implicit TLS and STARTTLS alike.
enum PinProbeOutcome {
    static func result(
        facts: CertificateFacts?, findings: [TLSFinding], tlsVersion: String?, server: String, security: String,
        chain: Bool
    ) -> CommandResult {
        guard let facts else {
            let reasons =
                findings.isEmpty
                ? "the server presented no certificate" : findings.map(\.description).joined(separator: "; ")
            var result = CommandResult.failure(
                verb: "pin", status: .unavailable,
                message: "postern pin: \(server): no certificate obtained: \(reasons)")
            result.report.transport = Report.Transport(server: server, security: security)
            return result
        }
        let subjects = facts.presentedChainSubjects
        let pinned = facts.presentedChainPins.enumerated().map { index, pin in
            PinnedCertificate(
                pin: pin, subject: index < subjects.count ? subjects[index] : (index == 0 ? facts.subject : "?"))
        }
        var diagnostics: [String] = []
        if !facts.verified || !findings.isEmpty {
            let reasons =
                findings.isEmpty ? "the chain was not verified" : findings.map(\.description).joined(separator: "; ")
            diagnostics.append("postern pin: not verified: \(reasons)")
            diagnostics.append(
                "postern pin: this pin is only what \(server) presented just now (trust on first use); "
                    + "confirm it by a second route, e.g. with the server's administrator or 'postern pin --cert' "
                    + "on its certificate file, before putting it in a policy")
        }
        let section = Report.Certificate(
            verified: facts.verified, spkiSHA256: facts.leafPin.description, subject: facts.subject,
            notAfter: facts.notAfterISO8601)
        let transport = Report.Transport(
            server: server, security: security, tlsVersion: tlsVersion, certificate: section)
        let report = Report(verb: "pin", exitCode: .ok, transport: transport)
        return CommandResult(report: report, text: PinLines.render(pinned, chain: chain), diagnostics: diagnostics)
    }
}
