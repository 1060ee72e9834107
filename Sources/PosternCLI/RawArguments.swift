/// Questions answered from the raw argument list, for errors that happen before
/// (or instead of) parsing.
enum RawArguments {
    /// Whether the arguments ask for `--format json` (separate or `=` form).
    static func requestsJSON(_ arguments: [String]) -> Bool {
        for (index, argument) in arguments.enumerated() {
            if argument == "--" { return false }
            if argument == "--format=json" { return true }
            if argument == "--format", index + 1 < arguments.count, arguments[index + 1] == "json" { return true }
        }
        return false
    }

    /// Whether the arguments try to pass a password value (`--password X`,
    /// `--password=X`); such a command line is refused without echoing it.
    static func passesPasswordValue(_ arguments: [String]) -> Bool {
        for argument in arguments {
            if argument == "--" { return false }
            if argument == "--password" || argument.hasPrefix("--password=") { return true }
        }
        return false
    }

    /// The verb named by the arguments, for labelling a usage-error report.
    static func verb(_ arguments: [String]) -> String {
        let verbs: Set<String> = ["send", "seal", "check", "explain", "policy", "pin", "sendmail"]
        guard let first = arguments.first(where: { !$0.hasPrefix("-") }), verbs.contains(first) else {
            return "postern"
        }
        if first == "policy", let index = arguments.firstIndex(of: "policy"), index + 1 < arguments.count,
            arguments[index + 1] == "lint"
        {
            return "policy lint"
        }
        return first
    }
}
