/// Parses sendmail-compatible arguments by hand, getopt style: options may be
/// bundled (`-ti`), an option's value may be attached (`-fme@x`) or separate
/// (`-f me@x`), options and recipients may be interleaved, and `--` ends options.
///
/// ArgumentParser cannot express sendmail's `-oi`, `-oem` and `-bm` (one dash,
/// several letters, value attached), so this verb does without it.
enum SendmailArgumentParser {
    /// Options taking a value, and what to do with it.
    private static let valued: Set<Character> = ["f", "r", "F", "o", "b", "B", "N", "R", "V", "L", "h", "C", "A", "e"]
    /// Options without a value that are accepted and ignored (me-too, no aliasing,
    /// initial submission, relay-only gateway submission).
    private static let ignoredSwitches: Set<Character> = ["m", "n", "U", "G"]

    /// Whether `--mta-filter` is among the options (before any `--`), for a command line that does not parse:
    /// the MTA must still get a status it can act on.
    static func requestsMTAFilter(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--mta-filter")
    }

    static func parse(_ arguments: [String]) throws(SendmailUsageError) -> SendmailInvocation {
        var result = SendmailInvocation()
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                if argument == "-" && !optionsEnded {
                    throw SendmailUsageError(message: "'-' is not a recipient")
                }
                // An MTA hands over one address per argument (pipe(8) expands ${recipient} into several), and a
                // quoted local part may hold a comma: under --mta-filter nothing after `--` is split.
                try addRecipients(argument, to: &result, splitLists: !(optionsEnded && result.mtaFilter))
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument.hasPrefix("--") {
                try parseLongOption(argument, arguments: arguments, index: &index, into: &result)
                continue
            }
            var letters = Substring(argument.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                if valued.contains(letter) {
                    let value: String
                    if !letters.isEmpty {
                        value = String(letters)
                    } else if index < arguments.count {
                        value = arguments[index]
                        index += 1
                    } else {
                        throw SendmailUsageError(message: "option -\(letter) needs a value")
                    }
                    try apply(letter, value: value, to: &result)
                    break
                }
                switch letter {
                case "t": result.recipientsFromHeaders = true
                case "i": result.ignoreDots = true
                case "v": result.verbose = true
                case let other where ignoredSwitches.contains(other): result.ignoredFlags.append("-\(other)")
                default: throw SendmailUsageError(message: "unknown option -\(letter)")
                }
            }
        }
        if result.mtaFilter && result.format == .json {
            throw SendmailUsageError(
                message: "--mta-filter writes a status line for the MTA, not JSON; drop --format json")
        }
        if !result.showHelp && result.recipients.isEmpty && !result.recipientsFromHeaders {
            throw SendmailUsageError(message: "no recipients given (use -t to take them from the headers)")
        }
        return result
    }

    private static func parseLongOption(
        _ argument: String, arguments: [String], index: inout Int, into result: inout SendmailInvocation
    ) throws(SendmailUsageError) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        switch name {
        case "--help":
            result.showHelp = true
        case "--verbose":
            result.verbose = true
        case "--mta-filter":
            guard parts.count == 1 else { throw SendmailUsageError(message: "--mta-filter takes no value") }
            result.mtaFilter = true
        case "--format":
            let value: String
            if parts.count == 2 {
                value = String(parts[1])
            } else if index < arguments.count {
                value = arguments[index]
                index += 1
            } else {
                throw SendmailUsageError(message: "--format needs text or json")
            }
            guard let format = OutputFormat(rawValue: value) else {
                throw SendmailUsageError(message: "--format needs text or json")
            }
            result.format = format
        default:
            // Only the name: the value after '=' could be a secret (--password=…).
            throw SendmailUsageError(message: "unknown option \(name)")
        }
    }

    private static func apply(_ letter: Character, value: String, to result: inout SendmailInvocation)
        throws(SendmailUsageError)
    {
        switch letter {
        case "f", "r":
            result.sender = try normalizedAddress(value, option: "-\(letter)")
        case "F":
            try rejectControlCharacters(value, what: "the -F name")
            result.fullName = value
        case "C":
            result.configFile = value
        case "o":
            // -oi is the only -o option that changes what we do; the others configure
            // sendmail's own queueing, delivery and error reporting.
            if value == "i" {
                result.ignoreDots = true
            } else {
                result.ignoredFlags.append("-o\(value)")
            }
        case "b":
            guard value == "m" else {
                throw SendmailUsageError(message: "mode -b\(value.prefix(1)) is not supported (only -bm, deliver mail)")
            }
        default:
            result.ignoredFlags.append("-\(letter) \(value)")
        }
    }

    /// Sendmail treats each argument as an address list: split on commas.
    private static func addRecipients(_ argument: String, to result: inout SendmailInvocation, splitLists: Bool)
        throws(SendmailUsageError)
    {
        let pieces = splitLists ? argument.split(separator: ",") : [Substring(argument)]
        for piece in pieces {
            let address = try normalizedAddress(String(piece), option: "recipient")
            guard !address.isEmpty else {
                throw SendmailUsageError(message: "a recipient must not be empty")
            }
            result.recipients.append(address)
        }
    }

    /// Trims spaces and one pair of angle brackets; `<>` becomes the null sender "".
    private static func normalizedAddress(_ text: String, option: String) throws(SendmailUsageError) -> String {
        try rejectControlCharacters(text, what: "the \(option) address")
        var address = Substring(text).drop(while: { $0 == " " || $0 == "\t" })
        while let last = address.last, last == " " || last == "\t" {
            address = address.dropLast()
        }
        if address.hasPrefix("<") && address.hasSuffix(">") && address.count >= 2 {
            address = address.dropFirst().dropLast()
        }
        return String(address)
    }

    private static func rejectControlCharacters(_ text: String, what: String) throws(SendmailUsageError) {
        if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw SendmailUsageError(message: "\(what) holds CR, LF or NUL", isDataError: true)
        }
    }
}
