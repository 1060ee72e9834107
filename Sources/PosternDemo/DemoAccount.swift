import Crypto
import Foundation
import PosternSMTP

/// The one user of the demo server, with a password made at run time.
///
/// - Important: The password exists only in this process's memory; it is never printed or logged
///   (``description`` redacts it) and changes on every run.
public struct DemoAccount: Sendable, CustomStringConvertible {
    /// The demo user name.
    public let user: String
    let password: [UInt8]

    /// Creates the account with a fresh random password (24 random bytes, base64).
    public init(user: String = "alice@example.test") {
        self.user = user
        self.password = Self.randomPassword()
    }

    /// Creates the account with a password the caller chose (`postern demo --password-env`), so that a test
    /// can check the password never appears in the demo's output. An empty password falls back to a random one.
    ///
    /// - Important: Never pass a real password: the demo server is a demonstration aid.
    public init(user: String = "alice@example.test", password: [UInt8]) {
        self.user = user
        self.password = password.isEmpty ? Self.randomPassword() : password
    }

    private static func randomPassword() -> [UInt8] {
        let random = SymmetricKey(size: .bits192).withUnsafeBytes { Data($0) }
        return Array(random.base64EncodedString().utf8)
    }

    /// The credentials a client uses to log in as this account.
    public var credentials: SMTPCredentials {
        SMTPCredentials(username: user, proof: .password(Secret(bytes: password)))
    }

    /// Whether `user` and `password` are this account's (constant-time on the password).
    func matches(user candidateUser: [UInt8], password candidate: [UInt8]) -> Bool {
        var difference = UInt8(candidate.count == password.count ? 0 : 1)
        for (index, byte) in password.enumerated() {
            difference |= byte ^ (index < candidate.count ? candidate[index] : 0)
        }
        return difference == 0 && candidateUser == Array(user.utf8)
    }

    /// The user name; the password is `<redacted>`.
    public var description: String { "DemoAccount(user: \(user), password: <redacted>)" }
}
