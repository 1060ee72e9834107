import Foundation

/// Everything a ``ScriptedSMTPServer`` received, so tests can assert what did (and did not) reach it.
public struct SMTPServerRecording: Sendable, Hashable {
    /// Connections accepted.
    public var connections = 0
    /// Every byte received outside TLS (plaintext mode, or before STARTTLS), in order.
    public var plaintextBytes: [UInt8] = []
    /// Every byte received inside TLS, decrypted, in order.
    public var tlsBytes: [UInt8] = []
    /// Plaintext bytes that followed the STARTTLS command in the same read (pipelined into the upgrade); they were
    /// discarded, not executed. A subset of ``plaintextBytes``.
    public var bytesAfterSTARTTLSCommand: [UInt8] = []
    /// Every command line (not message data), without its line ending, in order; lines received inside TLS are
    /// prefixed with `"[tls] "`.
    public var commandLines: [String] = []
    /// The dialogue in the order the server handled it: `C: ` + each command line (without a `[tls]` prefix),
    /// `C: .` for each end of data, `S: ` + each reply it sent (lines joined by CRLF), `S: <disconnect>` for an
    /// abrupt close.
    public var dialogue: [String] = []
    /// The bodies of completed DATA transactions, as received (dot-stuffed, CRLF, without the final `.` line).
    public var messages: [[UInt8]] = []
    /// Message bytes received in a DATA phase that never completed (dropped or cut off).
    public var partialMessageBytes: [UInt8] = []
    /// The SNI host name of every TLS ClientHello, in order; `nil` for a ClientHello without SNI.
    public var serverNameIndications: [String?] = []
    /// TLS handshakes the server completed.
    public var tlsHandshakesCompleted = 0
    /// Errors seen on connections (handshake failures, unclean shutdowns), as text.
    public var errors: [String] = []

    /// Creates an empty recording.
    public init() {}

    /// True when the client sent anything in plaintext.
    public var receivedBytesBeforeTLS: Bool { !plaintextBytes.isEmpty }

    /// All bytes received, plaintext first.
    public var allBytes: [UInt8] { plaintextBytes + tlsBytes }

    /// True when `secret` appears in anything received: raw, or inside any base64 token of any line (as in
    /// `AUTH PLAIN` / `AUTH LOGIN`), plaintext or TLS.
    public func contains(secret: String) -> Bool {
        let needle = Array(secret.utf8)
        guard !needle.isEmpty else { return false }
        let everything = allBytes
        if everything.containsSubsequence(needle) { return true }
        // Split on bytes: Swift treats "\r\n" as one Character, so a Character separator would never match it.
        let separators: Set<UInt8> = [UInt8(ascii: " "), 13, 10]
        for token in everything.split(whereSeparator: separators.contains) {
            let text = String(decoding: token, as: UTF8.self)
            if let decoded = Data(base64Encoded: text), Array(decoded).containsSubsequence(needle) {
                return true
            }
        }
        return false
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
