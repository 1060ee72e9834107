/// Makes every line ending CRLF, chunk by chunk, and measures what decides whether a
/// body can be sealed as it is: the longest line and whether any octet is 8-bit or NUL.
///
/// The same output as PosternMIME's `CRLFNormalizer`, but on raw buffers and copying
/// whole runs between line ends: the generic normalizer walks `Data` one element at a
/// time through protocol witnesses, which made it most of the time of a 25 MB seal.
/// A CR ends its line at once; an LF right after it (even in the next chunk) is dropped.
struct ChunkCanonicalizer {
    private var afterCR = false
    private var lineLength = 0
    /// The longest line seen, in octets without the line ending (final after ``finish()``).
    private(set) var longestLine = 0
    /// Whether any octet ≥ 0x80 or NUL was seen.
    private(set) var sawEightBitOrNUL = false

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// Appends the canonical form of `input` to `output`.
    mutating func normalize(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        let bytes = input.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress else { return }
        output.reserveCapacity(output.count + bytes.count + bytes.count / 32 + 2)
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = base[index]
            if byte == 0x0D || byte == 0x0A {
                output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                if byte == 0x0A && afterCR {
                    afterCR = false  // the LF of a CRLF already written
                } else {
                    output.append(contentsOf: Self.crlf)
                    longestLine = max(longestLine, lineLength)
                    lineLength = 0
                    afterCR = byte == 0x0D
                }
                runStart = index + 1
            } else {
                afterCR = false
                lineLength &+= 1
                if byte >= 0x80 || byte == 0 { sawEightBitOrNUL = true }
            }
            index += 1
        }
        output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: count - runStart))
    }

    /// The longest line so far, the unfinished last one included.
    var longestSoFar: Int { max(longestLine, lineLength) }

    /// Ends the stream (the last line may lack a line ending).
    mutating func finish() {
        longestLine = max(longestLine, lineLength)
    }
}
