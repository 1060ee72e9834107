import NIOConcurrencyHelpers

/// One message as the demo server received it: the envelope and the un-stuffed DATA octets (CRLF lines).
public struct DemoReceivedMessage: Sendable, Hashable {
    /// The MAIL FROM address.
    public var sender: String
    /// The RCPT TO addresses.
    public var recipients: [String]
    /// The message exactly as it arrived, dot-stuffing removed.
    public var data: [UInt8]
}

/// What the demo server saw, so the demo can show that a refused send leaked nothing.
///
/// Command verbs are recorded without their arguments, so nothing secret is ever kept here.
public struct DemoServerObservation: Sendable, Hashable {
    /// TCP connections accepted (both ports).
    public var connections = 0
    /// The verbs of the commands received, in order (`EHLO`, `AUTH`, `MAIL`, …), arguments dropped.
    public var commandVerbs: [String] = []
    /// AUTH commands received (any mechanism, any outcome): a credential reached the server.
    public var authAttempts = 0
    /// Successful authentications.
    public var authSuccesses = 0
    /// Messages accepted after DATA.
    public var messages: [DemoReceivedMessage] = []

    /// Creates an empty observation.
    public init() {}

    /// What happened between `earlier` and this snapshot (counts subtracted, lists cut).
    public func since(_ earlier: DemoServerObservation) -> DemoServerObservation {
        var delta = DemoServerObservation()
        delta.connections = connections - earlier.connections
        delta.commandVerbs = Array(commandVerbs.dropFirst(earlier.commandVerbs.count))
        delta.authAttempts = authAttempts - earlier.authAttempts
        delta.authSuccesses = authSuccesses - earlier.authSuccesses
        delta.messages = Array(messages.dropFirst(earlier.messages.count))
        return delta
    }
}

/// The server's shared, locked observation.
final class DemoServerLog: Sendable {
    private let box = NIOLockedValueBox(DemoServerObservation())

    var snapshot: DemoServerObservation { box.withLockedValue { $0 } }

    func update(_ body: (inout DemoServerObservation) -> Void) {
        box.withLockedValue { body(&$0) }
    }
}
