/// The rules that decide which key may be used for an address. Pure: a function of key
/// snapshots, the trust model and the current time.
enum KeySelection {
    static let recipientMissing = "recipient-key-missing"
    static let recipientInvalid = "recipient-key-invalid"
    static let signingMissing = "signing-key-missing"

    /// Whether a user ID's address is the wanted one: the local part exactly, the domain
    /// case-insensitively (ASCII). Both must have the form `local@domain`.
    static func addressMatches(_ candidate: String, _ wanted: String) -> Bool {
        guard let c = splitAddress(candidate), let w = splitAddress(wanted) else { return false }
        return c.local == w.local && asciiLowercased(c.domain) == asciiLowercased(w.domain)
    }

    private static func splitAddress(_ address: String) -> (local: Substring, domain: Substring)? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        return (local, domain)
    }

    private static func asciiLowercased(_ s: Substring) -> [UInt8] {
        s.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
    }

    static func isExpired(_ expires: Int64, now: Int64) -> Bool { expires != 0 && expires <= now }

    /// The smallest elliptic curve accepted: 255 bits (Curve25519); NIST P-256 and brainpoolP256 pass.
    static let minimumCurveBits = 255

    /// Why a subkey's key material is too weak to use, or nil when it is strong enough.
    ///
    /// RSA, ElGamal and DSA need `minimumRSABits` (the policy's `min-rsa-bits`, 2048 by default,
    /// the same floor S/MIME applies); elliptic curves need ``minimumCurveBits``. An algorithm
    /// this code does not know is refused rather than trusted.
    static func weakness(of s: KeyFacts.Subkey, minimumRSABits: Int) -> String? {
        switch s.algorithm {
        case .rsa, .elgamal, .dsa:
            return s.bits < minimumRSABits
                ? "\(s.algorithm) key of \(s.bits) bits is below the minimum of \(minimumRSABits)" : nil
        case .ellipticCurve:
            return s.bits < minimumCurveBits
                ? "elliptic-curve key of \(s.bits) bits is below the minimum of \(minimumCurveBits)" : nil
        case .other(let number):
            return "public-key algorithm \(number) is not known to be strong"
        }
    }

    static func isUsableEncryptionSubkey(_ s: KeyFacts.Subkey, now: Int64, minimumRSABits: Int) -> Bool {
        isLiveEncryptionSubkey(s, now: now) && weakness(of: s, minimumRSABits: minimumRSABits) == nil
    }

    /// Encryption-capable and in force, whatever its strength.
    private static func isLiveEncryptionSubkey(_ s: KeyFacts.Subkey, now: Int64) -> Bool {
        s.canEncrypt && !s.revoked && !s.expired && !s.disabled && !s.invalid && !isExpired(s.expires, now: now)
    }

    static func isUsableSigningSubkey(_ s: KeyFacts.Subkey, now: Int64, minimumRSABits: Int) -> Bool {
        isLiveSigningSubkey(s, now: now) && weakness(of: s, minimumRSABits: minimumRSABits) == nil
    }

    private static func isLiveSigningSubkey(_ s: KeyFacts.Subkey, now: Int64) -> Bool {
        s.canSign && s.hasSecret && !s.revoked && !s.expired && !s.disabled && !s.invalid
            && !isExpired(s.expires, now: now)
    }

    /// Problems of the key as a whole, most serious first.
    private static func keyProblems(_ key: KeyFacts, now: Int64) -> [PGPKeyProblem.Reason] {
        var reasons: [PGPKeyProblem.Reason] = []
        if key.revoked { reasons.append(.revoked) }
        if key.expired || isExpired(key.subkeys.first?.expires ?? 0, now: now) { reasons.append(.expired) }
        if key.disabled { reasons.append(.disabled) }
        if key.invalid { reasons.append(.invalid) }
        return reasons
    }

    /// Why `key` may not encrypt to `address`; empty when it may.
    static func encryptionProblems(
        _ key: KeyFacts, address: String, trust: PGPTrustModel, now: Int64, minimumRSABits: Int
    ) -> [PGPKeyProblem.Reason] {
        var reasons = keyProblems(key, now: now)
        let uids = key.userIDs.filter { $0.address.map { addressMatches($0, address) } ?? false }
        if !uids.isEmpty, uids.allSatisfy({ $0.revoked }) { reasons.append(.revoked) }
        let live = uids.filter { !$0.revoked && !$0.invalid }
        if !uids.isEmpty, live.isEmpty, !reasons.contains(.revoked) { reasons.append(.invalid) }
        if !key.subkeys.contains(where: { isUsableEncryptionSubkey($0, now: now, minimumRSABits: minimumRSABits) }) {
            // A live subkey that is merely too small is named as such: the fix is a new key, not a renewal.
            let onlyWeak = key.subkeys.contains { isLiveEncryptionSubkey($0, now: now) }
            reasons.append(onlyWeak ? .weak : .noEncryptionSubkey)
        }
        if !live.isEmpty, !live.contains(where: { validityIsEnough($0.validity, key: key, trust: trust) }) {
            reasons.append(.untrusted)
        }
        return reasons
    }

    private static func validityIsEnough(_ validity: KeyValidity, key: KeyFacts, trust: PGPTrustModel) -> Bool {
        if validity == .never { return false }
        if trust == .always { return true }
        return validity >= .full || key.ownerTrustUltimate
    }

    /// Chooses the key for one recipient address among the keys gpg listed for it.
    static func resolveRecipient(
        address: String, candidates: [KeyFacts], trust: PGPTrustModel, now: Int64, minimumRSABits: Int = 2048
    ) -> PGPRecipientResolution {
        let matching = unique(
            candidates.filter { key in
                key.userIDs.contains { $0.address.map { addressMatches($0, address) } ?? false }
            })
        guard !matching.isEmpty else {
            return PGPRecipientResolution(
                address: address, key: nil,
                problem: PGPKeyProblem(
                    violationCode: recipientMissing, reason: .notFound,
                    detail: "no OpenPGP key in the keyring has a user ID with the address \(address)"))
        }
        let assessed = matching.map {
            ($0, encryptionProblems($0, address: address, trust: trust, now: now, minimumRSABits: minimumRSABits))
        }
        let usable = assessed.filter { $0.1.isEmpty }.map(\.0)
        if usable.count == 1, let key = usable.first {
            return PGPRecipientResolution(
                address: address, key: PGPKey(key, now: now, minimumRSABits: minimumRSABits), problem: nil)
        }
        if usable.count > 1 {
            return PGPRecipientResolution(
                address: address, key: nil,
                problem: PGPKeyProblem(
                    violationCode: recipientInvalid, reason: .ambiguous,
                    detail: "several usable keys carry \(address): "
                        + usable.map(\.fingerprint).joined(separator: ", ")))
        }
        let reason = assessed.first?.1.first ?? .invalid
        return PGPRecipientResolution(
            address: address, key: nil,
            problem: PGPKeyProblem(
                violationCode: recipientInvalid, reason: reason,
                detail: describe(assessed, minimumRSABits: minimumRSABits)))
    }

    /// Why `key` may not sign; empty when it may.
    static func signingProblems(_ key: KeyFacts, now: Int64, minimumRSABits: Int) -> [PGPKeyProblem.Reason] {
        var reasons = keyProblems(key, now: now)
        if !key.subkeys.contains(where: { isUsableSigningSubkey($0, now: now, minimumRSABits: minimumRSABits) }) {
            reasons.append(key.subkeys.contains { isLiveSigningSubkey($0, now: now) } ? .weak : .noSigningKey)
        }
        return reasons
    }

    /// Chooses the signing key among secret keys gpg listed for a selector; `address`
    /// narrows by user ID, `keyID` by a (sub)key fingerprint suffix.
    static func selectSigner(
        candidates: [KeyFacts], address: String?, keyID: String?, selector: String, now: Int64,
        minimumRSABits: Int = 2048
    ) -> Result<PGPKey, PGPKeyProblem> {
        let matching = unique(
            candidates.filter { key in
                if let address {
                    return key.userIDs.contains { uid in
                        !uid.revoked && (uid.address.map { addressMatches($0, address) } ?? false)
                    }
                }
                if let keyID {
                    return key.subkeys.contains { $0.fingerprint.uppercased().hasSuffix(keyID) }
                }
                return false
            })
        guard !matching.isEmpty else {
            return .failure(
                PGPKeyProblem(
                    violationCode: signingMissing, reason: .notFound,
                    detail: "no secret OpenPGP key matches \(selector)"))
        }
        let assessed = matching.map { ($0, signingProblems($0, now: now, minimumRSABits: minimumRSABits)) }
        let usable = assessed.filter { $0.1.isEmpty }.map(\.0)
        if usable.count == 1, let key = usable.first {
            return .success(PGPKey(key, now: now, minimumRSABits: minimumRSABits))
        }
        if usable.count > 1 {
            return .failure(
                PGPKeyProblem(
                    violationCode: signingMissing, reason: .ambiguous,
                    detail: "several usable signing keys match \(selector); name one by fingerprint: "
                        + usable.map(\.fingerprint).joined(separator: ", ")))
        }
        return .failure(
            PGPKeyProblem(
                violationCode: signingMissing, reason: assessed.first?.1.first ?? .invalid,
                detail: describe(assessed, minimumRSABits: minimumRSABits)))
    }

    /// Normalises a key ID or fingerprint given by a person: optional `0x`, hex only,
    /// 16 or 40 digits. Short 8-digit IDs are refused: they collide too easily.
    static func normalisedKeyID(_ text: String) -> String? {
        var s = Substring(text)
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        guard s.count == 16 || s.count == 40 || s.count == 64, s.allSatisfy(\.isHexDigit) else { return nil }
        return s.uppercased()
    }

    private static func unique(_ keys: [KeyFacts]) -> [KeyFacts] {
        var seen = Set<String>()
        return keys.filter { seen.insert($0.fingerprint).inserted }
    }

    private static func describe(
        _ assessed: [(KeyFacts, [PGPKeyProblem.Reason])], minimumRSABits: Int? = nil
    ) -> String {
        assessed.map { key, reasons in
            var text = "\(key.fingerprint): " + reasons.map(\.rawValue).joined(separator: ", ")
            if reasons.contains(.weak), let minimumRSABits,
                let why = key.subkeys.lazy.compactMap({ weakness(of: $0, minimumRSABits: minimumRSABits) }).first
            {
                text += " (\(why))"
            }
            return text
        }.joined(separator: "; ")
    }
}
