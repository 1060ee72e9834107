import ArgumentParser

/// Where the signing key and recipient keys are.
struct KeyMaterialOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The S/MIME signer's certificate (PEM).", valueName: "pem"))
    var smimeCert: String?

    @Option(help: ArgumentHelp("The S/MIME signer's private key (PEM).", valueName: "pem"))
    var smimeKey: String?

    @Option(
        help: ArgumentHelp(
            "Directory of recipient certificates (PEM), matched by subjectAltName rfc822Name.", valueName: "dir"))
    var smimeCerts: String?

    @Option(help: ArgumentHelp("OpenPGP keyring directory (default: $GNUPGHOME).", valueName: "dir"))
    var gnupgHome: String?

    @Option(help: ArgumentHelp("The OpenPGP signing key.", valueName: "keyid|email"))
    var pgpSigner: String?

    mutating func validate() throws {
        if (smimeCert == nil) != (smimeKey == nil) {
            throw ValidationError("--smime-cert and --smime-key go together")
        }
    }
}

/// Protection the user asks for; the policy may require more or forbid it.
struct ProtectionOptions: ParsableArguments {
    @Option(help: "Sign the message: smime or openpgp.")
    var sign: ProtectionFormatArgument?

    @Option(help: "Encrypt the message: smime or openpgp.")
    var encrypt: ProtectionFormatArgument?
}

/// The message protection formats.
enum ProtectionFormatArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case smime
    case openpgp
}
