import CGPGME

/// Owns one `gpgme_ctx_t` for the length of one operation; `deinit` releases it.
///
/// A context is not thread-safe, so it is never shared: every public operation of
/// ``PGPKeyring`` makes its own and lets it go when it returns. The class is
/// deliberately not `Sendable`.
final class GPGMEContext {
    let raw: gpgme_ctx_t

    /// Creates an OpenPGP context on the keyring in `homeDirectory` (or gpg's default,
    /// `$GNUPGHOME` / `~/.gnupg`, when nil), with ASCII armor and no way to prompt.
    init(homeDirectory: String?) throws {
        try GPGMELibrary.ensureInitialised()
        var ctx: gpgme_ctx_t?
        try checkGPGME(gpgme_new(&ctx), "cannot create a GPGME context")
        guard let ctx else {
            throw PGPError(code: .engineFailure, message: "GPGME returned no context")
        }
        raw = ctx
        try checkGPGME(gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP), "cannot select the OpenPGP protocol")
        if let homeDirectory {
            // Bind this context to the given keyring and nothing else.
            try checkGPGME(
                gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nil, homeDirectory),
                "cannot use the keyring in \(homeDirectory)")
        }
        gpgme_set_armor(ctx, 1)
        gpgme_set_textmode(ctx, 0)  // sign the canonical CRLF bytes exactly as given
        gpgme_set_offline(ctx, 1)  // never reach out to key servers or dirmngr
        try checkGPGME(
            gpgme_set_keylist_mode(ctx, gpgme_keylist_mode_t(GPGME_KEYLIST_MODE_LOCAL)),
            "cannot set the key listing mode")
        // Loopback pinentry with a callback that always cancels: Postern has no source of
        // passphrases, so a protected key fails at once instead of opening a prompt.
        try checkGPGME(gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK), "cannot set the pinentry mode")
        gpgme_set_passphrase_cb(ctx, cancellingPassphraseCallback, nil)
    }

    deinit {
        gpgme_release(raw)
    }

    /// Adds `key` as a signer for the next signing operation.
    func setSigner(_ key: GPGMEKey) throws {
        gpgme_signers_clear(raw)
        try checkGPGME(gpgme_signers_add(raw, key.raw), code: .signingKeyMissing, "cannot use the signing key")
    }

    /// Looks up one key by fingerprint; nil when the keyring does not hold it.
    func key(fingerprint: String, secret: Bool) throws -> GPGMEKey? {
        var key: gpgme_key_t?
        let err = gpgme_get_key(raw, fingerprint, &key, secret ? 1 : 0)
        let code = postern_gpgme_err_code(err)
        if code == postern_gpg_err_code_eof() || code == UInt32(GPG_ERR_NOT_FOUND.rawValue) {
            return nil
        }
        try checkGPGME(err, "cannot look up key \(fingerprint)")
        return key.map(GPGMEKey.init(owning:))
    }

    /// Lists the keys that gpg matches for `pattern` (public, or with a secret part).
    func listKeys(pattern: String, secretOnly: Bool) throws -> [GPGMEKey] {
        try checkGPGME(gpgme_op_keylist_start(raw, pattern, secretOnly ? 1 : 0), "cannot list keys for \(pattern)")
        var keys: [GPGMEKey] = []
        while true {
            var key: gpgme_key_t?
            let err = gpgme_op_keylist_next(raw, &key)
            if postern_gpgme_err_code(err) == postern_gpg_err_code_eof() { break }
            if postern_gpgme_err_code(err) != postern_gpg_err_code_no_error() {
                _ = gpgme_op_keylist_end(raw)
                throw PGPError.gpgme(err, "cannot list keys for \(pattern)")
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
