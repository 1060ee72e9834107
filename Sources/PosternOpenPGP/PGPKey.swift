/// How far key validity from the keyring is required before a key may be used for a recipient.
public struct PGPTrustModel: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The model's name.
    public let rawValue: String
    /// Creates a model from its name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The model's name.
    public var description: String { rawValue }

    /// The default: a recipient's user ID must have full or ultimate validity in gpg's web
    /// of trust (or the key must be ultimately trusted). Unknown, undefined and marginal
    /// validity are not enough.
    public static let keyring = PGPTrustModel(rawValue: "keyring")

    /// Any key that is otherwise usable is accepted whatever its validity, except one whose
    /// user ID is explicitly distrusted (validity "never"); encryption then uses gpg's
    /// always-trust mode.
    ///
    /// - Important: this trusts whoever put the key into the keyring. Use it only for a
    ///   keyring that is curated by hand.
    public static let always = PGPTrustModel(rawValue: "always")
}

/// A key from the keyring, as a value: what it is and what it may be used for.
///
/// Operations take a ``PGPKey`` and look it up again by fingerprint, checking it once
/// more, so a key revoked in between is not used.
public struct PGPKey: Sendable, Hashable, CustomStringConvertible {
    /// The primary key's fingerprint (upper-case hex).
    public let fingerprint: String
    /// The user ID strings, e.g. `Alice <alice@example.org>`.
    public let userIDs: [String]
    /// The mail addresses of the user IDs.
    public let addresses: [String]
    /// Whether a valid encryption-capable subkey exists.
    public let canEncrypt: Bool
    /// Whether a valid signing-capable subkey with its secret part exists.
    public let canSign: Bool
    /// The key IDs (16 hex digits) of the usable encryption subkeys.
    public let encryptionSubkeyIDs: [String]

    init(_ facts: KeyFacts, now: Int64, minimumRSABits: Int) {
        fingerprint = facts.fingerprint
        userIDs = facts.userIDs.map(\.uid)
        addresses = facts.userIDs.compactMap(\.address)
        let encryption = facts.subkeys.filter {
            KeySelection.isUsableEncryptionSubkey($0, now: now, minimumRSABits: minimumRSABits)
        }
        canEncrypt = !encryption.isEmpty
        encryptionSubkeyIDs = encryption.map(\.keyID)
        canSign = facts.subkeys.contains {
            KeySelection.isUsableSigningSubkey($0, now: now, minimumRSABits: minimumRSABits)
        }
    }

    /// The fingerprint and first user ID.
    public var description: String { "\(fingerprint) \(userIDs.first ?? "")" }
}

/// Why a key cannot be used, in the words of the Postern contract.
public struct PGPKeyProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why, as a stable word.
    public struct Reason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The reason's spelling.
        public let rawValue: String
        /// Creates a reason from its spelling.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The reason's spelling.
        public var description: String { rawValue }

        /// No key carries the address.
        public static let notFound = Reason(rawValue: "not-found")
        /// More than one different usable key carries the address.
        public static let ambiguous = Reason(rawValue: "ambiguous")
        /// The key (or the subkey needed) has expired.
        public static let expired = Reason(rawValue: "expired")
        /// The key or the user ID has been revoked.
        public static let revoked = Reason(rawValue: "revoked")
        /// The key is disabled in the keyring.
        public static let disabled = Reason(rawValue: "disabled")
        /// gpg marks the key or user ID invalid.
        public static let invalid = Reason(rawValue: "invalid")
        /// The only encryption subkeys are too small (RSA/ElGamal/DSA under the minimum bits,
        /// a curve under 255 bits) or of an algorithm not known to be strong.
        public static let weak = Reason(rawValue: "weak")
        /// No valid encryption-capable subkey.
        public static let noEncryptionSubkey = Reason(rawValue: "no-encryption-subkey")
        /// No valid signing-capable subkey with its secret part.
        public static let noSigningKey = Reason(rawValue: "no-signing-key")
        /// The user ID's validity is not enough for the trust model.
        public static let untrusted = Reason(rawValue: "untrusted")
    }

    /// The contract violation code (§4): `recipient-key-missing`, `recipient-key-invalid`
    /// or `signing-key-missing`.
    public let violationCode: String
    /// Why.
    public let reason: Reason
    /// Details for a person: which keys were considered and what was wrong with each.
    public let detail: String

    /// Creates a problem.
    public init(violationCode: String, reason: Reason, detail: String) {
        self.violationCode = violationCode
        self.reason = reason
        self.detail = detail
    }

    /// `code (reason): detail`.
    public var description: String { "\(violationCode) (\(reason)): \(detail)" }
}

/// The key chosen for one recipient address, or why none could be.
public struct PGPRecipientResolution: Sendable, Hashable {
    /// The address asked for, as given.
    public let address: String
    /// The one usable key, when there is one.
    public let key: PGPKey?
    /// Why there is no usable key; nil exactly when ``key`` is set.
    public let problem: PGPKeyProblem?

    /// Whether a usable key was found.
    public var isUsable: Bool { key != nil }
}
