import Foundation
import Yams

/// Reads, checks and validates policy files. The only I/O in this module is reading a file.
public enum PolicyLoader {
    /// Reads and validates one policy file.
    ///
    /// - Throws: ``PolicyLoadError`` with every problem found, each with file, line and column.
    ///   A missing or unreadable file is reported at line 1, column 1.
    public static func load(contentsOf path: String) throws(PolicyLoadError) -> PolicyDocument {
        try parse(readBytes(path).get(), file: path)
    }

    /// Validates policy bytes. `file` names them in diagnostics and provenance.
    ///
    /// - Important: Input over ``PreScan/maximumBytes`` (1 MiB), deeper than the nesting bounds,
    ///   not UTF-8, or using YAML anchors/aliases is rejected before the YAML parser sees it.
    public static func parse(_ bytes: [UInt8], file: String) throws(PolicyLoadError) -> PolicyDocument {
        let text: String
        switch PreScan.check(bytes, file: file) {
        case .success(let checked): text = checked
        case .failure(let diagnostic): throw PolicyLoadError(diagnostics: [diagnostic])
        }
        let root: Yams.Node
        switch YAMLReading.parse(text, file: file) {
        case .success(let node): root = node
        case .failure(let diagnostic): throw PolicyLoadError(diagnostics: [diagnostic])
        }
        var validator = SchemaValidator(file: file)
        switch validator.validate(root) {
        case .success(let document): return document
        case .failure(let error): throw capped(error, file: file)
        }
    }

    /// Most diagnostics reported for one file; a hostile file could otherwise yield one per line.
    static let maximumDiagnostics = 100

    private static func capped(_ error: PolicyLoadError, file: String) -> PolicyLoadError {
        guard error.diagnostics.count > maximumDiagnostics else { return error }
        var kept = Array(error.diagnostics.prefix(maximumDiagnostics))
        let last = kept[kept.count - 1]
        kept.append(
            PolicyDiagnostic(
                file: file, line: last.line, column: last.column,
                message: "too many errors; \(error.diagnostics.count - maximumDiagnostics) more not shown"))
        return PolicyLoadError(diagnostics: kept)
    }

    /// Validates every file and returns all diagnostics of all of them (empty when all are valid).
    public static func lint(paths: [String]) -> [PolicyDiagnostic] {
        var diagnostics: [PolicyDiagnostic] = []
        for path in paths {
            do {
                _ = try load(contentsOf: path)
            } catch {
                diagnostics += error.diagnostics
            }
        }
        return diagnostics
    }

    /// The built-in RFC 8314 baseline (CONTRACT §3.5), named `<built-in baseline>` in provenance.
    public static var baseline: PolicyDocument { BuiltInBaseline.document }

    private static func readBytes(_ path: String) -> Result<[UInt8], PolicyLoadError> {
        func failure(_ message: String) -> Result<[UInt8], PolicyLoadError> {
            .failure(PolicyLoadError(diagnostics: [PolicyDiagnostic(file: path, line: 1, column: 1, message: message)]))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return failure("cannot open the file") }
        defer { try? handle.close() }
        do {
            // Read one byte past the limit so an oversized file is detected without reading it all.
            let data = try handle.read(upToCount: PreScan.maximumBytes + 1) ?? Data()
            return .success([UInt8](data))
        } catch {
            return failure("cannot read the file: \(error.localizedDescription)")
        }
    }
}
