import Postern

/// What `postern sendmail --mta-filter` tells the MTA that ran it: an exit status and the RFC 3463 enhanced status
/// code that begins its output.
///
/// Why a separate mapping: Postfix's pipe(8) bounces on every sysexits code but 75 (`EX_TEMPFAIL`), so the plain
/// contract codes would bounce mail whenever the submission server is down (69) or the filter's own configuration
/// is broken (78, 66, 64). Under `--mta-filter` only what the *sender* must change is permanent: a policy denial
/// of this message (77), a malformed message (65), and a permanent refusal of this message by the server (69 with
/// a 5xx to MAIL, RCPT or DATA). Everything that can succeed on a retry without the sender doing anything is 75.
/// pipe(8) lets an enhanced status code at the start of the output take precedence over the exit status, so the
/// code is always consistent with the status.
///
/// Pure: no I/O; see ``map(_:kind:)``.
struct MTAFilterStatus: Equatable, Sendable {
    /// The process exit status under `--mta-filter`: 0, 65, 69, 75 or 77.
    var exitStatus: ExitStatus
    /// The RFC 3463 code (`5.7.1`, `4.4.1`, …) that begins the first output line; `nil` for success.
    var enhancedCode: String?

    /// Why a run failed, as far as the choice between bouncing and deferring depends on it.
    enum Kind: Equatable, Sendable {
        /// Nothing failed.
        case none
        /// The policy denied this message (envelope, protection, a recipient's key): the sender must change it.
        case messageDenied
        /// A transport rule denied the connection to the submission server (certificate, pin, TLS version,
        /// STARTTLS, AUTH mechanism): the server or the filter's configuration must change, not the sender.
        case transportDenied
        /// The filter's own set-up: configuration, policy or key files, the password source, the command line
        /// in master.cf, the credentials the server refused.
        case filterConfiguration
        /// The message itself is malformed.
        case malformedMessage
        /// No connection to the submission server (refused, unreachable, connect timeout).
        case serverUnreachable
        /// A reply did not come in time.
        case timeout
        /// The connection ended before the dialogue did.
        case connectionLost
        /// A 4xx reply; its enhanced status code when it gave a valid one.
        case serverTemporary(enhancedCode: String?)
        /// A 5xx reply refusing this message (MAIL, RCPT, DATA) or a server limit it exceeds; the enhanced code
        /// when known.
        case serverPermanent(enhancedCode: String?)
        /// Anything else (a protocol error, an unexpected engine failure): worth a retry.
        case other
    }

    /// The filter status for a run that ended with `status` for the reason `kind`.
    static func map(_ status: ExitStatus, kind: Kind) -> MTAFilterStatus {
        switch status {
        case .ok:
            return MTAFilterStatus(exitStatus: .ok, enhancedCode: nil)
        case .noPerm:
            switch kind {
            case .transportDenied: return deferred("4.7.0")
            case .filterConfiguration: return deferred("4.3.5")
            default: return MTAFilterStatus(exitStatus: .noPerm, enhancedCode: "5.7.1")
            }
        case .dataErr:
            return MTAFilterStatus(exitStatus: .dataErr, enhancedCode: "5.6.0")
        case .unavailable:
            if case .serverPermanent(let code) = kind {
                return MTAFilterStatus(
                    exitStatus: .unavailable, enhancedCode: validated(code, statusClass: 5) ?? "5.0.0")
            }
            return temporary(kind)
        case .usage, .noInput, .config:
            return deferred("4.3.5")
        default:
            return temporary(kind)
        }
    }

    /// 75 with the code that says best why a retry may work.
    private static func temporary(_ kind: Kind) -> MTAFilterStatus {
        switch kind {
        case .serverUnreachable, .timeout: deferred("4.4.1")
        case .connectionLost: deferred("4.4.2")
        case .filterConfiguration: deferred("4.3.5")
        case .transportDenied: deferred("4.7.0")
        case .serverTemporary(let code): deferred(validated(code, statusClass: 4) ?? "4.0.0")
        default: deferred("4.0.0")
        }
    }

    private static func deferred(_ code: String) -> MTAFilterStatus {
        MTAFilterStatus(exitStatus: .tempFail, enhancedCode: code)
    }

    /// `code` when it is an RFC 3463 `class.subject.detail` of the given class (subject and detail 1–3 digits,
    /// no leading zeros beyond a lone 0), else nil: a server's text is not trusted to steer pipe(8).
    static func validated(_ code: String?, statusClass: Int) -> String? {
        guard let code else { return nil }
        let parts = code.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Substring(String(statusClass)) else { return nil }
        for part in parts.dropFirst() {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0"
            else { return nil }
        }
        return code
    }

    /// The RFC 3463 code at the start of a reply's text (`5.1.1 <bob@x>: …` gives `5.1.1`), or nil.
    static func enhancedCode(atStartOf text: String?) -> String? {
        guard let text else { return nil }
        let token = text.split(separator: " ", maxSplits: 1).first.map(String.init)
        guard let token, let first = token.first, let statusClass = Int(String(first)), [2, 4, 5].contains(statusClass)
        else { return nil }
        return validated(token, statusClass: statusClass)
    }
}
