import ArgumentParser

/// `--policy FILE`, repeatable: the policy layers, combined tighten-only.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp(
            "A policy file; repeatable, layers combine tighten-only (default: $POSTERN_POLICY, else the built-in baseline).",
            valueName: "file"))
    var files: [String] = []
}
