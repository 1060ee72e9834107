/// Picks the SASL mechanism for AUTH: the strongest that the server offers, the allowed list
/// (the policy's `auth.mechanisms`) permits and the credentials can serve.
///
/// Order: SCRAM-SHA-256 > PLAIN > LOGIN for a password; OAUTHBEARER > XOAUTH2 for a token.
/// - Important: There is no fallback: if the chosen mechanism fails, AUTH fails. Trying a
///   weaker one after a failure would let an attacker who can make the strong one fail
///   downgrade the exchange.
public enum SMTPAuthMechanismSelection {
    /// The preference order for passwords, strongest first.
    public static let passwordPreference = ["SCRAM-SHA-256", "PLAIN", "LOGIN"]
    /// The preference order for bearer tokens, strongest first.
    public static let tokenPreference = ["OAUTHBEARER", "XOAUTH2"]

    /// The chosen mechanism name, or nil when none is possible.
    ///
    /// With `followingAllowedOrder`, the first mechanism of `allowed` (a policy's preference list) that the
    /// server offers and the credentials can serve wins; otherwise the strongest by the built-in order.
    public static func choose(
        offered: [String], allowed: [String], proof: SMTPCredentials.Proof, followingAllowedOrder: Bool = false
    ) -> String? {
        let offeredSet = Set(offered.map { $0.uppercased() })
        let allowedSet = Set(allowed.map { $0.uppercased() })
        let preference: [String]
        switch proof {
        case .password: preference = passwordPreference
        case .bearerToken: preference = tokenPreference
        }
        if followingAllowedOrder {
            let supported = Set(preference)
            return allowed.map { $0.uppercased() }.first { supported.contains($0) && offeredSet.contains($0) }
        }
        return preference.first { offeredSet.contains($0) && allowedSet.contains($0) }
    }

    /// Builds the mechanism value for `name` with `credentials`.
    public static func makeMechanism(
        named name: String, credentials: SMTPCredentials, scramClientNonce: String? = nil
    ) throws(SMTPError) -> any SASLClientMechanism {
        switch (name.uppercased(), credentials.proof) {
        case ("SCRAM-SHA-256", .password(let password)):
            return try SCRAMSHA256(username: credentials.username, password: password, clientNonce: scramClientNonce)
        case ("PLAIN", .password(let password)):
            return try SASLPlain(username: credentials.username, password: password)
        case ("LOGIN", .password(let password)):
            return try SASLLogin(username: credentials.username, password: password)
        case ("OAUTHBEARER", .bearerToken(let token)):
            return try SASLOAuthBearer(username: credentials.username, token: token)
        case ("XOAUTH2", .bearerToken(let token)):
            return try SASLXOAuth2(username: credentials.username, token: token)
        default:
            throw SMTPError(
                code: .authMechanismNotAllowed, category: .violation, step: .auth,
                message: "no support for \(name) with these credentials")
        }
    }
}
