import Postern
import PosternPolicy

/// The plain values `explain` works on.
struct ExplainRequest: Sendable {
    var sender: String?
    var recipients: [String]
    var server: String?
    var layers: PolicyLayerSelection
}

/// `explain` and `policy lint`, adapted onto the policy engine.
enum PolicyVerbs {
    /// Loads and compiles the layers and explains the send: 0 when the policy allows it
    /// so far, 77 when it denies it without any network, 78/66 for broken/missing layers.
    static func explain(_ request: ExplainRequest) -> CommandResult {
        let verb = "explain"
        let documents: [PolicyDocument]
        switch PolicyLayerLoader.load(request.layers.files) {
        case .success(let loaded):
            documents = loaded
        case .failure(let failure):
            return layerFailure(verb: verb, failure: failure, layers: request.layers.displayNames)
        }
        let policy = CompiledPolicy(layers: documents)
        let explanation = policy.explain(
            for: SendContext(sender: request.sender, recipients: request.recipients, server: request.server))
        let status: ExitStatus = explanation.violations.isEmpty ? .ok : .noPerm
        let report = Report(
            verb: verb, exitCode: status,
            violations: explanation.violations.map(Report.Violation.init),
            policy: Report.Policy(layers: explanation.layers, effective: explanation.effective)
        )
        return CommandResult(
            report: report,
            text: explanation.renderText(),
            diagnostics: ReportTextRenderer.violationLines(of: report)
        )
    }

    /// Validates every file: each error located on stderr; 0, 78, or 66 when a file
    /// is missing or unreadable.
    static func lint(files: [String]) -> CommandResult {
        let verb = "policy lint"
        let diagnostics = PolicyLoader.lint(paths: files)
        let unreadable = files.filter { !PolicyLayerLoader.isReadableRegularFile($0) }
        var lines = diagnostics.map(\.description)
        // Never report "ok" for a file that could not be read, whatever the loader said.
        for file in unreadable where !diagnostics.contains(where: { $0.file == file }) {
            lines.append(PolicyDiagnostic(file: file, line: 1, column: 1, message: "cannot read the file").description)
        }
        let status: ExitStatus = !unreadable.isEmpty ? .noInput : (lines.isEmpty ? .ok : .config)
        let summary: String
        if lines.isEmpty {
            summary = "postern \(verb): ok (\(files.count) file\(files.count == 1 ? "" : "s"))"
        } else {
            let failing = Set(diagnostics.map(\.file)).union(unreadable).count
            summary =
                "postern \(verb): \(lines.count) error\(lines.count == 1 ? "" : "s") in \(failing) of \(files.count) file\(files.count == 1 ? "" : "s")"
        }
        let report = Report(
            verb: verb, exitCode: status,
            error: lines.isEmpty ? nil : lines.joined(separator: "\n")
        )
        return CommandResult(report: report, diagnostics: lines + [summary])
    }

    private static func layerFailure(verb: String, failure: PolicyLayerLoader.Failure, layers: [String])
        -> CommandResult
    {
        let lines = failure.diagnostics.map(\.description)
        let report = Report(
            verb: verb, exitCode: failure.status,
            policy: Report.Policy(layers: layers, effective: nil),
            error: lines.joined(separator: "\n")
        )
        return CommandResult(report: report, diagnostics: lines + ["postern \(verb): the policy cannot be used"])
    }
}
