extension CompiledPolicy {
    /// Evaluates one checkpoint for one send. Pure; never throws for a policy outcome.
    ///
    /// For repeated checkpoints of the same send, ``resolve(_:)`` once and call
    /// ``ResolvedPolicy/evaluate(_:facts:)``, which does not re-match the rules.
    public func evaluate(_ stage: Stage, facts: Facts, context: SendContext) -> Decision {
        resolve(context).evaluate(stage, facts: facts)
    }

    /// The transport modes that may be tried for this send, most preferred first.
    public func allowedSecurityModes(for context: SendContext) -> [SecurityMode] {
        resolve(context).allowedSecurityModes
    }
}

extension ResolvedPolicy {
    // MARK: Effective values for the submit stage

    /// Modes that may be tried, most preferred first (empty: nothing is allowed).
    public var allowedSecurityModes: [SecurityMode] { requirements.security.preferenceList }
    /// The mode to use: the requested one when allowed, else the most preferred; nil when none may be used.
    public func securityMode(requested: SecurityMode?) -> SecurityMode? {
        guard let requested else { return requirements.security.mostPreferred }
        return requirements.security.allows(requested) ? requested : nil
    }
    /// The lowest TLS version to accept.
    public var minimumTLSVersion: TLSVersion { requirements.minimumTLS }
    /// Whether the chain and host name must be verified.
    ///
    /// - Important: When false (`pin-only`), the leaf's pin is the server's only identity.
    public var verifiesCertificateChain: Bool { requirements.verifiesChain }
    /// Whether pins are matched against the leaf alone (`pin-only` anywhere).
    public var pinsMatchLeafOnly: Bool { requirements.pinsLeafOnly }
    /// One pin set per part that pins; the server must match one pin of EACH set.
    public var pinSets: [[SPKIPin]] {
        requirements.pinParts.ranks.map { parts[$0].source.transport.pins?.value ?? [] }
    }
    /// Whether STARTTLS needs a pin.
    public var starttlsRequiresPin: Bool { requirements.starttlsRequiresPin }
    /// AUTH mechanisms allowed, most preferred first.
    public var allowedAuthMechanisms: [AuthMechanism] { requirements.authMechanisms.preferenceList }
    /// Whether credentials may be sent without TLS.
    public var authOverPlaintextAllowed: Bool { requirements.authOverPlaintextAllowed }
    /// The combined signing level.
    public var signLevel: EffectiveLevel { requirements.signLevel }
    /// The combined encryption level.
    public var encryptLevel: EffectiveLevel { requirements.encryptLevel }
    /// Protection formats allowed, most preferred first.
    public var allowedFormats: [ProtectionFormat] { requirements.formats.preferenceList }
    /// S/MIME content ciphers allowed, most preferred first.
    public var allowedSMIMECiphers: [SMIMECipher] { requirements.smimeCiphers.preferenceList }
    /// S/MIME digests allowed, most preferred first.
    public var allowedSMIMEDigests: [DigestAlgorithm] { requirements.smimeDigests.preferenceList }
    /// Smallest acceptable RSA modulus in bits.
    public var minimumRSABits: Int { max(requirements.minRSABits.value, 0) }
    /// Largest message in bytes; nil when unlimited.
    public var maximumMessageSize: UInt64? { requirements.maxSize.isStated ? requirements.maxSize.value : nil }

    // MARK: Evaluation

    /// Evaluates the checkpoint `stage` given what is known. Pure, and allocation-free when it allows.
    ///
    /// - Important: At the `tls` stage a fact left nil (trust, host name, version) counts as
    ///   failed: the submit stage must establish it before asking. Elsewhere nil facts are
    ///   not judged.
    public func evaluate(_ stage: Stage, facts: Facts) -> Decision {
        var found: [Violation] = []
        switch stage {
        case .policy:
            checkConflicts(stage, into: &found)
            checkEnvelope(stage, senderRequired: false, into: &found)
        case .connect:
            checkConnect(facts, into: &found)
        case .tls:
            checkTLS(facts, into: &found)
        case .ehlo:
            checkEHLO(facts, into: &found)
        case .auth:
            checkAuth(facts, into: &found)
        case .envelope:
            checkEnvelope(stage, senderRequired: true, into: &found)
            checkSize(stage, facts, into: &found)
        case .protection:
            checkProtection(facts, into: &found)
        case .data:
            checkSize(stage, facts, into: &found)
        }
        return found.isEmpty ? .allow : .deny(found)
    }

