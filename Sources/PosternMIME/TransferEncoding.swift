/// Base64 (RFC 2045 §6.8) without Foundation.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, char) in alphabet.enumerated() { table[Int(char)] = UInt8(value) }
        return table
    }()

    /// Encodes `bytes`, breaking lines with CRLF every `lineLength` characters (76 for MIME; `nil` for none).
    public static func encode<C: Collection>(_ bytes: C, lineLength: Int? = 76) -> [UInt8] where C.Element == UInt8 {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count * 4 / 3 + input.count / 38 + 4)
        var column = 0
        var index = 0
        func emit(_ char: UInt8) {
            if let lineLength, column == lineLength {
                out.append(0x0D)
                out.append(0x0A)
                column = 0
            }
            out.append(char)
            column += 1
        }
        while index < input.count {
            let b0 = input[index]
            let b1 = index + 1 < input.count ? input[index + 1] : 0
            let b2 = index + 2 < input.count ? input[index + 2] : 0
            emit(alphabet[Int(b0 >> 2)])
            emit(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            emit(index + 1 < input.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            emit(index + 2 < input.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        if lineLength != nil, !out.isEmpty {
            out.append(0x0D)
            out.append(0x0A)
        }
        return out
    }

    /// Decodes base64, ignoring line breaks and white space.
    ///
    /// - Throws: ``MIMEError`` with ``MIMEError/Code/malformedEncoding`` on any other character,
    ///   misplaced padding, or a truncated final group.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 4)
        var group: UInt32 = 0
        var count = 0
        var padding = 0
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case 0x0D, 0x0A, 0x20, 0x09:
                continue
            case UInt8(ascii: "="):
                padding += 1
                if padding > 2 || count < 2 {
                    throw MIMEError(.malformedEncoding, "misplaced base64 padding", byteOffset: offset)
                }
                group <<= 6
                count += 1
            default:
                let value = reverse[Int(byte)]
                if value == 0xFF || padding > 0 {
                    throw MIMEError(.malformedEncoding, "invalid base64 character", byteOffset: offset)
                }
                group = group << 6 | UInt32(value)
                count += 1
            }
            if count == 4 {
                out.append(UInt8(truncatingIfNeeded: group >> 16))
                if padding < 2 { out.append(UInt8(truncatingIfNeeded: group >> 8)) }
                if padding < 1 { out.append(UInt8(truncatingIfNeeded: group)) }
                if padding > 0 {
                    // Nothing but white space may follow the padded final group.
                    count = 4
                } else {
                    count = 0
                    group = 0
                }
            }
        }
        if padding > 0 {
            if count != 4 { throw MIMEError(.malformedEncoding, "truncated base64 padding") }
            return out
        }
        if count != 0 { throw MIMEError(.malformedEncoding, "base64 input ends inside a 4-character group") }
        return out
    }
}

/// Quoted-printable (RFC 2045 §6.7).
public enum QuotedPrintable {
    private static let hex = Array("0123456789ABCDEF".utf8)

    /// Encodes `bytes`; every output line is at most 76 characters, soft line breaks included.
    ///
    /// - Parameter text: when `true`, each CRLF in the input is a hard line break written as CRLF
    ///   and any lone CR or LF is escaped; when `false` (binary), CR and LF are always escaped.
    ///   Either way `decode(encode(x)) == x`.
    public static func encode<C: Collection>(_ bytes: C, text: Bool = true) -> [UInt8] where C.Element == UInt8 {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(input.count + input.count / 8 + 16)
        // Characters on the current encoded line; at most 75 before a soft break's "=".
        var column = 0
        func makeRoom(_ width: Int) {
            if column + width > 75 {
                out.append(UInt8(ascii: "="))
                out.append(0x0D)
                out.append(0x0A)
                column = 0
            }
        }
        func putLiteral(_ byte: UInt8) {
            makeRoom(1)
            out.append(byte)
            column += 1
        }
        func putEscaped(_ byte: UInt8) {
            makeRoom(3)
            out.append(UInt8(ascii: "="))
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
            column += 3
        }
        var index = 0
        while index < input.count {
            let byte = input[index]
            let next = index + 1
            let nextIsCRLF = text && next + 1 < input.count && input[next] == 0x0D && input[next + 1] == 0x0A
            if text, byte == 0x0D, next < input.count, input[next] == 0x0A {
                out.append(0x0D)
                out.append(0x0A)
                column = 0
                index += 2
                continue
            }
            switch byte {
            case 0x20, 0x09:
                // Trailing white space would be stripped in transit (RFC 2045 §6.7 rule 3).
                if next == input.count || nextIsCRLF { putEscaped(byte) } else { putLiteral(byte) }
            case UInt8(ascii: "F") where (column == 0 || column + 1 > 75) && startsFrom(input, at: index):
                // "From " at the start of a line is rewritten to ">From " by mbox-style agents,
                // which would break a signature over this text.
                putEscaped(byte)
            case 33...126 where byte != UInt8(ascii: "="):
                putLiteral(byte)
            default:
                putEscaped(byte)
            }
            index += 1
        }
        return out
    }

    private static func startsFrom(_ input: [UInt8], at index: Int) -> Bool {
        let from = Array("From ".utf8)
        return index + from.count <= input.count && input[index..<(index + from.count)].elementsEqual(from)
    }

    /// Decodes quoted-printable. Soft line breaks are removed, trailing white space on
    /// encoded lines is dropped, and a malformed `=` sequence is kept literally (RFC 2045 §6.7 note 2).
    public static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var lineStart = bytes.startIndex
        while lineStart <= bytes.endIndex {
            var lineEnd = lineStart
            while lineEnd < bytes.endIndex,
                !(bytes[lineEnd] == 0x0D && lineEnd + 1 < bytes.endIndex && bytes[lineEnd + 1] == 0x0A)
            {
                lineEnd += 1
            }
            let hasBreak = lineEnd < bytes.endIndex
            var line = bytes[lineStart..<lineEnd]
            while let last = line.last, last == 0x20 || last == 0x09 { line = line.dropLast() }
            var soft = false
            if let last = line.last, last == UInt8(ascii: "=") {
                soft = true
                line = line.dropLast()
            }
            var index = line.startIndex
            while index < line.endIndex {
                let byte = line[index]
                if byte == UInt8(ascii: "="), index + 2 < line.endIndex,
                    let high = hexValue(line[index + 1]), let low = hexValue(line[index + 2])
                {
                    out.append(high << 4 | low)
                    index += 3
                } else {
                    out.append(byte)
                    index += 1
                }
            }
            if !hasBreak { break }
            if !soft {
                out.append(0x0D)
                out.append(0x0A)
            }
            lineStart = lineEnd + 2
        }
        return out
    }
}

/// Decoding and re-encoding bodies by Content-Transfer-Encoding.
public enum TransferEncoding {
    /// Decodes a body encoded with `encoding` (`7bit`, `8bit`, `binary`, `quoted-printable`, `base64`).
    ///
    /// - Throws: ``MIMEError`` for an unknown encoding or malformed base64.
    public static func decode(_ body: ArraySlice<UInt8>, encoding: String) throws -> [UInt8] {
        switch encoding.lowercased() {
        case "7bit", "8bit", "binary", "": return Array(body)
        case "quoted-printable": return QuotedPrintable.decode(body)
        case "base64": return try Base64.decode(body)
        default: throw MIMEError(.unknownTransferEncoding, "unknown Content-Transfer-Encoding \"\(encoding)\"")
        }
    }
}
