/// A small tokenizer for `; name=value` parameter lists, shared by Content-Type and Content-Disposition.
struct ParameterScanner {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static let tspecials: Set<Unicode.Scalar> = [
        "(", ")", "<", ">", "@", ",", ";", ":", "\\", "\"", "/", "[", "]", "?", "=",
    ]

    static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value < 0x7F && !tspecials.contains(scalar)
    }

    var atEnd: Bool { index >= scalars.count }

    /// Skips white space and (nested) comments.
    mutating func skipCFWS() {
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" {
                index += 1
            } else if scalar == "(" {
                var depth = 0
                while index < scalars.count {
                    let inner = scalars[index]
                    if inner == "\\" { index += 2; continue }
                    if inner == "(" { depth += 1 }
                    if inner == ")" { depth -= 1 }
                    index += 1
                    if depth == 0 { break }
                }
            } else {
                return
            }
        }
    }

    mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        skipCFWS()
        guard index < scalars.count, scalars[index] == scalar else { return false }
        index += 1
        return true
    }

    mutating func token() -> String? {
        skipCFWS()
        let start = index
        while index < scalars.count, ParameterScanner.isTokenScalar(scalars[index]) { index += 1 }
        guard index > start else { return nil }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }

    mutating func quotedString() -> String? {
        skipCFWS()
        guard index < scalars.count, scalars[index] == "\"" else { return nil }
        index += 1
        var out = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\", index + 1 < scalars.count {
                out.append(scalars[index + 1])
                index += 2
                continue
            }
            index += 1
            if scalar == "\"" { return String(out) }
            out.append(scalar)
        }
        return nil
    }

    /// A value: a token or a quoted string. Lenient: accepts unquoted tspecials other than ';' (common in the wild).
    mutating func value() -> String? {
        skipCFWS()
        if let quoted = quotedString() { return quoted }
        let start = index
        while index < scalars.count, scalars[index] != ";", scalars[index] != " ", scalars[index] != "\t",
            scalars[index] != "\""
        {
            index += 1
        }
        guard index > start else { return nil }
        return String(String.UnicodeScalarView(scalars[start..<index]))
    }

    static func parseParameters(_ scanner: inout ParameterScanner, in original: String) throws -> [ContentType
        .Parameter]
    {
        // Raw (name, section, extended, value) before RFC 2231 reassembly.
        struct Piece { var name: String; var section: Int?; var extended: Bool; var value: String }
        var pieces: [Piece] = []
        while true {
            scanner.skipCFWS()
            if scanner.atEnd { break }
            guard scanner.consume(";") else {
                throw MIMEError(.malformedContentType, "expected \";\" in \"\(original)\"")
            }
            scanner.skipCFWS()
            if scanner.atEnd { break }  // a trailing ";" is common and harmless
            guard let rawName = scanner.token(), scanner.consume("="), let value = scanner.value() else {
                throw MIMEError(.malformedContentType, "parameter is not name=value in \"\(original)\"")
            }
            var name = rawName.lowercased()
            var extended = false
            if name.hasSuffix("*") {
                extended = true
                name.removeLast()
            }
            var section: Int?
            if let star = name.lastIndex(of: "*"), let number = Int(name[name.index(after: star)...]) {
                section = number
                name = String(name[..<star])
            }
            pieces.append(Piece(name: name, section: section, extended: extended, value: value))
        }
        // Group by name in one pass (a hostile header may carry tens of thousands of parameters).
        var order: [String] = []
        var groups: [String: [Piece]] = [:]
        for piece in pieces {
            if groups[piece.name] == nil { order.append(piece.name) }
            groups[piece.name, default: []].append(piece)
        }
        var result: [ContentType.Parameter] = []
        for name in order {
            guard let sections = groups[name], let firstSection = sections.first else { continue }
            let ordered =
                sections.contains { $0.section != nil }
                ? sections.filter { $0.section != nil }.sorted { ($0.section ?? 0) < ($1.section ?? 0) }
                : [firstSection]
            var charset = "us-ascii"
            var octets: [UInt8] = []
            var anyExtended = false
            for (position, part) in ordered.enumerated() {
                var text = part.value
                if part.extended {
                    anyExtended = true
                    if position == 0 {
                        // charset'language'value
                        let fields = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if fields.count == 3 {
                            charset = fields[0].isEmpty ? "us-ascii" : fields[0].lowercased()
                            text = String(fields[2])
                        }
                    }
                    octets.append(contentsOf: percentDecode(text))
                } else {
                    octets.append(contentsOf: text.utf8)
                }
            }
            let decoded =
                anyExtended
                ? (Charsets.decode(octets, charset: charset) ?? String(decoding: octets, as: UTF8.self))
                : String(decoding: octets, as: UTF8.self)
            result.append(ContentType.Parameter(name, decoded))
        }
        return result
    }

    private static func percentDecode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    static func serialize(_ parameter: ContentType.Parameter) -> String {
        let value = parameter.value
        if value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            if !value.isEmpty, value.unicodeScalars.allSatisfy(isTokenScalar) {
                return "\(parameter.name)=\(value)"
            }
            var quoted = "\""
            for scalar in value.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            return "\(parameter.name)=\(quoted)\""
        }
        var encoded = "utf-8''"
        let hex = Array("0123456789ABCDEF".unicodeScalars)
        for byte in value.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, isTokenScalar(scalar), byte != UInt8(ascii: "*"), byte != UInt8(ascii: "'"),
                byte != UInt8(ascii: "%")
            {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return "\(parameter.name)*=\(encoded)"
    }
}
