/// Matching an envelope address against a certificate's rfc822Name.
///
/// The choice, following CONTRACT §3.4 and RFC 5321 §2.4: the local part is
/// compared exactly, byte for byte (it is case-sensitive; a server may treat
/// `Alice` and `alice` as different mailboxes, and encrypting to the wrong
/// person's key is worse than refusing), and the domain is compared
/// ASCII-case-insensitively (DNS names are). The split is at the last `@`.
/// Nothing is normalised beyond that: no trimming, no Unicode folding, no
/// sub-address (`+tag`) stripping.
enum RFC822AddressMatch {
    static func matches(address: String, certificateName: String) -> Bool {
        guard let (addressLocal, addressDomain) = split(address),
            let (nameLocal, nameDomain) = split(certificateName)
        else { return false }
        return addressLocal == nameLocal && asciiLowercased(addressDomain) == asciiLowercased(nameDomain)
    }

    /// Splits at the last `@`; both sides must be non-empty.
    private static func split(_ address: String) -> ([UInt8], [UInt8])? {
        let bytes = Array(address.utf8)
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1 else { return nil }
        return (Array(bytes[..<at]), Array(bytes[(at + 1)...]))
    }

    private static func asciiLowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }
}
