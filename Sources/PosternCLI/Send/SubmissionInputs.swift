import Postern
import PosternPolicy

/// Everything a submitting verb (`send`, `sendmail`) or `check` needs, as plain values gathered from the command
/// line (and, for `sendmail`, the configuration file). Holds where the password is, never the password.
struct SubmissionInputs: Sendable {
    /// `--server`.
    var server: ServerEndpoint
    /// `--connect`.
    var connect: ServerEndpoint?
    /// `--security`.
    var security: SecurityMode?
    /// `--helo`.
    var helo: String?
    /// `--timeout` in seconds.
    var timeout: Double?
    /// `--ca-file`.
    var caFile: String?
    /// `--user` and the password source.
    var credential: Credential?
    /// The policy layers (`--policy`, else `$POSTERN_POLICY`, else the baseline).
    var layers: PolicyLayerSelection
    /// Protection asked for (`--sign`, `--encrypt`).
    var sign: ProtectionFormat?
    var encrypt: ProtectionFormat?
    /// Key material (`--smime-cert`, `--smime-key`, `--smime-certs`, `--gnupg-home`, `--pgp-signer`, `--ca-file`;
    /// for `sendmail` the configuration file's keys).
    var keys: SealKeyMaterial = SealKeyMaterial()

    /// The connection settings of the facade.
    var connectionSettings: ConnectionSettings {
        ConnectionSettings(
            server: server, connect: connect, security: security, helo: helo, timeout: timeout, caFile: caFile)
    }
}

extension SecurityModeArgument {
    /// The policy's security mode.
    var mode: SecurityMode {
        switch self {
        case .implicitTLS: .implicitTLS
        case .starttls: .starttls
        }
    }
}

extension ProtectionFormatArgument {
    /// The policy's protection format.
    var format: ProtectionFormat {
        switch self {
        case .smime: .smime
        case .openpgp: .openpgp
        }
    }
}
