import PosternPolicy

/// Everything ``seal(_:logger:)`` needs to protect one message: the message, the
/// envelope, the policy, what the user asked for and where the keys are.
///
/// `seal` decides and protects; it never touches the network.
public struct SealRequest: Sendable {
    /// Where the RFC 5322 message comes from.
    public enum Input: Sendable, Hashable {
        /// The message octets (any line endings).
        case bytes([UInt8])
        /// A file holding the message; missing or unreadable is exit 66.
        case file(String)
    }

    /// The message to protect.
    public var input: Input
    /// Where to write the protected message, or `nil` to return it in memory
    /// (``SealedContent/bytes(_:)``).
    ///
    /// The file is written through a temporary file in the same directory and
    /// renamed only when everything succeeded, so a denied or failed seal leaves
    /// no file (and an existing file untouched). Bcc copies, when there are any,
    /// go to `OUTPUT.bcc-1`, `OUTPUT.bcc-2`, … in the order of ``SealOutcome/bccCopies``.
    public var outputFile: String?
    /// The envelope sender; `nil` means the address in `From:`.
    public var sender: String?
    /// The envelope recipients; empty means every address in `To:`, `Cc:` and `Bcc:`.
    public var recipients: [String]
    /// The submission server as policies match it (`HOST[:PORT]`), or `nil`.
    public var server: String?
    /// The compiled policy layers (``CompiledPolicy/init(layers:)`` with no layers
    /// is the built-in baseline).
    public var policy: CompiledPolicy
    /// Signing asked for by the user; the policy may require it anyway or forbid it.
    public var sign: ProtectionFormat?
    /// Encryption asked for by the user; the policy may require it anyway or forbid it.
    public var encrypt: ProtectionFormat?
    /// Where the keys and certificates are.
    public var keys: SealKeyMaterial
    /// RSA key transport for S/MIME recipients: PKCS#1 v1.5 (`false`, the
    /// interoperable default) or RSAES-OAEP with SHA-256 (`true`). The policy
    /// schema has no key for it yet, so it is a caller's choice only.
    public var smimeRSAOAEP: Bool

    /// Creates a request; everything but the input has a default (baseline policy,
    /// envelope from the headers, no protection asked for, no keys).
    public init(
        input: Input, outputFile: String? = nil, sender: String? = nil, recipients: [String] = [],
        server: String? = nil, policy: CompiledPolicy = CompiledPolicy(layers: []), sign: ProtectionFormat? = nil,
        encrypt: ProtectionFormat? = nil, keys: SealKeyMaterial = SealKeyMaterial(), smimeRSAOAEP: Bool = false
    ) {
        self.input = input
        self.outputFile = outputFile
        self.sender = sender
        self.recipients = recipients
        self.server = server
        self.policy = policy
        self.sign = sign
        self.encrypt = encrypt
        self.keys = keys
        self.smimeRSAOAEP = smimeRSAOAEP
    }
}

/// Where the signer's key and the recipients' keys are (CONTRACT §1 "Key material").
///
/// - Important: Private keys are read from files or the GnuPG agent only; they never
///   pass through argv, logs or reports.
public struct SealKeyMaterial: Sendable, Hashable {
    /// The S/MIME signer's certificate (PEM, `--smime-cert`); also the sender's
    /// own certificate for encrypt-to-self.
    public var smimeCertificateFile: String?
    /// The S/MIME signer's private key (PEM, `--smime-key`), unencrypted.
    public var smimeKeyFile: String?
    /// A directory of recipient certificates (PEM, `--smime-certs`), matched by the
    /// rfc822Name in subjectAltName.
    public var smimeCertificateDirectory: String?
    /// Extra trust anchors (PEM, `--ca-file`), added to the system store.
    public var caFile: String?
    /// The OpenPGP home (`--gnupg-home`); `nil` is gpg's default (`$GNUPGHOME`).
    public var gnupgHome: String?
    /// The OpenPGP signing key (`--pgp-signer`, key ID, fingerprint or address);
    /// `nil` means the envelope sender's address.
    public var pgpSigner: String?

    /// Creates key material; every location defaults to absent.
    public init(
        smimeCertificateFile: String? = nil, smimeKeyFile: String? = nil, smimeCertificateDirectory: String? = nil,
        caFile: String? = nil, gnupgHome: String? = nil, pgpSigner: String? = nil
    ) {
        self.smimeCertificateFile = smimeCertificateFile
        self.smimeKeyFile = smimeKeyFile
        self.smimeCertificateDirectory = smimeCertificateDirectory
        self.caFile = caFile
        self.gnupgHome = gnupgHome
        self.pgpSigner = pgpSigner
    }
}