    // MARK: Provenance

    func violation(_ code: ViolationCode, _ stage: Stage, rank: Int?, field: PolicyField, _ message: String)
        -> Violation
    {
        guard let rank, rank >= 0, rank < parts.count else {
            return Violation(code: code, stage: stage, rule: nil, source: nil, message: message)
        }
        return Violation(
            code: code, stage: stage, rule: parts[rank].name, source: parts[rank].source(of: field), message: message)
    }

    /// The lowest-ranked applicable part for which `excludes` holds (slow path, on violation only).
    func blame(_ excludes: (CompiledPart) -> Bool) -> Int? {
        let host = context.serverHost
        return parts.indices.first { parts[$0].applies(to: context, host: host) && excludes(parts[$0]) }
    }

    func blameChoice<C: PolicyChoice>(_ value: C, _ field: KeyPath<Requirements, ChoiceField<C>>) -> Int? {
        blame { part in
            let choice = part.requirements[keyPath: field]
            return choice.isStated && !choice.allows(value)
        }
    }

    func name(_ rank: Int?) -> String {
        guard let rank, rank >= 0, rank < parts.count else { return "the policy" }
        return parts[rank].isRule ? "rule '\(parts[rank].name)'" : "policy '\(parts[rank].name)'"
    }

    // MARK: Checks

    func checkConflicts(_ stage: Stage, into found: inout [Violation]) {
        // Two explicit calls rather than a loop over an array literal: the allow path must not allocate.
        checkLevelConflict(requirements.sign, field: .sign, what: "signing", stage, into: &found)
        checkLevelConflict(requirements.encrypt, field: .encrypt, what: "encryption", stage, into: &found)
        if requirements.security.isEmpty {
            found.append(
                violation(
                    .policyConflict, stage, rank: requirements.security.orderRank, field: .security,
                    "no connection security mode is allowed by every part of the policy"))
        }
        if requirements.formats.isEmpty
            && (requirements.signLevel == .required || requirements.encryptLevel == .required)
        {
            found.append(
                violation(
                    .policyConflict, stage, rank: requirements.formats.orderRank, field: .formats,
                    "protection is required but no format is allowed by every part of the policy"))
        }
    }

    private func checkLevelConflict(
        _ statement: StatementField<ProtectionLevel>, field: PolicyField, what: String, _ stage: Stage,
        into found: inout [Violation]
    ) {
        guard Requirements.level(statement) == .conflict else { return }
        let required = statement.rank(of: .required)
        let forbidden = statement.rank(of: .forbidden)
        found.append(
            violation(
                .policyConflict, stage, rank: forbidden, field: field,
                "\(name(required)) requires \(what) and \(name(forbidden)) forbids it"
                    + (required.map { " (\(parts[$0].source(of: field)))" } ?? "")))
    }

    /// Whether ``checkEnvelope(_:senderRequired:into:)`` finds anything: the same tests,
    /// list by list rather than recipient by recipient, without building messages.
    func envelopeMayViolate(senderRequired: Bool) -> Bool {
        parts.withUnsafeBufferPointer { parts in
            if let sender = context.sender {
                for rank in requirements.senderParts.ranks {
                    if let globs = parts[rank].senders, !globs.matches(address: sender) {
                        return true
                    }
                }
            } else if senderRequired && !requirements.senderParts.isEmpty {
                return true
            }
            for rank in requirements.recipientAllowParts.ranks {
                guard let globs = parts[rank].recipientsAllow else { continue }
                for recipient in context.recipients where !globs.matches(address: recipient) { return true }
            }
            for rank in requirements.recipientDenyParts.ranks {
                guard let globs = parts[rank].recipientsDeny else { continue }
                for recipient in context.recipients where globs.matches(address: recipient) { return true }
            }
            return false
        }
    }

