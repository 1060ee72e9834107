import Crypto

/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-256, producing one 32-byte block: all SCRAM-SHA-256
/// needs. Built on swift-crypto's HMAC so that no other dependency is pulled in.
func pbkdf2HMACSHA256(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
    let key = SymmetricKey(data: password)
    // HMAC is a value type: keying it once and copying it saves re-deriving the pads
    // on every one of the thousands of iterations.
    let keyed = HMAC<SHA256>(key: key)
    var mac = keyed
    mac.update(data: salt + [0, 0, 0, 1])
    var block = Array(mac.finalize())
    var result = block
    if iterations > 1 {
        for _ in 1..<iterations {
            var next = keyed
            next.update(data: block)
            block = Array(next.finalize())
            for index in 0..<result.count { result[index] ^= block[index] }
        }
    }
    return result
}

func hmacSHA256(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
    Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
}

func sha256(_ data: [UInt8]) -> [UInt8] {
    Array(SHA256.hash(data: data))
}

/// Compares without an early exit, so the time taken does not reveal where they differ.
func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<lhs.count { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}
