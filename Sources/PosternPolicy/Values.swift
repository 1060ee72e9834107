import Foundation

/// A closed vocabulary of policy values that can live in a bit set (at most 15 members),
/// so that intersections and membership tests never allocate.
public protocol PolicyChoice: CaseIterable, Hashable, Sendable, RawRepresentable where RawValue == String {}

extension PolicyChoice {
    /// Position in `allCases`; the bit this value occupies in a ``ChoiceSet``.
    var ordinal: Int {
        var index = 0
        for candidate in Self.allCases {
            if candidate == self { return index }
            index += 1
        }
        return index
    }

    /// Parses a spelling as policies write it, ignoring ASCII case (`scram-sha-256`,
    /// `STARTTLS`); nil for anything else. Use it to map server-offered AUTH mechanisms.
    public init?(caseInsensitive text: String) {
        guard let value = Self.matching(text) else { return nil }
        self = value
    }

    /// The value at `ordinal` in `allCases`, or nil.
    static func member(at ordinal: Int) -> Self? {
        var index = 0
        for candidate in Self.allCases {
            if index == ordinal { return candidate }
            index += 1
        }
        return nil
    }

    /// Parses a spelling case-insensitively without allocating.
    static func matching(_ text: String) -> Self? {
        for candidate in Self.allCases where asciiCaseInsensitiveEqual(candidate.rawValue, text) {
            return candidate
        }
        return nil
    }

    /// The spellings a policy may use, for error messages.
    static var spellings: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// How the submission connection is secured.
public enum SecurityMode: String, PolicyChoice, Codable {
    /// TLS from the first byte (RFC 8314), port 465 by default.
    case implicitTLS = "implicit-tls"
    /// Plaintext greeting, then `STARTTLS` (RFC 3207), port 587 by default.
    case starttls
    /// No TLS at all. Allowed only where every layer lists it.
    case plaintext
}

/// A TLS protocol version that a policy can demand as its minimum.
public enum TLSVersion: String, PolicyChoice, Codable, Comparable {
    /// TLS 1.2.
    case tls12 = "1.2"
    /// TLS 1.3.
    case tls13 = "1.3"

    /// Orders versions by age.
    public static func < (lhs: TLSVersion, rhs: TLSVersion) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// What the server's certificate must satisfy.
public enum CertificateDemand: String, PolicyChoice, Codable {
    /// Chain to a trust anchor and a hostname check (RFC 6125 / RFC 7817).
    case verify
    /// The chain and host name are not checked; the leaf's key must match a pin.
    case pinOnly = "pin-only"
}

/// Whether a protection is required, allowed or forbidden.
public enum ProtectionLevel: String, PolicyChoice, Codable {
    /// Must be applied.
    case required
    /// May be applied when the user asks.
    case optional
    /// Must not be applied.
    case forbidden
}

/// A message protection format.
public enum ProtectionFormat: String, PolicyChoice, Codable {
    /// S/MIME (CMS).
    case smime
    /// OpenPGP (PGP/MIME, RFC 3156).
    case openpgp
}

/// An S/MIME content-encryption algorithm.
public enum SMIMECipher: String, PolicyChoice, Codable {
    /// AES-256 in GCM mode (AuthEnvelopedData, RFC 5083).
    case aes256GCM = "aes-256-gcm"
    /// AES-128 in GCM mode (AuthEnvelopedData).
    case aes128GCM = "aes-128-gcm"
    /// AES-256 in CBC mode (EnvelopedData).
    case aes256CBC = "aes-256-cbc"
    /// AES-192 in CBC mode (EnvelopedData).
    case aes192CBC = "aes-192-cbc"
    /// AES-128 in CBC mode (EnvelopedData).
    case aes128CBC = "aes-128-cbc"
}

/// An S/MIME signature digest algorithm.
public enum DigestAlgorithm: String, PolicyChoice, Codable {
    /// SHA-256.
    case sha256
    /// SHA-384.
    case sha384
    /// SHA-512.
    case sha512
}

/// A SASL mechanism for SMTP AUTH.
public enum AuthMechanism: String, PolicyChoice, Codable {
    /// RFC 7677.
    case scramSHA256 = "SCRAM-SHA-256"
    /// RFC 7677 with channel binding.
    case scramSHA256Plus = "SCRAM-SHA-256-PLUS"
    /// RFC 5802.
    case scramSHA1 = "SCRAM-SHA-1"
    /// RFC 5802 with channel binding.
    case scramSHA1Plus = "SCRAM-SHA-1-PLUS"
    /// RFC 4616.
    case plain = "PLAIN"
    /// The de-facto LOGIN mechanism.
    case login = "LOGIN"
    /// Google's OAuth 2.0 mechanism.
    case xoauth2 = "XOAUTH2"
    /// RFC 7628.
    case oauthBearer = "OAUTHBEARER"
    /// RFC 2195 (legacy).
    case cramMD5 = "CRAM-MD5"
    /// RFC 4422 (TLS client certificate).
    case external = "EXTERNAL"
}

/// Whether credentials may be sent on an unencrypted connection.
public enum OverPlaintext: String, PolicyChoice, Codable {
    /// Never send AUTH without TLS.
    case refuse
    /// Allow AUTH without TLS (only meaningful where plaintext is allowed at all).
    case allow
}

/// An SPKI pin: the SHA-256 of a certificate's DER SubjectPublicKeyInfo.
public struct SPKIPin: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 32 digest bytes, as four words so that a pin is a plain value (no heap).
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// Parses `sha256//BASE64` where BASE64 decodes to exactly 32 bytes; nil otherwise.
    public init?(_ text: String) {
        let prefix = "sha256//"
        guard text.hasPrefix(prefix) else { return nil }
        let encoded = String(text.dropFirst(prefix.count))
        guard encoded.count == 44, let data = Data(base64Encoded: encoded), data.count == 32 else { return nil }
        self.init(digest: [UInt8](data))
    }

