extension PGPKeyring {
    /// Finds the one usable encryption key for each address.
    ///
    /// A key is usable when a user ID carries exactly the address (local part exactly,
    /// domain case-insensitively), neither key nor user ID is revoked, expired, disabled or
    /// invalid, a valid encryption-capable subkey of at least ``minimumRSABits`` (RSA, ElGamal,
    /// DSA) or 255 bits (elliptic curves) exists, and the user ID's validity is
    /// enough for ``trustModel``. Two different usable keys for one address are refused
    /// as ambiguous. Results come in the order of `addresses`.
    ///
    /// - Returns: one ``PGPRecipientResolution`` per address; problems carry the contract
    ///   codes `recipient-key-missing` or `recipient-key-invalid`.
    /// - Throws: ``PGPError`` only when the keyring cannot be read.
    public func resolveRecipients(_ addresses: [String]) throws -> [PGPRecipientResolution] {
        let ctx = try makeContext()
        let now = now()
        // One gpg run for all addresses. Selection keeps only keys with a user ID for the
        // address (KeySelection.resolveRecipient filters by it), so handing every address
        // the whole listing picks the same keys, in the same keyring order, as listing
        // each address on its own did.
        var seen = Set<String>()
        let patterns = addresses.map { "<\($0)>" }.filter { seen.insert($0).inserted }
        let listed = try ctx.listKeys(patterns: patterns, secretOnly: false).map(\.facts)
        return addresses.map { address in
            KeySelection.resolveRecipient(
                address: address, candidates: listed, trust: trustModel, now: now, minimumRSABits: minimumRSABits)
        }
    }

    /// Finds the signing key named by `selector`: an address when it contains "@",
    /// otherwise a key ID (16 hex digits) or fingerprint (40), optionally with `0x` — the
    /// forms `--pgp-signer` accepts.
    ///
    /// The key must have a valid, unexpired, unrevoked signing-capable subkey whose secret
    /// part is in the keyring. By address, exactly one such key must exist.
    ///
    /// - Throws: ``PGPError`` with code `signing-key-missing` (the message says why), or
    ///   `invalid-input` for a malformed key ID.
    public func selectSigner(_ selector: String) throws -> PGPKey {
        if selector.contains("@") {
            return try selectSigner(address: selector)
        }
        return try selectSigner(keyID: selector)
    }

    /// Finds the one usable signing key with a user ID for `address`.
    public func selectSigner(address: String) throws -> PGPKey {
        let ctx = try makeContext()
        let candidates = try ctx.listKeys(pattern: "<\(address)>", secretOnly: true).map(\.facts)
        return try KeySelection.selectSigner(
            candidates: candidates, address: address, keyID: nil, selector: address, now: now(),
            minimumRSABits: minimumRSABits
        ).get(asError: .signingKeyMissing)
    }

    /// Finds the usable signing key with this key ID or fingerprint. Short (8-digit) key
    /// IDs are refused: they collide too easily.
    public func selectSigner(keyID: String) throws -> PGPKey {
        guard let id = KeySelection.normalisedKeyID(keyID) else {
            throw PGPError(
                code: .invalidInput,
                message: "\"\(keyID)\" is not a 16-digit key ID or a fingerprint")
        }
        let ctx = try makeContext()
        let candidates = try ctx.listKeys(pattern: id, secretOnly: true).map(\.facts)
        return try KeySelection.selectSigner(
            candidates: candidates, address: nil, keyID: id, selector: keyID, now: now(),
            minimumRSABits: minimumRSABits
        ).get(asError: .signingKeyMissing)
    }

    /// Looks keys up again inside an operation's context, all in one listing, and checks
    /// each is still fit for encryption (not revoked or expired since it was chosen, a
    /// usable encryption subkey). Results come in the order of `keys`.
    func reloadForEncryption(_ keys: [PGPKey], in ctx: GPGMEContext) throws -> [GPGMEKey] {
        let loaded = try ctx.keys(fingerprints: keys.map(\.fingerprint), secret: false)
        return try keys.map { key in
            guard let found = loaded[key.fingerprint.uppercased()] else {
                throw PGPError(
                    code: .recipientKeyMissing, message: "key \(key.fingerprint) is no longer in the keyring")
            }
            try checkStillEncrypts(found.facts, fingerprint: key.fingerprint)
            return found
        }
    }

    private func checkStillEncrypts(_ facts: KeyFacts, fingerprint: String) throws {
        var problems = KeySelection.signingProblems(facts, now: now(), minimumRSABits: minimumRSABits)
            .filter { $0 != .noSigningKey && $0 != .weak }
        if !facts.subkeys.contains(where: {
            KeySelection.isUsableEncryptionSubkey($0, now: now(), minimumRSABits: minimumRSABits)
        }) {
            problems.append(.noEncryptionSubkey)
        }
        guard problems.isEmpty else {
            throw PGPError(
                code: .recipientKeyInvalid,
                message: "key \(fingerprint) cannot encrypt: "
                    + problems.map(\.rawValue).joined(separator: ", "))
        }
    }

    /// Looks the signing key up again (with its secret part) and checks it still may sign.
    func reloadForSigning(_ key: PGPKey, in ctx: GPGMEContext) throws -> GPGMEKey {
        guard let loaded = try ctx.keys(fingerprints: [key.fingerprint], secret: true)[key.fingerprint.uppercased()]
        else {
            throw PGPError(code: .signingKeyMissing, message: "no secret key \(key.fingerprint) in the keyring")
        }
        let problems = KeySelection.signingProblems(loaded.facts, now: now(), minimumRSABits: minimumRSABits)
        guard problems.isEmpty else {
            throw PGPError(
                code: .signingKeyMissing,
                message: "key \(key.fingerprint) cannot sign: " + problems.map(\.rawValue).joined(separator: ", "))
        }
        return loaded
    }
}

extension Result where Failure == PGPKeyProblem {
    func get(asError code: PGPError.Code) throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let problem):
            throw PGPError(code: code, message: "\(problem.reason): \(problem.detail)")
        }
    }
}
