/// A minimal, strict reader for the two PGP/MIME shapes Postern produces and checks:
/// a header block, a `Content-Type` with parameters, and a two-part multipart body.
/// Works on byte ranges of the input; copies nothing large.
enum PGPMIMEParser {
    struct ContentType: Equatable {
        /// `type/subtype`, lower-cased.
        var mediaType: String
        /// Parameters with lower-cased names.
        var parameters: [String: String]
    }

    struct Entity {
        var contentType: ContentType
        var body: Range<Int>
    }

    private static func invalid(_ message: String) -> PGPError {
        PGPError(code: .invalidInput, message: message)
    }

    /// Splits a CRLF entity (headers, empty line, body) within `range` of `bytes`.
    static func entity<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, in range: Range<Int>, defaultType: String = "text/plain"
    ) throws -> Entity where Bytes.Index == Int {
        var contentTypeValue: String?
        var current: [UInt8]?
        var i = range.lowerBound
        func flush() throws {
            guard let line = current else { return }
            guard let colon = line.firstIndex(of: 0x3A) else {
                throw invalid("header line without a colon: \(String(decoding: line.prefix(60), as: UTF8.self))")
            }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            if name == "content-type" {
                guard contentTypeValue == nil else { throw invalid("more than one Content-Type header") }
                contentTypeValue = String(decoding: line[(colon + 1)...], as: UTF8.self)
            }
            current = nil
        }
        while true {
            guard let end = lineEnd(bytes, from: i, limit: range.upperBound) else {
                throw invalid("the header block does not end with an empty line")
            }
            let line = bytes[i..<end]
            i = end + 2
            if line.isEmpty { break }
            if line.first == 0x20 || line.first == 0x09 {
                guard current != nil else { throw invalid("a header continuation line with nothing to continue") }
                current?.append(contentsOf: line)
            } else {
                try flush()
                current = Array(line)
            }
        }
        try flush()
        let type = try contentTypeValue.map(parseContentType) ?? ContentType(mediaType: defaultType, parameters: [:])
        return Entity(contentType: type, body: i..<range.upperBound)
    }

    /// Index of the CR of the next CRLF at or after `from`, before `limit`.
    private static func lineEnd<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from: Int, limit: Int) -> Int?
    where Bytes.Index == Int {
        var j = from
        while j + 1 < limit {
            if bytes[j] == 0x0D && bytes[j + 1] == 0x0A { return j }
            j += 1
        }
        return nil
    }

    /// Parses `type/subtype; name=value; name="quoted value"`. Comments are refused.
    static func parseContentType(_ value: String) throws -> ContentType {
        let chars = Array(value.unicodeScalars)
        var i = 0
        func skipSpace() { while i < chars.count, " \t\r\n".unicodeScalars.contains(chars[i]) { i += 1 } }
        func token() -> String {
            var s = ""
            while i < chars.count, !" \t;=\"()<>@,:\\/[]?".unicodeScalars.contains(chars[i]) {
                s.unicodeScalars.append(chars[i])
                i += 1
            }
            return s
        }
        skipSpace()
        let type = token()
        guard i < chars.count, chars[i] == "/" else { throw invalid("Content-Type without a subtype: \(value)") }
        i += 1
        let subtype = token()
        guard !type.isEmpty, !subtype.isEmpty else { throw invalid("malformed Content-Type: \(value)") }
        var parameters: [String: String] = [:]
        while true {
            skipSpace()
            if i == chars.count { break }
            guard chars[i] == ";" else { throw invalid("malformed Content-Type parameters: \(value)") }
            i += 1
            skipSpace()
            if i == chars.count { break }  // a trailing ";" is tolerated
            let name = token().lowercased()
            guard !name.isEmpty, i < chars.count, chars[i] == "=" else {
                throw invalid("malformed Content-Type parameter: \(value)")
            }
            i += 1
            var v = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "\\", i + 1 < chars.count {
                        v.unicodeScalars.append(chars[i + 1])
                        i += 2
                    } else if chars[i] == "\"" {
                        i += 1
                        closed = true
                        break
                    } else {
                        v.unicodeScalars.append(chars[i])
                        i += 1
                    }
                }
                guard closed else { throw invalid("unterminated quoted parameter in Content-Type: \(value)") }
            } else {
                v = token()
                guard !v.isEmpty else { throw invalid("empty Content-Type parameter value: \(value)") }
            }
            guard parameters[name] == nil else { throw invalid("repeated Content-Type parameter \(name)") }
            parameters[name] = v
        }
        return ContentType(mediaType: "\(type)/\(subtype)".lowercased(), parameters: parameters)
    }

    /// The body parts of a multipart body in `range`, each without the CRLF that belongs to
    /// the following delimiter. Requires the close delimiter; a line that merely starts
    /// with the delimiter is refused (RFC 2046 forbids it inside parts).
    static func parts<Bytes: RandomAccessCollection<UInt8>>(
        _ bytes: Bytes, in range: Range<Int>, boundary: String
    ) throws -> [Range<Int>] where Bytes.Index == Int {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Range<Int>] = []
        var partStart: Int?
        var i = range.lowerBound
        while i < range.upperBound {
            let end = lineEnd(bytes, from: i, limit: range.upperBound) ?? range.upperBound
            let line = bytes[i..<end]
            if line.starts(with: delimiter) {
                var rest = line.dropFirst(delimiter.count)
                let isClose = rest.starts(with: [0x2D, 0x2D])
                if isClose { rest = rest.dropFirst(2) }
                guard rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else {
                    throw invalid("a line begins with the boundary but is not a delimiter")
                }
                if let start = partStart {
                    // The CRLF before the delimiter is part of it.
                    let partEnd = max(start, i - 2)
                    parts.append(start..<partEnd)
                }
                if isClose { return parts }
                partStart = min(end + 2, range.upperBound)
            }
            i = end + 2
        }
        throw invalid("the multipart body has no close delimiter")
    }
}
