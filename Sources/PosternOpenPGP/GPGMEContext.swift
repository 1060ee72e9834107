import CGPGME

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Holds one `gpgme_ctx_t` for the length of one operation; `deinit` hands it back to
/// ``GPGMEContextPool`` for the next operation on the same keyring.
///
/// A context is not thread-safe, so it is never shared: every public operation of
/// ``PGPKeyring`` checks one out and lets it go when it returns. The class is
/// deliberately not `Sendable`.
final class GPGMEContext {
    let raw: gpgme_ctx_t
    private let homeDirectory: String?

    /// An OpenPGP context on the keyring in `homeDirectory` (or gpg's default,
    /// `$GNUPGHOME` / `~/.gnupg`, when nil), with ASCII armor and no way to prompt:
    /// an idle one from the pool, else a new one.
    init(homeDirectory: String?) throws {
        try GPGMELibrary.ensureInitialised()
        self.homeDirectory = homeDirectory
        if let pooled = GPGMEContextPool.shared.checkOut(home: homeDirectory) {
            raw = pooled
        } else {
            raw = try Self.makeRaw(homeDirectory: homeDirectory)
        }
        do {
            try configure()
        } catch {
            // Not handed back: a context that cannot be configured is not reused.
            gpgme_release(raw)
            throw error
        }
    }

    private static func makeRaw(homeDirectory: String?) throws -> gpgme_ctx_t {
        var ctx: gpgme_ctx_t?
        try checkGPGME(gpgme_new(&ctx), "cannot create a GPGME context")
        guard let ctx else {
            throw PGPError(code: .engineFailure, message: "GPGME returned no context")
        }
        do {
            try checkGPGME(gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP), "cannot select the OpenPGP protocol")
            if let homeDirectory {
                // Bind this context to the given keyring and nothing else. This runs
                // `gpg --version`, which is why contexts are pooled.
                try checkGPGME(
                    gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nil, homeDirectory),
                    "cannot use the keyring in \(homeDirectory)")
            }
        } catch {
            gpgme_release(ctx)
            throw error
        }
        return ctx
    }

    /// The per-use settings, applied again on every checkout so that nothing an earlier
    /// operation changed carries over.
    private func configure() throws {
        try checkGPGME(gpgme_set_protocol(raw, GPGME_PROTOCOL_OpenPGP), "cannot select the OpenPGP protocol")
        gpgme_signers_clear(raw)
        gpgme_set_armor(raw, 1)
        gpgme_set_textmode(raw, 0)  // sign the canonical CRLF bytes exactly as given
        gpgme_set_offline(raw, 1)  // never reach out to key servers or dirmngr
        try checkGPGME(
            gpgme_set_keylist_mode(raw, gpgme_keylist_mode_t(GPGME_KEYLIST_MODE_LOCAL)),
            "cannot set the key listing mode")
        // Loopback pinentry with a callback that always cancels: Postern has no source of
        // passphrases, so a protected key fails at once instead of opening a prompt.
        try checkGPGME(gpgme_set_pinentry_mode(raw, GPGME_PINENTRY_MODE_LOOPBACK), "cannot set the pinentry mode")
        gpgme_set_passphrase_cb(raw, cancellingPassphraseCallback, nil)
    }

    deinit {
        gpgme_signers_clear(raw)  // drop the key references an operation added
        GPGMEContextPool.shared.checkIn(raw, home: homeDirectory)
    }

    /// Adds `key` as a signer for the next signing operation.
    func setSigner(_ key: GPGMEKey) throws {
        gpgme_signers_clear(raw)
        try checkGPGME(gpgme_signers_add(raw, key.raw), code: .signingKeyMissing, "cannot use the signing key")
    }

    /// Looks keys up by primary fingerprint in one listing (one gpg run, in this context:
    /// unlike `gpgme_get_key`, which makes a context of its own and so probes the engine
    /// again). Keys the keyring does not hold are absent from the result.
    func keys(fingerprints: [String], secret: Bool) throws -> [String: GPGMEKey] {
        // Only well-formed fingerprints go to gpg: an empty pattern would list every key.
        let wanted = Set(fingerprints.map { $0.uppercased() }.filter(Self.isFingerprint))
        guard !wanted.isEmpty else { return [:] }
        var found: [String: GPGMEKey] = [:]
        for key in try listKeys(patterns: wanted.sorted(), secretOnly: secret) {
            guard let fpr = key.raw.pointee.fpr.map({ String(cString: $0).uppercased() }), wanted.contains(fpr)
            else { continue }
            if found[fpr] == nil { found[fpr] = key }
        }
        return found
    }

    /// 40 (v4) or 64 (v5/v6) upper-case hex digits.
    private static func isFingerprint(_ s: String) -> Bool {
        (s.utf8.count == 40 || s.utf8.count == 64)
            && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) }
    }

    /// Lists the keys that gpg matches for `pattern` (public, or with a secret part).
    func listKeys(pattern: String, secretOnly: Bool) throws -> [GPGMEKey] {
        try listKeys(patterns: [pattern], secretOnly: secretOnly)
    }

    /// Lists, in one gpg run, the keys that match any of `patterns`; gpg lists a key
    /// matched by several patterns once. An empty list lists nothing (gpg would list all).
    func listKeys(patterns: [String], secretOnly: Bool) throws -> [GPGMEKey] {
        guard !patterns.isEmpty else { return [] }
        let described = patterns.count == 1 ? patterns[0] : "\(patterns.count) patterns"
        // GPGME wants a NULL-terminated array of C strings; it copies them into gpg's
        // argument list, and they stay allocated until the listing ends anyway.
        let strings: [UnsafeMutablePointer<CChar>?] = patterns.map { strdup($0) }
        defer { for s in strings { free(s) } }
        guard !strings.contains(where: { $0 == nil }) else {
            throw PGPError(code: .engineFailure, message: "out of memory listing keys")
        }
        var array: [UnsafePointer<CChar>?] = strings.map { $0.map { UnsafePointer($0) } }
        array.append(nil)
        let start = gpgme_op_keylist_ext_start(raw, &array, secretOnly ? 1 : 0, 0)
        try checkGPGME(start, "cannot list keys for \(described)")
        var keys: [GPGMEKey] = []
        while true {
            var key: gpgme_key_t?
            let err = gpgme_op_keylist_next(raw, &key)
            if postern_gpgme_err_code(err) == postern_gpg_err_code_eof() { break }
            if postern_gpgme_err_code(err) != postern_gpg_err_code_no_error() {
                _ = gpgme_op_keylist_end(raw)
                throw PGPError.gpgme(err, "cannot list keys for \(described)")
            }
            if let key { keys.append(GPGMEKey(owning: key)) }
        }
        try checkGPGME(gpgme_op_keylist_end(raw), "cannot finish listing keys")
        return keys
    }
}

/// Owns one reference to a `gpgme_key_t`; `deinit` drops it.
final class GPGMEKey {
    let raw: gpgme_key_t
    init(owning raw: gpgme_key_t) { self.raw = raw }
    deinit { gpgme_key_unref(raw) }

    /// A plain-value copy of what key selection needs to know.
    var facts: KeyFacts { KeyFacts(raw) }
}

/// Never supplies a passphrase: answering anything on `prev_was_bad` would loop, and
/// guessing on the first call would be worse. Non-capturing so it converts to a C pointer.
private let cancellingPassphraseCallback: gpgme_passphrase_cb_t = { _, _, _, _, _ in
    postern_gpgme_error_canceled()
}
