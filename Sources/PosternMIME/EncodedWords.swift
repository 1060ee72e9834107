/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header values.
public enum EncodedWords {
    /// Decodes every encoded word in `text` for display.
    ///
    /// White space between two adjacent encoded words is dropped (RFC 2047 §6.2).
    /// Charsets understood: UTF-8, US-ASCII, ISO-8859-1 (and its alias Latin-1),
    /// Windows-1252. A word with an
    /// unknown charset or a malformed payload is left as it is.
    public static func decode(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        var pendingWhiteSpace = String.UnicodeScalarView()
        var previousWasEncodedWord = false
        while index < scalars.count {
            if scalars[index] == "=", index + 1 < scalars.count, scalars[index + 1] == "?",
                let (decoded, end) = decodeWord(scalars, from: index)
            {
                if !previousWasEncodedWord { out.append(contentsOf: pendingWhiteSpace) }
                pendingWhiteSpace = String.UnicodeScalarView()
                out.append(contentsOf: decoded.unicodeScalars)
                previousWasEncodedWord = true
                index = end
                continue
            }
            let scalar = scalars[index]
            if scalar == " " || scalar == "\t" {
                pendingWhiteSpace.append(scalar)
            } else {
                out.append(contentsOf: pendingWhiteSpace)
                pendingWhiteSpace = String.UnicodeScalarView()
                out.append(scalar)
                previousWasEncodedWord = false
            }
            index += 1
        }
        out.append(contentsOf: pendingWhiteSpace)
        return String(out)
    }

    /// Encodes `text` as UTF-8 `B` encoded words when it is not plain printable ASCII;
    /// otherwise returns it unchanged. Each word stays within 75 characters and never
    /// splits a UTF-8 sequence (RFC 2047 §2, §5).
    public static func encode(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }), !text.contains("=?") {
            return text
        }
        // "=?utf-8?B?" + "?=" is 12 characters; 63 remain, i.e. 45 octets of payload (60 base64 chars).
        let maxPayload = 45
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text.unicodeScalars {
            let encoded = Array(String(character).utf8)
            if chunk.count + encoded.count > maxPayload {
                words.append(word(chunk))
                chunk = []
            }
            chunk.append(contentsOf: encoded)
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        return words.joined(separator: " ")
    }

    private static func word(_ payload: [UInt8]) -> String {
        "=?utf-8?B?" + String(decoding: Base64.encode(payload, lineLength: nil), as: UTF8.self) + "?="
    }

    /// Tries to decode one encoded word starting at `start` (which holds "=?").
    private static func decodeWord(_ s: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        // =?charset?enc?text?= ; no white space inside, at most 75 characters (be lenient up to 200,
        // which also bounds the work a hostile run of "=?=?=?..." can cause).
        var fields: [[Unicode.Scalar]] = [[]]
        var index = start + 2
        let limit = min(s.count, start + 200)
        while index < limit {
            let scalar = s[index]
            if scalar == " " || scalar == "\t" { return nil }
            if scalar == "?" {
                if fields.count == 3 {
                    guard index + 1 < s.count, s[index + 1] == "=" else { return nil }
                    return decodePayload(fields, end: index + 2)
                }
                fields.append([])
            } else {
                fields[fields.count - 1].append(scalar)
            }
            index += 1
        }
        return nil
    }

    private static func decodePayload(_ fields: [[Unicode.Scalar]], end: Int) -> (String, Int)? {
        var charset = String(String.UnicodeScalarView(fields[0])).lowercased()
        // RFC 2231 §5: charset*language
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let encoding = String(String.UnicodeScalarView(fields[1])).lowercased()
        let payload = fields[2]
        guard payload.allSatisfy({ $0.isASCII }) else { return nil }
        let payloadBytes = payload.map { UInt8($0.value) }
        let octets: [UInt8]
        switch encoding {
        case "b":
            guard let decoded = try? Base64.decode(payloadBytes[...]) else { return nil }
            octets = decoded
        case "q":
            guard let decoded = decodeQ(payloadBytes) else { return nil }
            octets = decoded
        default:
            return nil
        }
        guard let text = Charsets.decode(octets, charset: charset) else { return nil }
        return (text, end)
    }

    private static func decodeQ(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "_") {
                out.append(0x20)
            } else if byte == UInt8(ascii: "=") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                    let low = hexValue(bytes[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}

/// The few charsets a mail header or text part realistically uses.
enum Charsets {
    /// Decodes `octets` in `charset` (lowercase), or `nil` when the charset is unknown or the octets invalid.
    static func decode(_ octets: [UInt8], charset: String) -> String? {
        switch charset {
        case "utf-8", "utf8":
            return String(validating: octets, as: UTF8.self)
        case "us-ascii", "ascii":
            guard octets.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(decoding: octets, as: UTF8.self)
        case "iso-8859-1", "latin1", "iso8859-1", "iso_8859-1":
            // Latin-1 octets are the first 256 Unicode code points.
            var scalars = String.UnicodeScalarView()
            for octet in octets {
                guard let scalar = Unicode.Scalar(UInt32(octet)) else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        case "windows-1252", "cp1252":
            var scalars = String.UnicodeScalarView()
            for octet in octets {
                let codePoint = (0x80...0x9F).contains(octet) ? windows1252High[Int(octet) - 0x80] : UInt32(octet)
                guard codePoint != 0, let scalar = Unicode.Scalar(codePoint) else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        default:
            return nil
        }
    }
}

/// Windows-1252 0x80–0x9F; 0 marks the five undefined positions.
private let windows1252High: [UInt32] = [
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E,
    0x0178,
]

/// The value of an ASCII hex digit (either case), or `nil`.
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    default: nil
    }
}
