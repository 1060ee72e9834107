import PosternPolicy

/// Settings given on the command line (or by an embedding tool) for one run; `nil`
/// or empty means "not given", so the configuration's value applies.
public struct SendOptionOverrides: Sendable, Hashable {
    /// `--server`.
    public var server: ServerEndpoint?
    /// `--connect`.
    public var connect: ServerEndpoint?
    /// `--security`.
    public var security: SecurityMode?
    /// `--helo`.
    public var helo: String?
    /// `--timeout`.
    public var timeout: Double?
    /// `--ca-file`.
    public var caFile: String?
    /// `--user` with its `--password-*` source.
    public var credential: Credential?
    /// `--policy`, repeatable.
    public var policies: [String]
    /// `--from` (sendmail: `-f`).
    public var from: String?
    /// `--smime-cert`.
    public var smimeCert: String?
    /// `--smime-key`.
    public var smimeKey: String?
    /// `--smime-certs`.
    public var smimeCerts: String?
    /// `--gnupg-home`.
    public var gnupgHome: String?
    /// `--pgp-signer`.
    public var pgpSigner: String?
    /// `--sign`.
    public var sign: ProtectionFormat?
    /// `--encrypt`.
    public var encrypt: ProtectionFormat?

    /// Nothing overridden.
    public init() { policies = [] }
}

/// The settings a run uses: each from the command line when given there, else from the
/// configuration file, else unset (the policy and built-in defaults then decide).
///
/// The merge is per setting, with three deliberate groupings so that halves of
/// different settings are never mixed:
/// - the credential (user and password source) is taken whole, from the flags when they
///   name one, else from the configuration — a flag's user never gets the configuration's password;
/// - the S/MIME signer (certificate and key) is taken whole in the same way; the
///   recipient directory `smime-certs` is separate;
/// - `policies` from the flags replace the configuration's list rather than adding to
///   it, like every other setting (the user can always name other layers).
public struct ResolvedSendOptions: Sendable, Hashable {
    /// The configuration file that supplied defaults, if any.
    public var configurationFile: String?
    /// The submission server.
    public var server: ServerEndpoint?
    /// Where to connect when it differs from ``server``.
    public var connect: ServerEndpoint?
    /// The requested security mode.
    public var security: SecurityMode?
    /// The EHLO name.
    public var helo: String?
    /// The step timeout in seconds.
    public var timeout: Double?
    /// Extra trust anchors.
    public var caFile: String?
    /// The AUTH credential.
    public var credential: Credential?
    /// The policy layer files (empty: `$POSTERN_POLICY`, else the built-in baseline).
    public var policies: [String]
    /// The envelope sender (nil: the address in `From:`).
    public var from: String?
    /// The S/MIME signer certificate.
    public var smimeCert: String?
    /// The S/MIME signer key.
    public var smimeKey: String?
    /// The S/MIME recipient certificate directory.
    public var smimeCerts: String?
    /// The OpenPGP keyring directory.
    public var gnupgHome: String?
    /// The OpenPGP signing key.
    public var pgpSigner: String?
    /// Sign with this format.
    public var sign: ProtectionFormat?
    /// Encrypt with this format.
    public var encrypt: ProtectionFormat?

    /// Merges `overrides` over `configuration` (either may be empty). Pure.
    public init(configuration: PosternConfiguration?, overrides: SendOptionOverrides) {
        configurationFile = configuration?.file
        server = overrides.server ?? configuration?.server
        connect = overrides.connect ?? configuration?.connect
        security = overrides.security ?? configuration?.security
        helo = overrides.helo ?? configuration?.helo
        timeout = overrides.timeout ?? configuration?.timeout
        caFile = overrides.caFile ?? configuration?.caFile
        credential = overrides.credential ?? configuration?.credential
        policies = overrides.policies.isEmpty ? (configuration?.policies ?? []) : overrides.policies
        from = overrides.from ?? configuration?.from
        if overrides.smimeCert != nil || overrides.smimeKey != nil {
            smimeCert = overrides.smimeCert
            smimeKey = overrides.smimeKey
        } else {
            smimeCert = configuration?.smime.cert
            smimeKey = configuration?.smime.key
        }
        smimeCerts = overrides.smimeCerts ?? configuration?.smime.certs
        gnupgHome = overrides.gnupgHome ?? configuration?.gnupgHome
        pgpSigner = overrides.pgpSigner ?? configuration?.pgpSigner
        sign = overrides.sign ?? configuration?.sign
        encrypt = overrides.encrypt ?? configuration?.encrypt
    }
}
