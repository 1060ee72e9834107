import Foundation

/// RFC 4013 SASLprep for SCRAM user names and passwords (RFC 5802 §2.2).
///
/// Printable ASCII passes unchanged (the common case). Otherwise: map the B.1 characters to
/// nothing and non-ASCII spaces to U+0020, normalise with NFKC, and reject the prohibited
/// characters of tables C.2–C.9.
/// - Important: The RFC 3454 §6 bidirectional check is not implemented; strings that mix
///   right-to-left and left-to-right text are passed through.
func saslPrep(_ input: String, what: String) throws(SMTPError) -> String {
    if input.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return input }
    var mapped = String.UnicodeScalarView()
    for scalar in input.unicodeScalars {
        let value = scalar.value
        if [0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF].contains(value)
            || (0xFE00...0xFE0F).contains(value)
        {
            continue
        }
        if [0x00A0, 0x1680, 0x202F, 0x205F, 0x3000].contains(value) || (0x2000...0x200B).contains(value) {
            mapped.append(" ")
            continue
        }
        mapped.append(scalar)
    }
    let normalized = String(mapped).precomposedStringWithCompatibilityMapping
    for scalar in normalized.unicodeScalars where isProhibited(scalar.value) {
        throw .dataError(.invalidParameter, "the \(what) holds a character SASLprep prohibits")
    }
    if normalized.isEmpty { throw .dataError(.invalidParameter, "the \(what) is empty after SASLprep") }
    return normalized
}

private func isProhibited(_ value: UInt32) -> Bool {
    value < 0x20 || (0x7F...0x9F).contains(value)  // C.2.1, C.2.2 controls
        || [0x06DD, 0x070F, 0x180E, 0x200C, 0x200D, 0x2028, 0x2029, 0xFEFF].contains(value)
        || (0x2060...0x2063).contains(value) || (0x206A...0x206F).contains(value)
        || (0xFFF9...0xFFFC).contains(value) || (0x1D173...0x1D17A).contains(value)
        || (0xE000...0xF8FF).contains(value) || value >= 0xF0000  // C.3 private use
        || (0xFDD0...0xFDEF).contains(value) || (value & 0xFFFE) == 0xFFFE  // C.4 non-characters
        || value == 0xFFFD || (0x2FF0...0x2FFB).contains(value)  // C.6, C.7
        || [0x0340, 0x0341, 0x200E, 0x200F].contains(value) || (0x202A...0x202E).contains(value)  // C.8
        || value == 0xE0001 || (0xE0020...0xE007F).contains(value)  // C.9
}
