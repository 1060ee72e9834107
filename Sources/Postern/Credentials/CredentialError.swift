/// Why a password could not be read from its ``PasswordSource``.
///
/// - Important: The message names the source (variable name, file path, the fact that
///   a command failed) and never contains any byte the source produced, so it is safe
///   to print and to put into a report.
public struct CredentialError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong. A struct so that new codes can be added without breaking callers.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short kebab-case name.
        public let rawValue: String
        /// Creates a code from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// The environment variable is not set.
        public static let environmentVariableMissing = Code(rawValue: "environment-variable-missing")
        /// The environment variable is set but empty.
        public static let environmentVariableEmpty = Code(rawValue: "environment-variable-empty")
        /// The password file does not exist or cannot be read.
        public static let fileUnreadable = Code(rawValue: "file-unreadable")
        /// The password file is readable by group or others, or is not a regular file.
        public static let fileInsecure = Code(rawValue: "file-insecure")
        /// The password file is larger than ``PasswordSource/maximumSecretBytes``.
        public static let fileTooLarge = Code(rawValue: "file-too-large")
        /// The command could not be started.
        public static let commandNotStarted = Code(rawValue: "command-not-started")
        /// The command exited with a non-zero status or was killed by a signal.
        public static let commandFailed = Code(rawValue: "command-failed")
        /// The command did not finish within its timeout and was killed.
        public static let commandTimedOut = Code(rawValue: "command-timed-out")
        /// The command wrote more than ``PasswordSource/maximumSecretBytes`` and was killed.
        public static let commandOutputTooLarge = Code(rawValue: "command-output-too-large")
        /// The source yielded an empty password.
        public static let emptyPassword = Code(rawValue: "empty-password")
        /// The source's kind is not one this build can read.
        public static let unsupportedSource = Code(rawValue: "unsupported-source")
    }

    /// What went wrong.
    public var code: Code
    /// A human sentence naming the source, never its content.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// The process exit status this error implies:
    /// - 66 (`EX_NOINPUT`) when the password file is missing or unreadable;
    /// - 69 (`EX_UNAVAILABLE`) when the password command cannot start or fails (a locked
    ///   keyring, a cancelled pinentry): the service it fronts is unavailable;
    /// - 75 (`EX_TEMPFAIL`) when the command timed out: trying again may work;
    /// - 78 (`EX_CONFIG`) for everything else: a missing or empty variable, an unsafe or
    ///   oversized file, oversized or empty output — the configuration must change.
    public var exitStatus: ExitStatus {
        switch code {
        case .fileUnreadable: .noInput
        case .commandNotStarted, .commandFailed: .unavailable
        case .commandTimedOut: .tempFail
        default: .config
        }
    }
}