    func checkEnvelope(_ stage: Stage, senderRequired: Bool, into found: inout [Violation]) {
        // The allow path stops here; the loop below keeps the violations in recipient order.
        guard envelopeMayViolate(senderRequired: senderRequired) else { return }
        if let sender = context.sender {
            for rank in requirements.senderParts.ranks {
                if let globs = parts[rank].source.envelope.senders?.value, !globs.matches(address: sender) {
                    found.append(
                        violation(
                            .senderNotAllowed, stage, rank: rank, field: .senders,
                            "sender \(sender) is not allowed by \(name(rank))"))
                }
            }
        } else if senderRequired, let rank = requirements.senderParts.ranks.first {
            found.append(
                violation(
                    .senderNotAllowed, stage, rank: rank, field: .senders,
                    "no envelope sender; \(name(rank)) restricts senders"))
        }
        for recipient in context.recipients {
            for rank in requirements.recipientAllowParts.ranks {
                if let globs = parts[rank].source.envelope.recipientsAllow?.value, !globs.matches(address: recipient) {
                    found.append(
                        violation(
                            .recipientNotAllowed, stage, rank: rank, field: .recipientsAllow,
                            "recipient \(recipient) is not allowed by \(name(rank))"))
                }
            }
            for rank in requirements.recipientDenyParts.ranks {
                if let globs = parts[rank].source.envelope.recipientsDeny?.value, globs.matches(address: recipient) {
                    found.append(
                        violation(
                            .recipientNotAllowed, stage, rank: rank, field: .recipientsDeny,
                            "recipient \(recipient) is denied by \(name(rank))"))
                }
            }
        }
    }

    func checkConnect(_ facts: Facts, into found: inout [Violation]) {
        let security = requirements.security
        if security.isEmpty {
            found.append(
                violation(
                    .policyConflict, .connect, rank: security.orderRank, field: .security,
                    "no connection security mode is allowed by every part of the policy"))
            return
        }
        let mode: SecurityMode
        if let requested = facts.requestedSecurity {
            guard security.allows(requested) else {
                let rank = blameChoice(requested, \.security)
                switch requested {
                case .plaintext:
                    found.append(
                        violation(
                            .plaintextNotAllowed, .connect, rank: rank, field: .security,
                            "a plaintext connection is not allowed by \(name(rank))"))
                case .starttls where security.allows(.implicitTLS):
                    found.append(
                        violation(
                            .implicitTLSRequired, .connect, rank: rank, field: .security,
                            "STARTTLS was asked for but \(name(rank)) allows only implicit TLS"))
                default:
                    found.append(
                        violation(
                            .securityModeNotAllowed, .connect, rank: rank, field: .security,
                            "\(requested.rawValue) is not allowed by \(name(rank))"))
                }
                return
            }
            mode = requested
        } else {
            guard let preferred = security.mostPreferred else { return }
            mode = preferred
        }
        if mode == .starttls && requirements.starttlsRequiresPin && requirements.pinParts.isEmpty {
            let rank = requirements.requirePin.rank(of: .required)
            found.append(
                violation(
                    .pinRequired, .connect, rank: rank, field: .requirePin,
                    "\(name(rank)) allows STARTTLS only with a pin, and no pin is configured for this server"))
        }
        if mode != .plaintext && requirements.pinsLeafOnly && requirements.pinParts.isEmpty {
            let rank = requirements.certificate.rank(of: .pinOnly)
            found.append(
                violation(
                    .pinRequired, .connect, rank: rank, field: .certificate,
                    "\(name(rank)) sets certificate: pin-only, and no pin is configured for this server"))
        }
    }

