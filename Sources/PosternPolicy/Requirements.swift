/// One element of the requirement lattice: what a set of policy parts demands together.
///
/// ``meet(_:)`` combines two elements tighten-only (CONTRACT §3.1); it is commutative,
/// associative and idempotent, and ``Requirements/unstated`` is its identity. Ranks inside
/// refer to the parts of the ``CompiledPolicy`` that produced the value.
struct Requirements: Hashable, Sendable {
    var security = ChoiceField<SecurityMode>.unstated
    var minTLS = AtLeastField.unstated
    var certificate = StatementField<CertificateDemand>.unstated
    /// Parts with a non-empty `pins` list; each one must be matched.
    var pinParts = RankSet.empty
    /// `require-pin`: states `true` / `false` as two "choices" of a Bool vocabulary.
    var requirePin = StatementField<PinDemand>.unstated
    var authMechanisms = ChoiceField<AuthMechanism>.unstated
    var overPlaintext = StatementField<OverPlaintext>.unstated
    var sign = StatementField<ProtectionLevel>.unstated
    var encrypt = StatementField<ProtectionLevel>.unstated
    var formats = ChoiceField<ProtectionFormat>.unstated
    var smimeCiphers = ChoiceField<SMIMECipher>.unstated
    var smimeDigests = ChoiceField<DigestAlgorithm>.unstated
    var minRSABits = AtLeastField.unstated
    var maxSize = AtMostField.unstated
    /// Parts with `senders`; every one must allow the sender.
    var senderParts = RankSet.empty
    /// Parts with `recipients.allow`; every one must allow each recipient.
    var recipientAllowParts = RankSet.empty
    /// Parts with `recipients.deny`; any one denies.
    var recipientDenyParts = RankSet.empty

    /// The identity of meet: nothing stated.
    static let unstated = Requirements()

    /// Tighten-only combination.
    func meet(_ other: Requirements) -> Requirements {
        var result = self
        result.formMeetOfBounds(other)
        result.pinParts = pinParts.meet(other.pinParts)
        result.senderParts = senderParts.meet(other.senderParts)
        result.recipientAllowParts = recipientAllowParts.meet(other.recipientAllowParts)
        result.recipientDenyParts = recipientDenyParts.meet(other.recipientDenyParts)
        return result
    }

    /// The meet of every field except the rank sets (pins, senders, recipients), in place.
    /// Touches no array, so it neither allocates nor retains.
    mutating func formMeetOfBounds(_ other: Requirements) {
        withUnsafePointer(to: other) { formMeetOfBounds($0) }
    }

    /// ``formMeetOfBounds(_:)`` reading `other.pointee` where it lies: no copy of the whole
    /// value (a memcpy and a retain of each rank set's array).
    mutating func formMeetOfBounds(_ other: UnsafePointer<Requirements>) {
        security = security.meet(other.pointee.security)
        minTLS = minTLS.meet(other.pointee.minTLS)
        certificate = certificate.meet(other.pointee.certificate)
        requirePin = requirePin.meet(other.pointee.requirePin)
        authMechanisms = authMechanisms.meet(other.pointee.authMechanisms)
        overPlaintext = overPlaintext.meet(other.pointee.overPlaintext)
        sign = sign.meet(other.pointee.sign)
        encrypt = encrypt.meet(other.pointee.encrypt)
        formats = formats.meet(other.pointee.formats)
        smimeCiphers = smimeCiphers.meet(other.pointee.smimeCiphers)
        smimeDigests = smimeDigests.meet(other.pointee.smimeDigests)
        minRSABits = minRSABits.meet(other.pointee.minRSABits)
        maxSize = maxSize.meet(other.pointee.maxSize)
    }

    /// Whether any rank set (pins, senders, recipients) is non-empty.
    var statesRankSets: Bool {
        !pinParts.isEmpty || !senderParts.isEmpty || !recipientAllowParts.isEmpty || !recipientDenyParts.isEmpty
    }

    /// What a document's top level or a rule states, tagged with its rank.
    init(stated source: PolicyRequirements, rank: Int) {
        let transport = source.transport
        let message = source.message
        let envelope = source.envelope
        if let value = transport.security?.value { security = .init(stating: value, rank: rank) }
        if let value = transport.minTLS?.value { minTLS = .init(value: value.ordinal, rank: rank) }
        if let value = transport.certificate?.value { certificate = .init(stating: value, rank: rank) }
        if let pins = transport.pins?.value, !pins.isEmpty { pinParts = RankSet(rank) }
        if let value = transport.requirePin?.value {
            requirePin = .init(stating: value ? .required : .notRequired, rank: rank)
        }
        if let value = transport.authMechanisms?.value { authMechanisms = .init(stating: value, rank: rank) }
        if let value = transport.overPlaintext?.value { overPlaintext = .init(stating: value, rank: rank) }
        if let value = message.sign?.value { sign = .init(stating: value, rank: rank) }
        if let value = message.encrypt?.value { encrypt = .init(stating: value, rank: rank) }
        if let value = message.formats?.value { formats = .init(stating: value, rank: rank) }
        if let value = message.smimeCiphers?.value { smimeCiphers = .init(stating: value, rank: rank) }
        if let value = message.smimeDigests?.value { smimeDigests = .init(stating: value, rank: rank) }
        if let value = message.minRSABits?.value { minRSABits = .init(value: value, rank: rank) }
        if let value = message.maxSize?.value { maxSize = .init(value: value, rank: rank) }
        if envelope.senders != nil { senderParts = RankSet(rank) }
        if envelope.recipientsAllow != nil { recipientAllowParts = RankSet(rank) }
        if envelope.recipientsDeny != nil { recipientDenyParts = RankSet(rank) }
    }

    init() {}

    // MARK: Effective values (the lattice element read as a decision)

    /// `required` wins over `optional`; `forbidden` against `required` is a conflict.
    static func level(_ field: StatementField<ProtectionLevel>) -> EffectiveLevel {
        switch (field.states(.required), field.states(.forbidden)) {
        case (true, true): return .conflict
        case (true, false): return .required
        case (false, true): return .forbidden
        case (false, false): return .optional
        }
    }

    var signLevel: EffectiveLevel { Self.level(sign) }
    var encryptLevel: EffectiveLevel { Self.level(encrypt) }
    /// A pin is required for STARTTLS when any part says so.
    var starttlsRequiresPin: Bool { requirePin.states(.required) }
    /// Credentials may cross plaintext only when some part allows it and none refuses.
    var authOverPlaintextAllowed: Bool { overPlaintext.states(.allow) && !overPlaintext.states(.refuse) }
    /// Chain and host name are checked unless the only demand stated is `pin-only`.
    var verifiesChain: Bool { certificate.states(.verify) || !certificate.states(.pinOnly) }
    /// Pins are matched against the leaf alone when any part demands `pin-only`.
    var pinsLeafOnly: Bool { certificate.states(.pinOnly) }
    /// The minimum TLS version (1.2 when nobody said).
    var minimumTLS: TLSVersion { minTLS.value >= TLSVersion.tls13.ordinal ? .tls13 : .tls12 }
}

/// `require-pin` as a two-value vocabulary, so it fits ``StatementField``.
enum PinDemand: String, PolicyChoice {
    case required = "true"
    case notRequired = "false"
}

/// The combined `sign` / `encrypt` level: the lattice of CONTRACT §3.1 with its conflict element.
public enum EffectiveLevel: String, Sendable, Hashable, Codable {
    /// Must be applied.
    case required
    /// Applied when asked for.
    case optional
    /// Must not be applied.
    case forbidden
    /// One part requires what another forbids: `policy-conflict`.
    case conflict
}
