/// Converts any mix of line endings (CRLF, bare LF, bare CR) to CRLF,
/// incrementally, in constant memory.
///
/// A CR at the very end of a chunk is held back until the next chunk shows
/// whether an LF follows, so splitting the input anywhere gives the same output.
/// The normalizer also tracks the longest line seen, so a streaming caller can
/// tell whether the body needs re-encoding (lines over 998 octets) without
/// buffering it.
public struct CRLFNormalizer: Sendable {
    private var pendingCR = false
    private var currentLineLength = 0
    /// The longest line written so far, in octets, excluding its CRLF.
    public private(set) var longestLine = 0
    /// Whether any byte ≥ 0x80 or NUL has been seen (the content is not 7-bit clean).
    public private(set) var sawEightBitOrNUL = false

    /// Creates a normalizer at the start of a stream.
    public init() {}

    /// Normalizes one chunk, appending the canonical bytes to `output`.
    public mutating func normalize<C: Collection>(_ chunk: C, into output: inout [UInt8]) where C.Element == UInt8 {
        output.reserveCapacity(output.count + chunk.count + chunk.count / 32 + 2)
        for byte in chunk {
            if pendingCR {
                pendingCR = false
                endLine(into: &output)
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D: pendingCR = true
            case 0x0A: endLine(into: &output)
            default:
                if byte >= 0x80 || byte == 0 { sawEightBitOrNUL = true }
                output.append(byte)
                currentLineLength += 1
            }
        }
    }

    /// Normalizes one chunk and returns the canonical bytes.
    public mutating func normalize<C: Collection>(_ chunk: C) -> [UInt8] where C.Element == UInt8 {
        var output: [UInt8] = []
        normalize(chunk, into: &output)
        return output
    }

    /// Flushes a CR held back from the last chunk. Call once at end of input.
    public mutating func finish(into output: inout [UInt8]) {
        if pendingCR {
            pendingCR = false
            endLine(into: &output)
        }
        longestLine = max(longestLine, currentLineLength)
    }

    /// Flushes a CR held back from the last chunk and returns the remaining bytes.
    public mutating func finish() -> [UInt8] {
        var output: [UInt8] = []
        finish(into: &output)
        return output
    }

    private mutating func endLine(into output: inout [UInt8]) {
        output.append(0x0D)
        output.append(0x0A)
        longestLine = max(longestLine, currentLineLength)
        currentLineLength = 0
    }
}

/// One-shot canonicalisation helpers.
public enum Canonicalizer {
    /// Returns `bytes` with every line ending (CRLF, LF, CR) written as CRLF.
    public static func canonicalLineEndings<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var normalizer = CRLFNormalizer()
        var output: [UInt8] = []
        normalizer.normalize(bytes, into: &output)
        normalizer.finish(into: &output)
        return output
    }

    /// The length of the longest line of canonical (CRLF) content, excluding line endings.
    static func longestLine(_ bytes: ArraySlice<UInt8>) -> Int {
        var longest = 0
        var current = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x0D, index + 1 < bytes.endIndex, bytes[index + 1] == 0x0A {
                longest = max(longest, current)
                current = 0
                index += 2
                continue
            }
            current += 1
            index += 1
        }
        return max(longest, current)
    }

    /// Whether `bytes` holds any byte ≥ 0x80 or NUL, i.e. is not 7-bit clean.
    static func containsEightBitOrNUL<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.contains { $0 >= 0x80 || $0 == 0 }
    }
}
