import PosternPolicy

/// The settings of a Postern configuration file (`postern-config: 1`), validated.
///
/// Every field is optional: a configuration supplies defaults that command-line
/// flags override (see ``ResolvedSendOptions``). Relative paths in the file
/// (`policies`, `ca-file`, `password.file`, `smime.*`, `gnupg-home`) have already
/// been resolved against the directory of the configuration file.
public struct PosternConfiguration: Sendable, Hashable {
    /// The file this configuration was read from, as named by the caller.
    public var file: String
    /// `server`: the submission server, the name policies match.
    public var server: ServerEndpoint?
    /// `connect`: where to open the TCP connection when it differs from `server`.
    public var connect: ServerEndpoint?
    /// `security`: `implicit-tls` or `starttls`.
    public var security: SecurityMode?
    /// `helo`: the name announced in EHLO.
    public var helo: String?
    /// `timeout`: seconds before a step is given up.
    public var timeout: Double?
    /// `ca-file`: extra trust anchors (PEM).
    public var caFile: String?
    /// `user` and `password`: the AUTH credential (both or neither).
    public var credential: Credential?
    /// `policies`: policy layer files, in order.
    public var policies: [String]
    /// `from`: the default envelope sender.
    public var from: String?
    /// `smime`: the signer's certificate and key and the recipient certificate directory.
    public var smime: SMIMEFiles
    /// `gnupg-home`: the OpenPGP keyring directory.
    public var gnupgHome: String?
    /// `pgp-signer`: the OpenPGP signing key (key id or address).
    public var pgpSigner: String?
    /// `sign`: the format to sign with when not told otherwise.
    public var sign: ProtectionFormat?
    /// `encrypt`: the format to encrypt with when not told otherwise.
    public var encrypt: ProtectionFormat?

    /// An empty configuration attributed to `file`.
    public init(file: String) {
        self.file = file
        self.policies = []
        self.smime = SMIMEFiles()
    }

    /// S/MIME key material locations.
    public struct SMIMEFiles: Sendable, Hashable {
        /// `cert`: the signer's certificate (PEM).
        public var cert: String?
        /// `key`: the signer's private key (PEM).
        public var key: String?
        /// `certs`: directory of recipient certificates (PEM).
        public var certs: String?

        /// Creates the locations.
        public init(cert: String? = nil, key: String? = nil, certs: String? = nil) {
            self.cert = cert
            self.key = key
            self.certs = certs
        }
    }
}
