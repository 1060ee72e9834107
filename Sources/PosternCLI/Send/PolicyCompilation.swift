import Postern
import PosternPolicy

/// Loads and compiles the policy layers for a network verb; a broken or missing layer becomes the verb's result.
enum PolicyCompilation {
    static func compile(_ layers: PolicyLayerSelection, verb: String) -> Result<CompiledPolicy, FailedResult> {
        switch PolicyLayerLoader.load(layers.files) {
        case .success(let documents):
            return .success(CompiledPolicy(layers: documents))
        case .failure(let failure):
            let lines = failure.diagnostics.map(\.description)
            let report = Report(
                verb: verb, exitCode: failure.status,
                policy: Report.Policy(layers: layers.displayNames, effective: nil),
                error: lines.joined(separator: "\n"))
            return .failure(
                FailedResult(
                    CommandResult(report: report, diagnostics: lines + ["postern \(verb): the policy cannot be used"])))
        }
    }
}

/// A ``CommandResult`` carried as an error, for `Result`.
struct FailedResult: Error, Sendable {
    var result: CommandResult
    init(_ result: CommandResult) { self.result = result }
}
