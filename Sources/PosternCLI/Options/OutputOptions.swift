import ArgumentParser

/// How a verb prints its result: human text, or exactly one JSON report on stdout.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// `--format` and `-v/--verbose`, accepted by every verb.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: text, or one JSON report on stdout (human text goes to stderr).")
    var format: OutputFormat = .text

    @Flag(name: .shortAndLong, help: "Trace on stderr (credentials are always redacted).")
    var verbose = false
}
