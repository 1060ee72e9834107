/// The dialogue as text, for `-v`, with every credential replaced by `<redacted>`.
public struct SMTPTranscript: Sendable, Hashable {
    /// Who sent a line.
    public enum Direction: String, Sendable, Hashable {
        /// The client (us).
        case client = "C"
        /// The server.
        case server = "S"
    }

    /// One line of the dialogue.
    public struct Entry: Sendable, Hashable {
        /// Who sent it.
        public var direction: Direction
        /// The line without CRLF (redacted for credentials, summarised for message data).
        public var text: String
    }

    /// The most entries kept; later ones are counted, not stored, so memory stays bounded.
    public static let maximumEntries = 10_000

    /// The lines, oldest first.
    public private(set) var entries: [Entry] = []
    /// Lines dropped after ``maximumEntries``.
    public private(set) var droppedEntryCount = 0

    /// `C: …` / `S: …` lines.
    public var lines: [String] { entries.map { "\($0.direction.rawValue): \($0.text)" } }

    mutating func record(_ direction: Direction, _ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard entries.count < Self.maximumEntries else {
                droppedEntryCount += 1
                continue
            }
            entries.append(Entry(direction: direction, text: terminalSafe(line)))
        }
    }
}

/// Replaces C0 and C1 controls (and DEL) with `?`, so server text printed on a terminal by
/// `-v` or in an error message cannot send escape sequences (a UTF-8 U+009B is a CSI).
func terminalSafe(_ text: some StringProtocol) -> String {
    var result = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        let value = scalar.value
        result.append(value < 0x20 || (0x7F...0x9F).contains(value) ? "?" : scalar)
    }
    return String(result)
}
