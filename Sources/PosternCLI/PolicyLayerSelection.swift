/// Which policy layers a verb evaluates: the `--policy` files, else
/// `$POSTERN_POLICY`, else the built-in baseline (contract §1).
struct PolicyLayerSelection: Equatable, Sendable {
    /// The layer files, or empty for the built-in baseline.
    var files: [String]

    /// Whether the built-in baseline applies (no file given anywhere).
    var usesBaseline: Bool { files.isEmpty }

    /// The names a report lists in `policy.layers`.
    var displayNames: [String] { usesBaseline ? ["<baseline>"] : files }

    static func resolve(files: [String], environment: [String: String]) -> PolicyLayerSelection {
        if !files.isEmpty { return PolicyLayerSelection(files: files) }
        if let configured = environment["POSTERN_POLICY"], !configured.isEmpty {
            return PolicyLayerSelection(files: [configured])
        }
        return PolicyLayerSelection(files: [])
    }
}
