/// A user name and where its password is to be found.
///
/// - Important: This value never holds the password itself, only where to read it
///   from, so that it can be logged, compared and passed around safely. Read the
///   password as late as possible, and never put it into argv, a log or a report.
public struct Credential: Hashable, Sendable {
    /// The AUTH user name.
    public var user: String
    /// Where the password is.
    public var password: PasswordSource

    /// Creates a credential.
    public init(user: String, password: PasswordSource) {
        self.user = user
        self.password = password
    }
}

/// Where a password is to be read from: an environment variable, a file, or the
/// output of a command. Never the password itself.
public struct PasswordSource: Hashable, Sendable, CustomStringConvertible {
    /// The kind of source. A struct so that new kinds can be added.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        /// A short name: `environment`, `file`, `command`.
        public let rawValue: String
        /// Creates a kind from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// An environment variable.
        public static let environment = Kind(rawValue: "environment")
        /// A file holding the password (one trailing newline ignored).
        public static let file = Kind(rawValue: "file")
        /// A command whose output is the password (one trailing newline ignored).
        public static let command = Kind(rawValue: "command")
    }

    /// The kind of source.
    public var kind: Kind
    /// The variable name, file path or command line.
    public var reference: String

    /// The password is in the environment variable `name`.
    public static func environment(_ name: String) -> PasswordSource {
        PasswordSource(kind: .environment, reference: name)
    }

    /// The password is the content of the file at `path`, less one trailing newline;
    /// see ``resolve(environment:commandTimeout:)`` for the checks.
    public static func file(_ path: String) -> PasswordSource {
        PasswordSource(kind: .file, reference: path)
    }

    /// The password is the output of the shell command `command`, less one trailing
    /// newline; see ``resolve(environment:commandTimeout:)`` for the bounds.
    public static func command(_ command: String) -> PasswordSource {
        PasswordSource(kind: .command, reference: command)
    }

    /// Whether `name` is a portable environment variable name (`[A-Za-z_][A-Za-z0-9_]*`).
    public static func isValidEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 255 else { return false }
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_" }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }

    /// A description safe to log: the variable name or file path, but not a
    /// command line, because a careless command line may contain the secret itself
    /// (`echo hunter2`).
    public var description: String {
        switch kind {
        case .environment: "environment variable \(reference)"
        case .file: "file \(reference)"
        case .command: "command (not shown)"
        default: "\(kind.rawValue) (not shown)"
        }
    }
}