    func checkTLS(_ facts: Facts, into found: inout [Violation]) {
        if facts.preTLSBytesSeen {
            found.append(
                Violation(
                    code: .responseInjection, stage: .tls, rule: nil, source: nil,
                    message: "the server sent bytes after the STARTTLS 220 reply and before the TLS handshake"))
        }
        if facts.tlsHandshakeFailed {
            found.append(
                Violation(
                    code: .tlsHandshakeFailed, stage: .tls, rule: nil, source: nil,
                    message: "no TLS session could be established"))
            return
        }
        let minimum = requirements.minimumTLS
        if facts.tlsVersion.map({ $0 < minimum }) ?? true {
            let rank = requirements.minTLS.rank
            found.append(
                violation(
                    .tlsVersionTooLow, .tls, rank: rank, field: .minTLS,
                    "negotiated TLS \(facts.tlsVersion?.rawValue ?? "version unknown"); \(name(rank)) requires at least \(minimum.rawValue)"
                ))
        }
        if requirements.verifiesChain {
            let rank = requirements.certificate.rank(of: .verify)
            if facts.certificateTrusted != true {
                found.append(
                    violation(
                        .certificateUntrusted, .tls, rank: rank, field: .certificate,
                        "the server certificate does not chain to a trust anchor"))
            }
            if facts.certificateExpired ?? false {
                found.append(
                    violation(
                        .certificateExpired, .tls, rank: rank, field: .certificate,
                        "the server certificate is outside its validity period"))
            }
            if facts.hostnameMatches != true {
                found.append(
                    violation(
                        .hostnameMismatch, .tls, rank: rank, field: .certificate,
                        "the server certificate does not name \(context.serverHost ?? "the server")"))
            }
        }
        let leafOnly = requirements.pinsLeafOnly
        if leafOnly && requirements.pinParts.isEmpty {
            let rank = requirements.certificate.rank(of: .pinOnly)
            found.append(
                violation(
                    .pinRequired, .tls, rank: rank, field: .certificate,
                    "\(name(rank)) sets certificate: pin-only, and no pin is configured"))
        }
        for rank in requirements.pinParts.ranks {
            guard let pins = parts[rank].source.transport.pins?.value else { continue }
            var matched = false
            if let leaf = facts.leafPin, pins.contains(leaf) { matched = true }
            if !matched && !leafOnly {
                for presented in facts.chainPins where pins.contains(presented) {
                    matched = true
                    break
                }
            }
            if !matched {
                found.append(
                    violation(
                        .pinMismatch, .tls, rank: rank, field: .pins,
                        "the server's \(leafOnly ? "leaf key" : "certificate chain") matches none of the pins of \(name(rank))"
                    ))
            }
        }
    }

    func checkEHLO(_ facts: Facts, into found: inout [Violation]) {
        let mode = facts.activeSecurity ?? facts.requestedSecurity ?? requirements.security.mostPreferred
        if mode == .starttls && facts.starttlsOffered == false {
            found.append(
                Violation(
                    code: .starttlsUnavailable, stage: .ehlo, rule: nil, source: nil,
                    message: "the server did not offer STARTTLS, which is the connection mode"))
        }
        if facts.authRequested, let offered = facts.authMechanismsOffered,
            !offered.contains(where: { requirements.authMechanisms.allows($0) })
        {
            let rank = requirements.authMechanisms.orderRank
            found.append(
                violation(
                    .authMechanismNotAllowed, .ehlo, rank: rank, field: .authMechanisms,
                    "no AUTH mechanism offered by the server is allowed by the policy"))
        }
    }

    func checkAuth(_ facts: Facts, into found: inout [Violation]) {
        if facts.connectionEncrypted != true && !requirements.authOverPlaintextAllowed {
            let rank = requirements.overPlaintext.rank(of: .refuse)
            found.append(
                violation(
                    .authOverPlaintext, .auth, rank: rank, field: .overPlaintext,
                    "credentials would be sent on an unencrypted connection"))
        }
        if let chosen = facts.authMechanismChosen {
            if !requirements.authMechanisms.allows(chosen) {
                let rank = blameChoice(chosen, \.authMechanisms)
                found.append(
                    violation(
                        .authMechanismNotAllowed, .auth, rank: rank, field: .authMechanisms,
                        "AUTH \(chosen.rawValue) is not allowed by \(name(rank))"))
            }
        } else if let offered = facts.authMechanismsOffered,
            !offered.contains(where: { requirements.authMechanisms.allows($0) })
        {
            let rank = requirements.authMechanisms.orderRank
            found.append(
                violation(
                    .authMechanismNotAllowed, .auth, rank: rank, field: .authMechanisms,
                    "no AUTH mechanism offered by the server is allowed by the policy"))
        }
    }

