/// Where something was written in a policy file.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it (or `<built-in baseline>`).
    public let file: String
    /// 1-based line.
    public let line: Int
    /// 1-based column, counted in Unicode scalars as libyaml does.
    public let column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE`, the form violations and explanations cite.
    public var description: String { "\(file):\(line)" }
}

/// One problem found in a policy file, with its position.
///
/// Its `description` is the lint line format fixed by the contract:
/// `FILE:LINE:COL: error: MESSAGE`.
public struct PolicyDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as the user named it.
    public let file: String
    /// 1-based line of the offending node or byte.
    public let line: Int
    /// 1-based column of the offending node or byte.
    public let column: Int
    /// What is wrong, in words.
    public let message: String

    /// Creates a diagnostic.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// Creates a diagnostic at a location.
    public init(at location: SourceLocation, _ message: String) {
        self.init(file: location.file, line: location.line, column: location.column, message: message)
    }

    /// `FILE:LINE:COL: error: MESSAGE`.
    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// A policy file could not be loaded; `diagnostics` holds every problem found, in file order.
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    /// Every problem found in the file, sorted by position.
    public let diagnostics: [PolicyDiagnostic]

    /// Creates the error; the diagnostics are sorted by line and column.
    public init(diagnostics: [PolicyDiagnostic]) {
        self.diagnostics = diagnostics.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
