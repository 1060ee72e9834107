import Foundation
import Testing

/// Reading back what the test server delivered: `MAILDIR/<recipient>/*.eml`, LF line endings, one `Received:`
/// header prepended by Postfix.
enum Maildir {
    /// Polls (bounded: delivery lands 5–40 ms after the 250, the bound is generous for a loaded machine) for a
    /// delivered file for `recipient` that contains `marker`; returns its bytes.
    static func waitForMessage(in server: MailServer, recipient: String, marker: String, within seconds: Double = 20)
        async throws -> [UInt8]
    {
        let folder = URL(fileURLWithPath: server.mailDirectory).appendingPathComponent(recipient)
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names where name.hasSuffix(".eml") {
                let bytes = try Array(Data(contentsOf: folder.appendingPathComponent(name)))
                if String(decoding: bytes, as: UTF8.self).contains(marker) { return bytes }
            }
            if Date() > deadline {
                throw MailServerError(
                    "no message with \(marker) for \(recipient) in \(folder.path) within \(seconds) s")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// Every file delivered to `recipient` so far.
    static func messages(in server: MailServer, recipient: String) -> [String] {
        let folder = URL(fileURLWithPath: server.mailDirectory).appendingPathComponent(recipient)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }

    /// The delivered text without the first header field (Postfix's `Received:`, with its continuation lines).
    static func withoutFirstReceived(_ bytes: [UInt8]) throws -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.first?.hasPrefix("Received:") == true, "delivered message does not start with Received:")
        lines.removeFirst()
        while let first = lines.first, first.hasPrefix(" ") || first.hasPrefix("\t") { lines.removeFirst() }
        return lines.joined(separator: "\n")
    }

    /// Header section and body of an LF message.
    static func split(_ text: String) -> (headers: String, body: String) {
        guard let range = text.range(of: "\n\n") else { return (text, "") }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }

    /// Quoted-printable decoding (RFC 2045 §6.7), written here independently of the code under test.
    static func decodeQuotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "="), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") {
                index += 2  // soft line break
            } else if byte == UInt8(ascii: "="), index + 2 < bytes.count, let high = hex(bytes[index + 1]),
                let low = hex(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
