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

    /// Parses `bytes`, derives the envelope (headers unless overridden), strips `Bcc:` and canonicalises.
    ///
    /// Envelope: the sender is `overrides.sender`, else the (first) `From:` address. Recipients are
    /// `overrides.recipients` when given (plus, with `addHeaderRecipients`, the header recipients), else To, Cc
    /// and Bcc. A recipient named in `Bcc:` gets a transaction of its own, whichever way it was named, so no
    /// transaction carries a Bcc recipient together with others.
    static func prepare(_ bytes: [UInt8], overrides: EnvelopeOverrides) throws(Failure) -> OutgoingMessage {
        let message: Message
        do {
            message = try Message(parsing: bytes)
        } catch {
            throw Failure(message: "not an RFC 5322 message: \(error)")
        }
        let bcc: [String]
        let headerRecipients: [String]
        let from: [String]
        do {
            bcc = try message.addresses(in: "Bcc").map(\.address)
            headerRecipients = try message.recipients(includingBcc: true).map(\.address)
            from = try message.addresses(in: "From").map(\.address)
        } catch {
            throw Failure(message: "an address header cannot be parsed: \(error)")
        }
        guard let sender = overrides.sender ?? from.first else {
            throw Failure(message: "no envelope sender: the message has no From: address and no --from was given")
        }
        var named: [String] = overrides.recipients
        if overrides.recipients.isEmpty || overrides.addHeaderRecipients {
            named += headerRecipients
        }
        let all = uniqueCaseInsensitive(named)
        guard !all.isEmpty else {
            throw Failure(message: "no recipients: the message has no To:, Cc: or Bcc: address and no --to was given")
        }
        let bccKeys = Set(bcc.map { $0.lowercased() })
        let together = all.filter { !bccKeys.contains($0.lowercased()) }
        let alone = all.filter { bccKeys.contains($0.lowercased()) }
        for address in [sender] + all where address.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw Failure(message: "an envelope address holds CR, LF or NUL")
        }
        let wire: [UInt8]
        do {
            wire = try message.removingHeader("Bcc").serialized()
        } catch {
            throw Failure(message: "the message cannot be written in canonical form: \(error)")
        }
        return OutgoingMessage(
            wireBytes: wire, sender: sender, recipients: together, bccRecipients: alone,
            requiresSMTPUTF8: message.requiresSMTPUTF8)
    }

    static func uniqueCaseInsensitive(_ addresses: [String]) -> [String] {
        var seen: Set<String> = []
        return addresses.filter { seen.insert($0.lowercased()).inserted }
    }
}
