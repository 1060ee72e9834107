/// The command line of `ComplianceTable`, parsed by hand so the example shows the facade
/// and nothing else.
struct ToolArguments: Sendable {
    /// Output format.
    enum Format: String, Sendable {
        case text, json
    }

    var folder: String
    var policyFiles: [String] = []
    var server: String?
    var format: Format = .text

    static let usage = """
        usage: ComplianceTable [--policy FILE]... [--server HOST[:PORT]] [--format text|json] FOLDER

        Evaluates every .eml file in FOLDER against the policy layers (the built-in RFC 8314
        baseline when no --policy is given) and prints one row per message: file, sender,
        recipients, decision, the protection the policy will require, and the reasons with
        their rule and file:line. Nothing is sent and no key is looked up.

        exit status: 0 all allowed, 77 some message refused, 65 some message malformed
        (and none refused), 78 a policy file is invalid, 66 FOLDER missing or without .eml
        files, 64 bad command line.
        """

    /// A usage problem, printed with ``usage``.
    struct UsageError: Error {
        var message: String
    }

    /// `nil` when help was asked for.
    static func parse(_ arguments: [String]) throws(UsageError) -> ToolArguments? {
        var folder: String?
        var policies: [String] = []
        var server: String?
        var format = Format.text
        var index = arguments.startIndex
        func value(for option: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.endIndex else { throw UsageError(message: "\(option) needs a value") }
            return arguments[index]
        }
        while index < arguments.endIndex {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help":
                return nil
            case "--policy":
                policies.append(try value(for: argument))
            case "--server":
                server = try value(for: argument)
            case "--format":
                let text = try value(for: argument)
                guard let parsed = Format(rawValue: text) else {
                    throw UsageError(message: "--format must be text or json, not \(text.prefix(40))")
                }
                format = parsed
            default:
                if argument.hasPrefix("-") && argument != "-" {
                    throw UsageError(message: "unknown option \(argument.prefix(40))")
                }
                guard folder == nil else { throw UsageError(message: "only one FOLDER may be given") }
                folder = argument
            }
            index += 1
        }
        guard let folder else { throw UsageError(message: "FOLDER is missing") }
        return ToolArguments(folder: folder, policyFiles: policies, server: server, format: format)
    }
}
