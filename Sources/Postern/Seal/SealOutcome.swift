/// What ``seal(_:logger:)`` produced: the report and, on success, the protected copies.
public struct SealOutcome: Sendable {
    /// The report (CONTRACT §5) with `protection` filled in on success; its exit code is the outcome.
    public var report: Report
    /// The copy for the visible recipients (`To:`/`Cc:`), or `nil` when nothing was produced.
    public var main: SealedCopy?
    /// One copy per Bcc recipient, each to be submitted as its own transaction
    /// (CONTRACT §3.4). When the message is encrypted each copy is encrypted to that
    /// recipient and the sender alone; otherwise every copy has the main copy's content.
    public var bccCopies: [SealedCopy]
    /// One paragraph for people: what was decided and why, or why not.
    public var summary: String

    /// The exit status, ``Report/exitCode``.
    public var exitStatus: ExitStatus { report.exitCode }

    /// Creates an outcome.
    public init(report: Report, main: SealedCopy? = nil, bccCopies: [SealedCopy] = [], summary: String) {
        self.report = report
        self.main = main
        self.bccCopies = bccCopies
        self.summary = summary
    }
}

/// One protected message and the envelope recipients it is for.
public struct SealedCopy: Sendable, Hashable {
    /// The RCPT TO addresses for this copy.
    public var envelopeRecipients: [String]
    /// The addresses it was encrypted to (recipients and, when a key was found, the
    /// sender); empty when not encrypted.
    public var encryptedTo: [String]
    /// The protected message.
    public var content: SealedContent

    /// Creates a copy.
    public init(envelopeRecipients: [String], encryptedTo: [String], content: SealedContent) {
        self.envelopeRecipients = envelopeRecipients
        self.encryptedTo = encryptedTo
        self.content = content
    }
}

/// Where a protected message is: in memory, or in a file that ``seal(_:logger:)`` wrote.
public enum SealedContent: Sendable, Hashable {
    /// The message octets (CRLF line endings).
    case bytes([UInt8])
    /// The path of the written message file.
    case file(String)
}
