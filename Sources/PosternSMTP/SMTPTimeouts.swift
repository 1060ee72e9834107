/// How long to wait for each reply, from RFC 5321 §4.5.3.2, scaled by a factor.
///
/// The state machine names the limit in each ``SMTPClientAction/armTimeout(_:)``; the driver
/// applies ``dataBlock`` itself to each write of message data.
public struct SMTPTimeouts: Sendable, Hashable {
    /// The 220 greeting: 5 minutes.
    public var greeting: Duration
    /// MAIL FROM: 5 minutes.
    public var mail: Duration
    /// Each RCPT TO: 5 minutes.
    public var rcpt: Duration
    /// The 354 to DATA: 2 minutes.
    public var dataInitiation: Duration
    /// Each block of message data written: 3 minutes.
    public var dataBlock: Duration
    /// The reply after `CRLF.CRLF`: 10 minutes.
    public var dataTermination: Duration
    /// EHLO, STARTTLS, AUTH, RSET, QUIT (RFC 5321 gives none; 5 minutes like MAIL).
    public var otherCommand: Duration

    /// The RFC 5321 values multiplied by `scale` (1 = the RFC's values).
    public init(scale: Double = 1) {
        let factor = scale.isFinite && scale > 0 ? scale : 1
        func minutes(_ count: Double) -> Duration { .milliseconds(Int64((count * 60_000 * factor).rounded())) }
        greeting = minutes(5)
        mail = minutes(5)
        rcpt = minutes(5)
        dataInitiation = minutes(2)
        dataBlock = minutes(3)
        dataTermination = minutes(10)
        otherCommand = minutes(5)
    }

    /// The RFC 5321 §4.5.3.2 values.
    public static let rfc5321 = SMTPTimeouts()
}