    func checkProtection(_ facts: Facts, into found: inout [Violation]) {
        checkConflicts(.protection, into: &found)
        checkLevel(
            requirements.sign, field: .sign, requested: facts.requestedSign, missing: .signingRequired,
            what: "signing", into: &found)
        checkLevel(
            requirements.encrypt, field: .encrypt, requested: facts.requestedEncrypt, missing: .encryptionRequired,
            what: "encryption", into: &found)
        if facts.requestedSign != nil && facts.signingKeyAvailable == false {
            found.append(
                Violation(
                    code: .signingKeyMissing, stage: .protection, rule: nil, source: nil,
                    message: "no usable signing key"))
        }
        if facts.requestedEncrypt != nil || requirements.encryptLevel == .required {
            let rank = requirements.encrypt.rank(of: .required)
            for recipient in facts.recipientsWithoutKey {
                found.append(
                    violation(
                        .recipientKeyMissing, .protection, rank: rank, field: .encrypt,
                        "no usable key or certificate for recipient \(recipient)"))
            }
            for recipient in facts.recipientsWithInvalidKey {
                found.append(
                    violation(
                        .recipientKeyInvalid, .protection, rank: rank, field: .encrypt,
                        "the key of recipient \(recipient) is expired, revoked, untrusted, too weak or lacks the usage")
                )
            }
        }
        let usesSMIME = facts.requestedSign == .smime || facts.requestedEncrypt == .smime
        if usesSMIME {
            if let cipher = facts.smimeCipher, facts.requestedEncrypt == .smime,
                !requirements.smimeCiphers.allows(cipher)
            {
                let rank = blameChoice(cipher, \.smimeCiphers)
                found.append(
                    violation(
                        .cipherNotAllowed, .protection, rank: rank, field: .smimeCipher,
                        "S/MIME cipher \(cipher.rawValue) is not allowed by \(name(rank))"))
            }
            if let digest = facts.smimeDigest, facts.requestedSign == .smime, !requirements.smimeDigests.allows(digest)
            {
                let rank = blameChoice(digest, \.smimeDigests)
                found.append(
                    violation(
                        .cipherNotAllowed, .protection, rank: rank, field: .smimeDigest,
                        "S/MIME digest \(digest.rawValue) is not allowed by \(name(rank))"))
            }
            if let bits = facts.weakestRSABits, bits < requirements.minRSABits.value {
                let rank = requirements.minRSABits.rank
                found.append(
                    violation(
                        .recipientKeyInvalid, .protection, rank: rank, field: .minRSABits,
                        "an RSA key of \(bits) bits is below the \(requirements.minRSABits.value) bits \(name(rank)) requires"
                    ))
            }
        }
    }

    private func checkLevel(
        _ statement: StatementField<ProtectionLevel>, field: PolicyField, requested: ProtectionFormat?,
        missing: ViolationCode, what: String, into found: inout [Violation]
    ) {
        switch Requirements.level(statement) {
        case .conflict:
            return  // reported by checkConflicts
        case .required where requested == nil:
            let rank = statement.rank(of: .required)
            found.append(
                violation(
                    missing, .protection, rank: rank, field: field,
                    "\(name(rank)) requires \(what), and none was requested"))
        case .forbidden where requested != nil:
            let rank = statement.rank(of: .forbidden)
            found.append(
                violation(
                    .formatNotAllowed, .protection, rank: rank, field: field,
                    "\(name(rank)) forbids \(what)"))
        default:
            break
        }
        if let format = requested, !requirements.formats.allows(format) {
            let rank = blameChoice(format, \.formats)
            found.append(
                violation(
                    .formatNotAllowed, .protection, rank: rank, field: .formats,
                    "\(what) with \(format.rawValue) is not allowed by \(name(rank))"))
        }
    }

    func checkSize(_ stage: Stage, _ facts: Facts, into found: inout [Violation]) {
        if let size = facts.messageSize, size > requirements.maxSize.value {
            let rank = requirements.maxSize.rank
            found.append(
                violation(
                    .messageTooLarge, stage, rank: rank, field: .maxSize,
                    "the message is \(size) bytes; \(name(rank)) allows at most \(requirements.maxSize.value)"))
        }
    }
}
