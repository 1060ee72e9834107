import PosternPolicy

/// A configuration file could not be found, read or accepted.
///
/// Every problem found is in ``diagnostics``, each as `FILE:LINE:COL: error: MESSAGE`
/// (the same form as policy lint); the process exit status is 78 (`EX_CONFIG`).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure. A struct so that new codes can be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short kebab-case name.
        public let rawValue: String
        /// Creates a code from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// No candidate path held a file.
        public static let notFound = Code(rawValue: "not-found")
        /// The file exists but cannot be read.
        public static let unreadable = Code(rawValue: "unreadable")
        /// The file is not a valid configuration (syntax, unknown key, wrong value).
        public static let invalid = Code(rawValue: "invalid")
        /// The file's permissions make it unsafe for what it contains.
        public static let insecure = Code(rawValue: "insecure")
    }

    /// The kind of failure (``Code/invalid`` when any diagnostic is a schema error).
    public var code: Code
    /// Every problem, sorted by file, line and column.
    public var diagnostics: [PolicyDiagnostic]

    /// Creates an error; the diagnostics are sorted by position.
    public init(code: Code, diagnostics: [PolicyDiagnostic]) {
        self.code = code
        self.diagnostics = diagnostics.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    /// Always 78 (`EX_CONFIG`): the configuration must change before anything can be sent.
    public var exitStatus: ExitStatus { .config }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
