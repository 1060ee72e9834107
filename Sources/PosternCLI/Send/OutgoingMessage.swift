import Postern
import PosternMIME

/// A message made ready for submission: its canonical wire octets (CRLF, no `Bcc:` header, no line over 998
/// octets) and its envelope.
///
/// Pure: takes the bytes read and the command-line envelope, returns a value or a data error.
struct OutgoingMessage: Sendable, Equatable {
    /// The octets to send: canonical CRLF form, `Bcc:` removed, over-long body lines quoted-printable.
    var wireBytes: [UInt8]
    /// The envelope sender.
    var sender: String
    /// Recipients that share one transaction (To and Cc, or `--to`).
    var recipients: [String]
    /// Recipients that each get a transaction of their own (Bcc; CONTRACT §3.4).
    var bccRecipients: [String]
    /// Headers hold UTF-8: the server must offer SMTPUTF8.
    var requiresSMTPUTF8: Bool

    /// What the command line says about the envelope.
    struct EnvelopeOverrides: Sendable, Equatable {
        /// `--from` / `-f`: replaces the `From:` address as envelope sender.
        var sender: String?
        /// `--to` / sendmail arguments: when non-empty, the recipients (instead of the headers).
        var recipients: [String] = []
        /// sendmail `-t`: add the header recipients to ``recipients``.
        var addHeaderRecipients = false
    }

    /// A message that cannot be sent as given: always a data error (65).
    struct Failure: Error, Sendable, Equatable {
        var message: String
    }

    /// Parses `bytes`, derives the envelope (``DerivedEnvelope``, shared with `seal` and the
    /// facade's evaluator), strips `Bcc:` and canonicalises.
    ///
    /// A recipient named in `Bcc:` and not in `To:`/`Cc:` gets a transaction of its own, whichever
    /// way it was named, so no transaction carries a blind recipient together with others.
    static func prepare(_ bytes: [UInt8], overrides: EnvelopeOverrides) throws(Failure) -> OutgoingMessage {
        let message: Message
        do {
            message = try Message(parsing: bytes)
        } catch {
            throw Failure(message: "not an RFC 5322 message: \(error)")
        }
        let envelope: DerivedEnvelope
        do {
            envelope = try DerivedEnvelope.derive(
                from: message, sender: overrides.sender,
                recipients: overrides.recipients.isEmpty ? nil : overrides.recipients,
                addingHeaderRecipients: overrides.addHeaderRecipients)
        } catch {
            throw Failure(message: error.message)
        }
        let wire: [UInt8]
        do {
            wire = try message.removingHeader("Bcc").serialized()
        } catch {
            throw Failure(message: "the message cannot be written in canonical form: \(error)")
        }
        return OutgoingMessage(
            wireBytes: wire, sender: envelope.sender, recipients: envelope.visibleRecipients,
            bccRecipients: envelope.bccRecipients, requiresSMTPUTF8: message.requiresSMTPUTF8)
    }
}
