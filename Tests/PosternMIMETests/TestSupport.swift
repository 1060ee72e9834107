@testable import PosternMIME

/// A small deterministic RNG (SplitMix64) so fuzz and boundary tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Physical lines of CRLF-canonical bytes (a trailing CRLF does not add an empty line).
func crlfLines(_ data: [UInt8]) -> [ArraySlice<UInt8>] {
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    var index = 0
    while index < data.count {
        if data[index] == 0x0D, index + 1 < data.count, data[index + 1] == 0x0A {
            lines.append(data[start..<index])
            index += 2
            start = index
        } else {
            index += 1
        }
    }
    if start < data.count { lines.append(data[start...]) }
    return lines
}

/// Whether the bytes contain a CR or LF that is not part of a CRLF pair.
func hasBareLineEnding(_ data: [UInt8]) -> Bool {
    for (index, byte) in data.enumerated() {
        if byte == 0x0D, index + 1 >= data.count || data[index + 1] != 0x0A { return true }
        if byte == 0x0A, index == 0 || data[index - 1] != 0x0D { return true }
    }
    return false
}

let simpleMessage = """
    From: Alice Example <alice@example.org>\r
    To: Bob <bob@example.org>, "Doe, Carol" <carol@example.net>\r
    Bcc: secret@example.com\r
    Subject: Hello\r
     world\r
    Date: Sun, 29 Nov 2026 12:00:00 +0000\r
    Message-ID: <1@example.org>\r
    \r
    Body line one.\r
    Body line two.\r

    """
