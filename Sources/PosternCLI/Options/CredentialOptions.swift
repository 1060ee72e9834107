import ArgumentParser
import Postern

/// `--user` and where its password comes from. There is deliberately no option that
/// takes the password itself: argv is visible to every local user.
struct CredentialOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The AUTH user name.", valueName: "name"))
    var user: String?

    @Option(help: ArgumentHelp("Read the password from this environment variable.", valueName: "var"))
    var passwordEnv: String?

    @Option(
        help: ArgumentHelp(
            "Read the password from this file (mode 600; one trailing newline ignored).", valueName: "file"))
    var passwordFile: String?

    @Option(
        help: ArgumentHelp("Run this command (/bin/sh -c) and read the password from its output.", valueName: "cmd"))
    var passwordCommand: String?

    /// The credential as a plain value, or `nil` when none was given. Holds where the
    /// password is, never the password.
    var credential: Credential? {
        guard let user, let source = passwordSource else { return nil }
        return Credential(user: user, password: source)
    }

    private var passwordSource: PasswordSource? {
        if let passwordEnv { return .environment(passwordEnv) }
        if let passwordFile { return .file(passwordFile) }
        if let passwordCommand { return .command(passwordCommand) }
        return nil
    }

    mutating func validate() throws {
        let sources = [passwordEnv, passwordFile, passwordCommand].compactMap { $0 }
        if sources.count > 1 {
            throw ValidationError("give only one of --password-env, --password-file, --password-command")
        }
        if user == nil, !sources.isEmpty {
            throw ValidationError("a password source needs --user")
        }
        if let user {
            if user.isEmpty || user.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                throw ValidationError("--user must be non-empty and free of CR, LF and NUL")
            }
            if sources.isEmpty {
                throw ValidationError("--user needs one of --password-env, --password-file, --password-command")
            }
        }
        if let passwordEnv, !PasswordSource.isValidEnvironmentName(passwordEnv) {
            throw ValidationError("--password-env needs an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
        }
        if let passwordCommand, passwordCommand.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--password-command must not be empty")
        }
    }
}
