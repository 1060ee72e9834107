import NIOConcurrencyHelpers

/// The server's shared, lock-protected recording; written by connection handlers, read by tests.
final class RecordingStore: Sendable {
    private let box = NIOLockedValueBox(SMTPServerRecording())

    var snapshot: SMTPServerRecording { box.withLockedValue { $0 } }

    func update(_ change: (inout SMTPServerRecording) -> Void) {
        box.withLockedValue { change(&$0) }
    }
}
