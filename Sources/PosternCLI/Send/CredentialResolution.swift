import Postern
import PosternSMTP

/// Reads the password named by a ``Credential`` at the last moment (``PasswordSource/resolve(environment:commandTimeout:)``)
/// and wraps it for AUTH.
///
/// - Important: The password never appears in a message, a log or a report; errors name the source only.
enum CredentialResolution {
    struct Failure: Error, Sendable {
        var status: ExitStatus
        var message: String
    }

    static func smtpCredentials(_ credential: Credential?, environment: [String: String]) -> Result<
        SMTPCredentials?, Failure
    > {
        guard let credential else { return .success(nil) }
        let secret: Secret
        do {
            secret = try credential.password.resolve(environment: environment)
        } catch {
            return .failure(
                Failure(status: error.exitStatus, message: "password from \(credential.password): \(error.message)"))
        }
        // The same zeroing storage goes to the AUTH exchange: no second copy to forget.
        return .success(SMTPCredentials(username: credential.user, proof: .password(secret)))
    }
}
