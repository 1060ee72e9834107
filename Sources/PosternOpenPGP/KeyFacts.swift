import CGPGME

/// How far gpg believes a user ID belongs to its key (GPGME's `gpgme_validity_t`).
enum KeyValidity: Int, Sendable, Comparable {
    case unknown = 0, undefined, never, marginal, full, ultimate

    init(_ raw: gpgme_validity_t) {
        self = KeyValidity(rawValue: Int(raw.rawValue)) ?? .unknown
    }

    static func < (lhs: KeyValidity, rhs: KeyValidity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A plain-value snapshot of a GPGME key: everything key selection looks at, so that the
/// selection rules are pure functions testable without a keyring.
struct KeyFacts: Sendable, Hashable {
    struct UserID: Sendable, Hashable {
        var uid: String
        var address: String?
        var validity: KeyValidity
        var revoked: Bool
        var invalid: Bool
    }

    struct Subkey: Sendable, Hashable {
        var keyID: String
        var fingerprint: String
        var canSign: Bool
        var canEncrypt: Bool
        var revoked: Bool
        var expired: Bool
        var disabled: Bool
        var invalid: Bool
        var hasSecret: Bool
        /// Seconds since the epoch; 0 when the subkey never expires.
        var expires: Int64
        /// The public-key algorithm (RFC 4880 §9.1 numbers, as GPGME gives them).
        var algorithm: PublicKeyAlgorithm = .rsa
        /// The key size in bits (for elliptic curves, the curve's size: 255 for Curve25519).
        var bits: Int = 3072
    }

    /// The families key strength is judged by: integer-factoring or discrete-log keys by their
    /// modulus size, elliptic-curve keys by their curve size.
    enum PublicKeyAlgorithm: Sendable, Hashable {
        case rsa, elgamal, dsa, ellipticCurve
        /// An algorithm this version does not know; refused, so an unknown key never counts as strong.
        case other(Int)

        init(gpgme raw: UInt32) {
            switch raw {
            case 1, 2, 3: self = .rsa
            case 16, 20: self = .elgamal
            case 17: self = .dsa
            case 18, 19, 22, 301, 302, 303: self = .ellipticCurve
            default: self = .other(Int(raw))
            }
        }
    }

    var fingerprint: String
    var revoked: Bool
    var expired: Bool
    var disabled: Bool
    var invalid: Bool
    var hasSecret: Bool
    var ownerTrustUltimate: Bool
    var userIDs: [UserID]
    var subkeys: [Subkey]

    init(
        fingerprint: String, revoked: Bool = false, expired: Bool = false, disabled: Bool = false,
        invalid: Bool = false, hasSecret: Bool = false, ownerTrustUltimate: Bool = false,
        userIDs: [UserID], subkeys: [Subkey]
    ) {
        self.fingerprint = fingerprint
        self.revoked = revoked
        self.expired = expired
        self.disabled = disabled
        self.invalid = invalid
        self.hasSecret = hasSecret
        self.ownerTrustUltimate = ownerTrustUltimate
        self.userIDs = userIDs
        self.subkeys = subkeys
    }

    init(_ key: gpgme_key_t) {
        let k = key.pointee
        var uids: [UserID] = []
        var uid = k.uids
        while let u = uid {
            uids.append(
                UserID(
                    uid: u.pointee.uid.map { String(cString: $0) } ?? "",
                    address: u.pointee.address.map { String(cString: $0) },
                    validity: KeyValidity(u.pointee.validity),
                    revoked: u.pointee.revoked != 0,
                    invalid: u.pointee.invalid != 0))
            uid = u.pointee.next
        }
        var subs: [Subkey] = []
        var sub = k.subkeys
        while let s = sub {
            subs.append(
                Subkey(
                    keyID: s.pointee.keyid.map { String(cString: $0) } ?? "",
                    fingerprint: s.pointee.fpr.map { String(cString: $0) } ?? "",
                    canSign: s.pointee.can_sign != 0,
                    canEncrypt: s.pointee.can_encrypt != 0,
                    revoked: s.pointee.revoked != 0,
                    expired: s.pointee.expired != 0,
                    disabled: s.pointee.disabled != 0,
                    invalid: s.pointee.invalid != 0,
                    hasSecret: s.pointee.secret != 0,
                    expires: Int64(s.pointee.expires),
                    algorithm: PublicKeyAlgorithm(gpgme: UInt32(s.pointee.pubkey_algo.rawValue)),
                    bits: Int(s.pointee.length)))
            sub = s.pointee.next
        }
        self.init(
            fingerprint: k.fpr.map { String(cString: $0) } ?? subs.first?.fingerprint ?? "",
            revoked: k.revoked != 0, expired: k.expired != 0, disabled: k.disabled != 0,
            invalid: k.invalid != 0, hasSecret: k.secret != 0,
            ownerTrustUltimate: k.owner_trust == GPGME_VALIDITY_ULTIMATE,
            userIDs: uids, subkeys: subs)
    }
}
