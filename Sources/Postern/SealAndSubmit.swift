import Logging
import PosternPolicy
import PosternSMTP
import PosternTransport

/// One message for ``sealAndSubmit(_:submitter:logger:)``: the message as the user gave it
/// (its `Bcc:` header intact, so sealing knows who is blind) and the unprotected submission
/// prepared from it (envelope, `Bcc:` removed), sent as is when nothing needs sealing.
public struct SealableMessage: Sendable {
    /// The RFC 5322 message as given (any line endings, `Bcc:` still present).
    public var original: [UInt8]
    /// The unprotected submission: its envelope is also the envelope of the sealed copies.
    public var unprotected: SubmissionMessage

    /// Creates a message.
    public init(original: [UInt8], unprotected: SubmissionMessage) {
        self.original = original
        self.unprotected = unprotected
    }
}

/// `send` with protection: the connection, the policy, the messages, what the user asked
/// for and where the keys are.
public struct SealAndSubmitRequest: Sendable {
    /// Server, connection settings and credentials.
    public var connection: ConnectionSettings
    /// Credentials for AUTH, or nil.
    public var credentials: SMTPCredentials?
    /// The compiled policy layers (used for sealing and for the transport alike).
    public var policy: CompiledPolicy
    /// The messages, in order (one connection for all).
    public var messages: [SealableMessage]
    /// `--sign`.
    public var sign: ProtectionFormat?
    /// `--encrypt`.
    public var encrypt: ProtectionFormat?
    /// Where the keys and certificates are.
    public var keys: SealKeyMaterial

    /// Creates a request.
    public init(
        connection: ConnectionSettings, credentials: SMTPCredentials? = nil, policy: CompiledPolicy,
        messages: [SealableMessage], sign: ProtectionFormat? = nil, encrypt: ProtectionFormat? = nil,
        keys: SealKeyMaterial = SealKeyMaterial()
    ) {
        self.connection = connection
        self.credentials = credentials
        self.policy = policy
        self.messages = messages
        self.sign = sign
        self.encrypt = encrypt
        self.keys = keys
    }
}

/// Seals every message that the user asked to protect or the policy requires to be
/// protected (``seal(_:logger:)`` with the same policy, envelope and keys), then submits
/// all of them over one connection (``MailSubmitter/send(_:logger:)``): the main copy to
/// the To/Cc recipients and each Bcc recipient's own copy in its own transaction.
///
/// - Important: Fail closed: when sealing any message is denied (77) or fails, no
///   connection is opened and the seal report is returned, so nothing leaves in clear.
/// - Returns: The send report, its `protection` section taken from the (first) seal.
public func sealAndSubmit(
    _ request: SealAndSubmitRequest, submitter: MailSubmitter = MailSubmitter(), logger: Logger
) async -> Report {
    var messages: [SubmissionMessage] = []
    var protection: Report.Protection?
    for item in request.messages {
        let message = item.unprotected
        guard SealDecision.needsSealing(message, request: request) else {
            messages.append(message)
            continue
        }
        let sealRequest = SealRequest(
            input: .bytes(item.original), sender: message.sender,
            recipients: message.recipients + message.bccRecipients, server: request.connection.server.host,
            policy: request.policy, sign: request.sign, encrypt: request.encrypt, keys: request.keys)
        let outcome = await seal(sealRequest, logger: logger)
        guard outcome.exitStatus == .ok else {
            var report = outcome.report
            report.verb = "send"
            return report
        }
        switch SealDecision.submission(from: outcome, unprotected: message) {
        case .ready(let sealed):
            messages.append(sealed)
            if protection == nil { protection = outcome.report.protection }
        case .failed(let report):
            return report
        }
    }
    let submission = SubmissionRequest(
        connection: request.connection, credentials: request.credentials, policy: request.policy, messages: messages)
    var report = await submitter.send(submission, logger: logger)
    if let protection { report.protection = protection }
    return report
}

/// A sealed outcome turned into a submission, or the report of why it cannot be sent.
enum SealedSubmission {
    case ready(SubmissionMessage)
    case failed(Report)
}

/// The pure parts of ``sealAndSubmit(_:submitter:logger:)``.
enum SealDecision {
    /// Whether the message must go through ``seal(_:logger:)``: protection was asked for,
    /// or the policy resolved for its whole envelope requires signing or encryption.
    static func needsSealing(_ message: SubmissionMessage, request: SealAndSubmitRequest) -> Bool {
        if request.sign != nil || request.encrypt != nil { return true }
        let context = SendContext(
            sender: message.sender, recipients: message.recipients + message.bccRecipients,
            server: request.connection.server.host)
        let resolved = request.policy.resolve(context)
        return resolved.signLevel == .required || resolved.encryptLevel == .required
    }

    /// The submission of a sealed outcome: main copy to its recipients, each Bcc copy
    /// to its own; the protection facts say what was applied.
    static func submission(from outcome: SealOutcome, unprotected: SubmissionMessage) -> SealedSubmission {
        func bytes(_ copy: SealedCopy) -> [UInt8]? {
            if case .bytes(let content) = copy.content { return content }
            return nil
        }
        let applied = outcome.report.protection
        let signed = applied?.signed.flatMap(ProtectionFormat.init(rawValue:))
        let encrypted = applied?.encrypted.flatMap(ProtectionFormat.init(rawValue:))
        let facts = ProtectionFacts(
            signed: signed, encrypted: encrypted, signingKeyAvailable: signed == nil ? nil : true)
        var bccRecipients: [String] = []
        var bccContent: [String: MessageSource] = [:]
        for copy in outcome.bccCopies {
            guard let content = bytes(copy) else { return .failed(internalFailure("a Bcc copy is not in memory")) }
            for recipient in copy.envelopeRecipients {
                bccRecipients.append(recipient)
                bccContent[recipient] = .bytes(content)
            }
        }
        let mainRecipients = outcome.main?.envelopeRecipients ?? []
        let mainBytes = outcome.main.flatMap(bytes)
        if !mainRecipients.isEmpty && mainBytes == nil {
            return .failed(internalFailure("the sealed copy is not in memory"))
        }
        if bccRecipients.contains(where: { bccContent[$0] == nil }) || (mainBytes == nil && bccContent.isEmpty) {
            return .failed(internalFailure("sealing produced no copy to send"))
        }
        // Without a main copy (every recipient is Bcc) no transaction uses `content`.
        let content = mainBytes ?? []
        return .ready(
            SubmissionMessage(
                content: .bytes(content), sender: unprotected.sender, recipients: mainRecipients,
                bccRecipients: bccRecipients, bccContent: bccContent, protection: facts,
                headersRequireSMTPUTF8: unprotected.headersRequireSMTPUTF8))
    }

    private static func internalFailure(_ message: String) -> Report {
        .failure(verb: "send", exitCode: .unavailable, message: "postern send: \(message); nothing was sent")
    }
}
