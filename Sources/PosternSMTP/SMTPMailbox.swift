/// An envelope address checked against RFC 5321 `Mailbox` (with RFC 6531's UTF-8 extension).
///
/// Construction fails with a data error (`invalid-address`, exit 65) before anything is sent
/// when the address holds CR, LF or NUL, breaks the grammar or the length limits.
public struct SMTPMailbox: Sendable, Hashable, CustomStringConvertible {
    /// The address as given, without angle brackets.
    public let address: String
    /// True when the local part or the domain holds non-ASCII characters, so the server must
    /// offer SMTPUTF8 (RFC 6531).
    public let requiresSMTPUTF8: Bool

    /// Validates `address` (`local@domain`, no angle brackets).
    public init(validating address: String) throws(SMTPError) {
        let bytes = Array(address.utf8)
        try rejectLineBreaksAndNUL(bytes, what: "address", code: .invalidAddress)
        func invalid(_ reason: String) -> SMTPError {
            .dataError(.invalidAddress, "invalid address \(Self.quoted(address)): \(reason)")
        }
        // Local parts may be quoted and hold "@", so split at the last one.
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { throw invalid("no @") }
        let local = Array(bytes[..<at])
        let domain = Array(bytes[(at + 1)...])
        guard !local.isEmpty, local.count <= 64 else { throw invalid("the local part must have 1 to 64 octets") }
        guard !domain.isEmpty, domain.count <= 255 else { throw invalid("the domain must have 1 to 255 octets") }
        guard bytes.count <= 254 else { throw invalid("longer than 254 octets") }
        guard Self.isValidLocalPart(local) else { throw invalid("the local part is not a dot-string or quoted string") }
        guard Self.isValidDomain(domain) || Self.isValidAddressLiteral(domain) else {
            throw invalid("the domain is not a host name or address literal")
        }
        self.address = address
        self.requiresSMTPUTF8 = bytes.contains { $0 >= 0x80 }
    }

    /// The address.
    public var description: String { address }

    static func quoted(_ text: String) -> String {
        "\""
            + text.unicodeScalars.map {
                $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F
                    ? String($0) : "\\u{\(String($0.value, radix: 16))}"
            }.joined() + "\""
    }

    static func isAtext(_ byte: UInt8) -> Bool {
        if byte >= 0x80 || byte.isASCIIAlphanumeric { return true }
        return Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }

    static func isValidLocalPart(_ local: [UInt8]) -> Bool {
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return false }
            var index = 1
            while index < local.count - 1 {
                let byte = local[index]
                if byte == UInt8(ascii: "\\") {
                    guard index + 1 < local.count - 1, (32...126).contains(local[index + 1]) else { return false }
                    index += 2
                    continue
                }
                guard byte >= 0x80 || byte == 32 || byte == 33 || (35...91).contains(byte) || (93...126).contains(byte)
                else { return false }
                index += 1
            }
            return true
        }
        let atoms = local.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    /// RFC 5321 `Domain` with U-labels allowed (non-ASCII bytes count as letters).
    static func isValidDomain(_ domain: [UInt8]) -> Bool {
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
            func letDig(_ byte: UInt8) -> Bool { byte >= 0x80 || byte.isASCIIAlphanumeric }
            return letDig(first) && letDig(last) && label.allSatisfy { letDig($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `[IPv4]`, `[IPv6:…]` or `[tag:dcontent]`.
    static func isValidAddressLiteral(_ literal: [UInt8]) -> Bool {
        guard literal.count >= 3, literal.first == UInt8(ascii: "["), literal.last == UInt8(ascii: "]") else {
            return false
        }
        let inner = Array(literal.dropFirst().dropLast())
        let octets = inner.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if octets.count == 4,
            octets.allSatisfy({
                !$0.isEmpty && $0.count <= 3 && $0.allSatisfy { asciiDigit($0) != nil }
                    && (Int(String(decoding: $0, as: UTF8.self)) ?? 256) <= 255
            })
        {
            return true
        }
        guard let colon = inner.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
        let tag = inner[..<colon]
        let content = inner[(colon + 1)...]
        guard tag.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }), !content.isEmpty else {
            return false
        }
        if String(decoding: tag, as: UTF8.self).uppercased() == "IPV6" {
            return content.allSatisfy { asciiDigit($0) != nil || "abcdefABCDEF:.".utf8.contains($0) }
                && content.filter { $0 == UInt8(ascii: ":") }.count >= 2
        }
        return content.allSatisfy { (33...90).contains($0) || (94...126).contains($0) }
    }
}

/// Validates the name sent with EHLO: a domain or an address literal, ASCII only.
func validateEHLOName(_ name: String) throws(SMTPError) -> String {
    let bytes = Array(name.utf8)
    try rejectLineBreaksAndNUL(bytes, what: "EHLO name", code: .invalidEHLOName)
    guard !bytes.isEmpty, bytes.count <= 255, bytes.allSatisfy({ $0 < 0x80 }),
        SMTPMailbox.isValidDomain(bytes) || SMTPMailbox.isValidAddressLiteral(bytes)
    else {
        throw .dataError(
            .invalidEHLOName, "invalid EHLO name \(SMTPMailbox.quoted(name)): not a domain or address literal")
    }
    return name
}

/// Throws a data error when `bytes` hold CR, LF or NUL, which could split a command line.
func rejectLineBreaksAndNUL(_ bytes: [UInt8], what: String, code: SMTPError.Code) throws(SMTPError) {
    if let bad = bytes.first(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
        let name = bad == 0x0D ? "CR" : bad == 0x0A ? "LF" : "NUL"
        throw .dataError(code, "the \(what) holds a \(name) character")
    }
}

/// Encodes `value` as RFC 3461 xtext; rejects anything outside printable US-ASCII.
func xtextEncode(_ value: String, what: String) throws(SMTPError) -> String {
    let bytes = Array(value.utf8)
    try rejectLineBreaksAndNUL(bytes, what: what, code: .invalidParameter)
    var output = ""
    for byte in bytes {
        guard (32...126).contains(byte) else {
            throw .dataError(.invalidParameter, "the \(what) must be printable US-ASCII")
        }
        if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "=") || byte == 32 {
            output += "+" + String(byte, radix: 16, uppercase: true)
        } else {
            output.unicodeScalars.append(Unicode.Scalar(byte))
        }
    }
    return output
}
