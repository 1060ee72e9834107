/// One complete server reply: a three-digit code and one or more lines of text.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    /// The reply code, 200…559.
    public var code: Int
    /// The text of each line, without the code, the separator and CRLF.
    public var lines: [[UInt8]]
    /// The RFC 3463 status code at the start of the first line, when ENHANCEDSTATUSCODES was
    /// advertised and the text carries one whose class matches the reply code.
    public var enhancedStatusCode: SMTPEnhancedStatusCode?

    /// Creates a reply.
    public init(code: Int, lines: [[UInt8]], enhancedStatusCode: SMTPEnhancedStatusCode? = nil) {
        self.code = code
        self.lines = lines.isEmpty ? [[]] : lines
        self.enhancedStatusCode = enhancedStatusCode
    }

    /// The line texts decoded as UTF-8 (invalid sequences replaced).
    public var textLines: [String] { lines.map { String(decoding: $0, as: UTF8.self) } }

    /// `"250 text"` of the first line, for messages and reports, with control characters
    /// replaced by `?`.
    public var firstLineText: String {
        let text = terminalSafe(String(decoding: lines.first ?? [], as: UTF8.self))
        return text.isEmpty ? "\(code)" : "\(code) \(text)"
    }

    /// 2xx: the command succeeded.
    public var isPositiveCompletion: Bool { code / 100 == 2 }
    /// 3xx: the server wants more (354 for DATA, 334 for AUTH).
    public var isPositiveIntermediate: Bool { code / 100 == 3 }
    /// 4xx: try again later.
    public var isTransientNegative: Bool { code / 100 == 4 }
    /// 5xx: refused for good.
    public var isPermanentNegative: Bool { code / 100 == 5 }

    /// The reply as the server sent it, one line per text line, `-` on all but the last.
    public var description: String {
        let texts = textLines
        return texts.enumerated().map { index, text in
            let separator = index == texts.count - 1 ? " " : "-"
            return text.isEmpty && separator == " " ? "\(code)" : "\(code)\(separator)\(text)"
        }.joined(separator: "\n")
    }
}

/// An RFC 3463 enhanced status code `class.subject.detail`, such as `2.1.5`.
public struct SMTPEnhancedStatusCode: Sendable, Hashable, CustomStringConvertible {
    /// 2, 4 or 5.
    public var statusClass: Int
    /// 0…999.
    public var subject: Int
    /// 0…999.
    public var detail: Int

    /// Creates a status code.
    public init(statusClass: Int, subject: Int, detail: Int) {
        self.statusClass = statusClass
        self.subject = subject
        self.detail = detail
    }

    /// `class.subject.detail`.
    public var description: String { "\(statusClass).\(subject).\(detail)" }

    /// Parses a status code at the start of `text` (followed by a space or the end), or nil.
    static func parse(prefixOf text: [UInt8]) -> SMTPEnhancedStatusCode? {
        var index = 0
        func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < text.count, digits < maxDigits, let digit = asciiDigit(text[index]) {
                value = value * 10 + digit
                digits += 1
                index += 1
            }
            return digits == 0 ? nil : value
        }
        func dot() -> Bool {
            guard index < text.count, text[index] == UInt8(ascii: ".") else { return false }
            index += 1
            return true
        }
        guard let statusClass = number(maxDigits: 1), [2, 4, 5].contains(statusClass), dot(),
            let subject = number(maxDigits: 3), dot(), let detail = number(maxDigits: 3)
        else { return nil }
        guard index == text.count || text[index] == UInt8(ascii: " ") else { return nil }
        return SMTPEnhancedStatusCode(statusClass: statusClass, subject: subject, detail: detail)
    }
}

@inline(__always)
func asciiDigit(_ byte: UInt8) -> Int? {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
}
