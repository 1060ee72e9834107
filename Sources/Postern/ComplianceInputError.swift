import PosternMIME

/// Why a message or envelope could not be evaluated at all: the input is malformed, not
/// the policy's verdict.
///
/// A struct with an extensible ``Code`` rather than a public enum, so later versions can
/// add reasons without breaking callers that switch over the known ones.
public struct ComplianceInputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of input problem it is.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short, stable name such as `malformed-message`.
        public let rawValue: String
        /// Creates a code from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// The message does not parse as RFC 5322 / MIME.
        public static let malformedMessage = Code(rawValue: "malformed-message")
        /// No envelope sender was given and none can be taken from `From:` (or `Sender:`).
        public static let noSender = Code(rawValue: "no-sender")
        /// No envelope recipient was given and `To:`, `Cc:` and `Bcc:` name none.
        public static let noRecipients = Code(rawValue: "no-recipients")
        /// An envelope address given by the caller is not a plain `local@domain` address,
        /// or holds a control character (CR, LF, NUL…).
        public static let invalidAddress = Code(rawValue: "invalid-address")
        /// The server is not `HOST[:PORT]`.
        public static let invalidServer = Code(rawValue: "invalid-server")
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong, in words (with the line of the message where the parser knows it).
    ///
    /// Never holds message content beyond the address or header name at fault.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The `sysexits.h` status for this error: ``ExitStatus/usage`` for a bad server name
    /// (a caller's argument), ``ExitStatus/dataErr`` for everything about the message or envelope.
    public var exitStatus: ExitStatus {
        code == .invalidServer ? .usage : .dataErr
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// The error for a MIME parse failure, keeping the parser's line and byte offset.
    init(parsing error: MIMEError) {
        self.init(.malformedMessage, error.description)
    }
}
