/// A sendmail command line, parsed: what a caller such as git send-email, mutt or
/// cron asked for.
struct SendmailInvocation: Equatable, Sendable {
    /// `-t`: take the recipients from To:, Cc: and Bcc: (and add any given as arguments).
    var recipientsFromHeaders = false
    /// `-i` / `-oi`: a line with a single dot does not end the message.
    var ignoreDots = false
    /// `-f ADDR` / `-r ADDR`: the envelope sender; `""` for the null sender `<>`.
    var sender: String?
    /// `-F NAME`: the sender's full name, for a From: header the message lacks.
    var fullName: String?
    /// `-C FILE`: an explicit configuration file.
    var configFile: String?
    /// The recipients given as arguments, comma-separated lists split.
    var recipients: [String] = []
    /// `-v` / `--verbose`.
    var verbose = false
    /// `--format text|json` (a Postern extension).
    var format: OutputFormat = .text
    /// `--help`.
    var showHelp = false
    /// `--mta-filter` (a Postern extension): run as an MTA's content filter or pipe(8) transport; exit statuses
    /// and the first output line follow ``MTAFilterStatus``.
    var mtaFilter = false
    /// Flags accepted for compatibility and ignored, kept for the verbose trace.
    var ignoredFlags: [String] = []
}

/// A sendmail command line that cannot be honoured. The message names the option,
/// never an option's value.
struct SendmailUsageError: Error, Equatable, Sendable {
    var message: String
    /// 64 for a bad command line, 65 for an address holding CR, LF or NUL.
    var isDataError = false
}
