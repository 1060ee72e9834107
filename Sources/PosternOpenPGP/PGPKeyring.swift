#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An OpenPGP keyring and the operations on it: key selection, PGP/MIME signing and
/// encryption (RFC 3156), and verification and decryption.
///
/// A value type holding only configuration; every operation takes a GPGME context of
/// its own for the keyring (from a small per-process pool, so that GPGME probes the gpg
/// engine once per home directory rather than once per operation) and gives it back
/// before returning, so a keyring can be shared freely between tasks.
///
/// - Important: with a ``homeDirectory`` GPGME uses that keyring alone; with nil it uses
///   gpg's default (`$GNUPGHOME`, else `~/.gnupg`). Keys must have no passphrase or be
///   unlocked in the running gpg-agent: Postern never prompts (a passphrase request is
///   cancelled).
public struct PGPKeyring: Sendable {
    /// The GnuPG home directory, or nil for gpg's default.
    public let homeDirectory: String?
    /// How much validity a recipient key needs.
    public let trustModel: PGPTrustModel
    /// The smallest RSA, ElGamal or DSA encryption key accepted (elliptic curves need 255 bits).
    public let minimumRSABits: Int

    /// A keyring in `homeDirectory` (nil: gpg's default) with the given trust model.
    ///
    /// - Parameter minimumRSABits: the policy's `min-rsa-bits`; a recipient whose only
    ///   encryption subkeys are smaller is refused (`recipient-key-invalid`, reason `weak`).
    public init(homeDirectory: String?, trustModel: PGPTrustModel = .keyring, minimumRSABits: Int = 2048) {
        self.homeDirectory = homeDirectory
        self.trustModel = trustModel
        self.minimumRSABits = minimumRSABits
    }

    /// The version of the GPGME library, initialising it if needed.
    public static func gpgmeVersion() throws -> String {
        try GPGMELibrary.ensureInitialised()
        return GPGMELibrary.libraryVersion
    }

    func makeContext() throws -> GPGMEContext {
        if let homeDirectory {
            // gpg would quietly treat a missing home as an empty keyring ("no key"), which
            // hides a configuration mistake behind a key problem.
            var info = stat()
            guard stat(homeDirectory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw PGPError(
                    code: .ioFailure, message: "the GnuPG home directory \(homeDirectory) does not exist")
            }
            // gpg run by a user who cannot read the home lists no keys and reports no error, and one who cannot
            // write there fails on the trust database, lock files or agent socket: both would look like "no key"
            // (a mail filter would bounce every message for its own set-up). Checked for the effective user, as gpg
            // will run.
            guard faccessat(AT_FDCWD, homeDirectory, R_OK | W_OK | X_OK, AT_EACCESS) == 0 else {
                let reason = String(cString: strerror(errno))
                throw PGPError(
                    code: .ioFailure,
                    message:
                        "the GnuPG home directory \(homeDirectory) cannot be used by uid \(geteuid()): \(reason) "
                        + "(gpg must read and write it: make the user Postern runs as its owner, mode 0700)")
            }
        }
        return try GPGMEContext(homeDirectory: homeDirectory)
    }

    func now() -> Int64 { Int64(time(nil)) }
}
