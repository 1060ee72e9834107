/// Splitting a canonical multipart body at its boundaries.
enum MultipartSplitter {
    /// Splits `body` (CRLF line endings) at `boundary`.
    ///
    /// - Throws: ``MIMEError/Code/malformedMultipart`` when no delimiter is found, there are
    ///   no parts, or the closing delimiter (`--boundary--`) is missing.
    static func split(
        _ body: ArraySlice<UInt8>, boundary: String, bodyFirstLine: Int
    ) throws -> (preamble: [UInt8]?, parts: [(bytes: ArraySlice<UInt8>, firstLine: Int)], epilogue: [UInt8]?) {
        let dashBoundary = Array(("--" + boundary).utf8)
        var preamble: [UInt8]?
        var parts: [(ArraySlice<UInt8>, Int)] = []
        var partStart: Int?
        var partFirstLine = 0
        var lineStart = body.startIndex
        var lineNumber = bodyFirstLine
        while lineStart < body.endIndex {
            var lineEnd = lineStart
            while lineEnd < body.endIndex,
                !(body[lineEnd] == 0x0D && lineEnd + 1 < body.endIndex && body[lineEnd + 1] == 0x0A)
            {
                lineEnd += 1
            }
            let next = lineEnd < body.endIndex ? lineEnd + 2 : lineEnd
            if let kind = delimiterKind(body[lineStart..<lineEnd], dashBoundary: dashBoundary) {
                // The CRLF before a delimiter belongs to the delimiter, not to the part.
                let contentEnd = max(lineStart - 2, partStart ?? body.startIndex)
                if let start = partStart {
                    parts.append((body[start..<max(start, contentEnd)], partFirstLine))
                } else if lineStart > body.startIndex {
                    preamble = Array(body[body.startIndex..<max(body.startIndex, lineStart - 2)])
                }
                if kind == .close {
                    guard !parts.isEmpty else {
                        throw MIMEError(.malformedMultipart, "multipart has no body parts", line: lineNumber)
                    }
                    let epilogue: [UInt8]? = lineEnd < body.endIndex ? Array(body[next...]) : nil
                    return (preamble, parts, epilogue)
                }
                partStart = next
                partFirstLine = lineNumber + 1
            }
            lineStart = next
            lineNumber += 1
        }
        if partStart == nil {
            throw MIMEError(.malformedMultipart, "multipart boundary \"\(boundary)\" never occurs", line: bodyFirstLine)
        }
        throw MIMEError(.malformedMultipart, "multipart has no closing delimiter \"--\(boundary)--\"", line: lineNumber)
    }

    private enum DelimiterKind { case open, close }

    private static func delimiterKind(_ line: ArraySlice<UInt8>, dashBoundary: [UInt8]) -> DelimiterKind? {
        guard line.count >= dashBoundary.count, line.starts(with: dashBoundary) else { return nil }
        var rest = line.dropFirst(dashBoundary.count)
        var kind = DelimiterKind.open
        if rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) {
            kind = .close
            rest = rest.dropFirst(2)
        }
        // Transport padding: only white space may follow.
        return rest.allSatisfy { $0 == 0x20 || $0 == 0x09 } ? kind : nil
    }
}

/// Supplies multipart boundaries. Inject a seeded generator in tests for reproducible output.
public protocol BoundaryGenerator {
    /// Returns a fresh boundary candidate (1–70 characters from RFC 2046's bchars).
    mutating func nextBoundary() -> String
}

/// Boundaries of the form `=_Postern_<32 random base-36 characters>` drawn from any
/// `RandomNumberGenerator`.
///
/// The `=_` prefix cannot occur in quoted-printable output (which writes `=` as `=3D`)
/// nor in base64 output (which has no `_`), so encoded parts can never collide with it.
public struct RandomBoundaryGenerator<RNG: RandomNumberGenerator>: BoundaryGenerator {
    private var rng: RNG
    private static var alphabet: [Character] { Array("0123456789abcdefghijklmnopqrstuvwxyz") }

    /// Creates a generator drawing from `rng`.
    public init(rng: RNG) { self.rng = rng }

    /// A fresh `=_Postern_…` boundary.
    public mutating func nextBoundary() -> String {
        let alphabet = Self.alphabet
        var out = "=_Postern_"
        for _ in 0..<32 { out.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
        return out
    }
}

extension RandomBoundaryGenerator where RNG == SystemRandomNumberGenerator {
    /// A generator drawing from the system's secure random source.
    public init() { self.init(rng: SystemRandomNumberGenerator()) }
}

extension MIMEEntity {
    /// Builds a `multipart/<subtype>` entity around `parts`, choosing a boundary from
    /// `boundaries` that occurs in none of the serialized parts.
    ///
    /// - Parameters:
    ///   - subtype: e.g. `mixed`, `signed`, `encrypted`.
    ///   - parameters: extra Content-Type parameters (e.g. `protocol`, `micalg`); `boundary` is added.
    /// - Throws: ``MIMEError/Code/boundaryCollision`` if 16 candidates all occur in the content
    ///   (only a broken generator does that), or a writer error from a part.
    public static func multipart<G: BoundaryGenerator>(
        subtype: String,
        parameters: [ContentType.Parameter] = [],
        parts: [MIMEEntity],
        boundaries: inout G
    ) throws -> MIMEEntity {
        guard !parts.isEmpty else { throw MIMEError(.malformedMultipart, "a multipart needs at least one part") }
        let serializedParts = try parts.map { try MessageWriter.serialize($0) }
        for _ in 0..<16 {
            let boundary = boundaries.nextBoundary()
            let needle = Array(("--" + boundary).utf8)
            guard !boundary.isEmpty, boundary.utf8.count <= 70,
                !serializedParts.contains(where: { $0.containsSubsequence(needle) })
            else { continue }
            var contentType = ContentType(type: "multipart", subtype: subtype, parameters: parameters)
            contentType[parameter: "boundary"] = boundary
            var headers = Headers()
            try headers.set("Content-Type", contentType.description)
            return MIMEEntity(headers: headers, body: .multipart(Multipart(boundary: boundary, parts: parts)))
        }
        throw MIMEError(.boundaryCollision, "no boundary candidate was absent from the content")
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the array (simple scan; needles are short).
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty }
        var index = 0
        let last = count - needle.count
        while index <= last {
            if self[index] == first, self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