    /// Creates a pin from 32 digest bytes; nil for any other length.
    public init?(digest: [UInt8]) {
        guard digest.count == 32 else { return nil }
        func word(_ start: Int) -> UInt64 {
            var value: UInt64 = 0
            for byte in digest[start..<(start + 8)] { value = value << 8 | UInt64(byte) }
            return value
        }
        words = (word(0), word(8), word(16), word(24))
    }

    /// The 32 digest bytes.
    public var digest: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }

    /// `sha256//BASE64`.
    public var description: String { "sha256//" + Data(digest).base64EncodedString() }

    /// Compares the digests.
    public static func == (lhs: SPKIPin, rhs: SPKIPin) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    /// Hashes the digest.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Decodes from the `sha256//BASE64` string form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let pin = SPKIPin(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad pin"))
        }
        self = pin
    }

    /// Encodes as the `sha256//BASE64` string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Parses a size: a decimal number with an optional unit KB/MB/GB (powers of 1000),
/// KiB/MiB/GiB (powers of 1024) or B. Returns nil on anything else or on overflow.
func parseByteSize(_ text: String) -> UInt64? {
    let units: [(String, UInt64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1),
    ]
    var number = Substring(text)
    var multiplier: UInt64 = 1
    for (suffix, factor) in units where number.hasSuffix(suffix) {
        number = number.dropLast(suffix.count)
        multiplier = factor
        break
    }
    if number.last == " " { number = number.dropLast() }
    guard !number.isEmpty, number.count <= 19, number.allSatisfy({ $0.isASCII && $0.isNumber }),
        let value = UInt64(number)
    else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
    return overflow ? nil : product
}

/// ASCII case-insensitive equality over UTF-8, without allocating.
func asciiCaseInsensitiveEqual(_ lhs: String, _ rhs: String) -> Bool {
    var left = lhs.utf8.makeIterator()
    var right = rhs.utf8.makeIterator()
    while true {
        switch (left.next(), right.next()) {
        case (nil, nil): return true
        case (let a?, let b?): if asciiLower(a) != asciiLower(b) { return false }
        default: return false
        }
    }
}

@inline(__always) func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}
