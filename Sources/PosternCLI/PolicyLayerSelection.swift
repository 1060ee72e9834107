import Foundation
import Postern
import PosternPolicy

/// Which policy layers a verb evaluates: the `--policy` files, else
/// `$POSTERN_POLICY`, else the built-in baseline (contract §1).
struct PolicyLayerSelection: Equatable, Sendable {
    /// The layer files, or empty for the built-in baseline.
    var files: [String]

    /// Whether the built-in baseline applies (no file given anywhere).
    var usesBaseline: Bool { files.isEmpty }

    /// The names a report lists in `policy.layers`.
    var displayNames: [String] { usesBaseline ? [PolicyLoader.baseline.file] : files }

    static func resolve(files: [String], environment: [String: String]) -> PolicyLayerSelection {
        if !files.isEmpty { return PolicyLayerSelection(files: files) }
        if let configured = environment["POSTERN_POLICY"], !configured.isEmpty {
            return PolicyLayerSelection(files: [configured])
        }
        return PolicyLayerSelection(files: [])
    }
}

/// Loads policy layer files, sorting failures into "cannot read" (66) and "invalid" (78).
enum PolicyLayerLoader {
    /// Every diagnostic of every file, with the exit status they imply: 66 when any
    /// file is missing or unreadable (input that is absent, not a policy that is
    /// wrong), else 78.
    struct Failure: Error {
        var diagnostics: [PolicyDiagnostic]
        var status: ExitStatus
    }

    static func load(_ files: [String]) -> Result<[PolicyDocument], Failure> {
        var documents: [PolicyDocument] = []
        var diagnostics: [PolicyDiagnostic] = []
        var anyUnreadable = false
        for file in files {
            if !isReadableRegularFile(file) {
                anyUnreadable = true
            }
            do {
                documents.append(try PolicyLoader.load(contentsOf: file))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        if anyUnreadable, diagnostics.isEmpty {
            // Never let an unreadable layer pass silently, whatever the loader made of it.
            diagnostics = files.filter { !isReadableRegularFile($0) }.map {
                PolicyDiagnostic(file: $0, line: 1, column: 1, message: "cannot read the file")
            }
        }
        guard diagnostics.isEmpty else {
            return .failure(Failure(diagnostics: diagnostics, status: anyUnreadable ? .noInput : .config))
        }
        return .success(documents)
    }

    /// Whether `path` names a readable file that is not a directory.
    static func isReadableRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return false
        }
        return FileManager.default.isReadableFile(atPath: path)
    }
}
