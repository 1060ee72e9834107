/// Each requirement a policy can state, named as in the YAML schema.
public enum PolicyField: String, Sendable, Hashable, Codable, CaseIterable {
    /// `transport.security`: allowed connection modes.
    case security = "transport.security"
    /// `transport.min-tls`.
    case minTLS = "transport.min-tls"
    /// `transport.certificate`.
    case certificate = "transport.certificate"
    /// `transport.pins`.
    case pins = "transport.pins"
    /// `transport.starttls.require-pin`.
    case requirePin = "transport.starttls.require-pin"
    /// `transport.auth.mechanisms`.
    case authMechanisms = "transport.auth.mechanisms"
    /// `transport.auth.over-plaintext`.
    case overPlaintext = "transport.auth.over-plaintext"
    /// `message.sign`.
    case sign = "message.sign"
    /// `message.encrypt`.
    case encrypt = "message.encrypt"
    /// `message.formats`.
    case formats = "message.formats"
    /// `message.smime.cipher`.
    case smimeCipher = "message.smime.cipher"
    /// `message.smime.digest`.
    case smimeDigest = "message.smime.digest"
    /// `message.smime.min-rsa-bits`.
    case minRSABits = "message.smime.min-rsa-bits"
    /// `message.max-size`.
    case maxSize = "message.max-size"
    /// `envelope.senders`.
    case senders = "envelope.senders"
    /// `envelope.recipients.allow`.
    case recipientsAllow = "envelope.recipients.allow"
    /// `envelope.recipients.deny`.
    case recipientsDeny = "envelope.recipients.deny"
}

extension PolicyRequirements {
    /// Where `field` was stated, or nil when it was not.
    func location(of field: PolicyField) -> SourceLocation? {
        switch field {
        case .security: return transport.security?.location
        case .minTLS: return transport.minTLS?.location
        case .certificate: return transport.certificate?.location
        case .pins: return transport.pins?.location
        case .requirePin: return transport.requirePin?.location
        case .authMechanisms: return transport.authMechanisms?.location
        case .overPlaintext: return transport.overPlaintext?.location
        case .sign: return message.sign?.location
        case .encrypt: return message.encrypt?.location
        case .formats: return message.formats?.location
        case .smimeCipher: return message.smimeCiphers?.location
        case .smimeDigest: return message.smimeDigests?.location
        case .minRSABits: return message.minRSABits?.location
        case .maxSize: return message.maxSize?.location
        case .senders: return envelope.senders?.location
        case .recipientsAllow: return envelope.recipientsAllow?.location
        case .recipientsDeny: return envelope.recipientsDeny?.location
        }
    }

    /// The stated value of `field` as JSON, or nil when it was not stated.
    func jsonValue(of field: PolicyField) -> JSONValue? {
        func list<C: PolicyChoice>(_ values: [C]?) -> JSONValue? {
            values.map { .array($0.map { .string($0.rawValue) }) }
        }
        func globs(_ values: GlobList?) -> JSONValue? { values.map { .array($0.globs.map { .string($0.pattern) }) } }
        switch field {
        case .security: return list(transport.security?.value)
        case .minTLS: return transport.minTLS.map { .string($0.value.rawValue) }
        case .certificate: return transport.certificate.map { .string($0.value.rawValue) }
        case .pins: return transport.pins.map { .array($0.value.map { .string($0.description) }) }
        case .requirePin: return transport.requirePin.map { .bool($0.value) }
        case .authMechanisms: return list(transport.authMechanisms?.value)
        case .overPlaintext: return transport.overPlaintext.map { .string($0.value.rawValue) }
        case .sign: return message.sign.map { .string($0.value.rawValue) }
        case .encrypt: return message.encrypt.map { .string($0.value.rawValue) }
        case .formats: return list(message.formats?.value)
        case .smimeCipher: return list(message.smimeCiphers?.value)
        case .smimeDigest: return list(message.smimeDigests?.value)
        case .minRSABits: return message.minRSABits.map { .int($0.value) }
        case .maxSize: return message.maxSize.map { .int(Int(clamping: $0.value)) }
        case .senders: return globs(envelope.senders?.value)
        case .recipientsAllow: return globs(envelope.recipientsAllow?.value)
        case .recipientsDeny: return globs(envelope.recipientsDeny?.value)
        }
    }

    /// Fills every field a policy's top level does not state with the RFC 8314 baseline value
    /// (CONTRACT §3.5), placed at `location`; returns the fields so filled.
    ///
    /// - Important: This is what makes an unstated field fail closed: a layer that says
    ///   nothing about `security` still forbids plaintext.
    func fillingDefaults(at location: SourceLocation) -> (PolicyRequirements, Set<PolicyField>) {
        var filled = self
        var defaulted: Set<PolicyField> = []
        func fill<V>(_ keyPath: WritableKeyPath<PolicyRequirements, Located<V>?>, _ value: V, _ field: PolicyField) {
            if filled[keyPath: keyPath] == nil {
                filled[keyPath: keyPath] = Located(value, at: location)
                defaulted.insert(field)
            }
        }
        fill(\.transport.security, [.implicitTLS, .starttls], .security)
        fill(\.transport.minTLS, .tls12, .minTLS)
        fill(\.transport.certificate, .verify, .certificate)
        fill(\.transport.requirePin, false, .requirePin)
        fill(\.transport.authMechanisms, [.scramSHA256, .plain, .login, .xoauth2, .oauthBearer], .authMechanisms)
        fill(\.transport.overPlaintext, .refuse, .overPlaintext)
        fill(\.message.sign, .optional, .sign)
        fill(\.message.encrypt, .optional, .encrypt)
        fill(\.message.formats, [.smime, .openpgp], .formats)
        fill(\.message.smimeCiphers, [.aes256CBC, .aes256GCM], .smimeCipher)
        fill(\.message.smimeDigests, [.sha256, .sha384, .sha512], .smimeDigest)
        fill(\.message.minRSABits, 2048, .minRSABits)
        return (filled, defaulted)
    }
}
