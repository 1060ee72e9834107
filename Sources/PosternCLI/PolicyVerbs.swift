import Postern

/// The plain values `explain` works on.
struct ExplainRequest: Sendable {
    var sender: String?
    var recipients: [String]
    var server: String?
    var layers: PolicyLayerSelection
}

/// `explain` and `policy lint`, adapted onto the policy engine.
enum PolicyVerbs {
    static func explain(_ request: ExplainRequest) -> CommandResult {
        .notAvailable(verb: "explain")
    }

    static func lint(files: [String]) -> CommandResult {
        .notAvailable(verb: "policy lint")
    }
}
