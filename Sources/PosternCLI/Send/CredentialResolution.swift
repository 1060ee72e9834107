import Foundation
import Postern
import PosternSMTP

/// Reads the password named by a ``Credential`` at the last moment and wraps it for AUTH.
///
/// - Important: The password never appears in a message, a log or a report; errors name the source only.
enum CredentialResolution {
    struct Failure: Error, Sendable {
        var status: ExitStatus
        var message: String
    }

    static func smtpCredentials(_ credential: Credential?, environment: [String: String]) -> Result<SMTPCredentials?, Failure> {
        guard let credential else { return .success(nil) }
        switch PasswordReader.read(credential.password, environment: environment) {
        case .success(let bytes):
            return .success(SMTPCredentials(username: credential.user, proof: .password(PosternSMTP.Secret(bytes: bytes))))
        case .failure(let failure):
            return .failure(failure)
        }
    }
}

/// Minimal password reading (environment variable, file) until the configuration branch's
/// `PasswordSource.resolve` is merged.
enum PasswordReader {
    static let maximumBytes = 64 * 1024

    static func read(_ source: PasswordSource, environment: [String: String]) -> Result<[UInt8], CredentialResolution.Failure> {
        func failure(_ message: String) -> Result<[UInt8], CredentialResolution.Failure> {
            .failure(CredentialResolution.Failure(status: .config, message: "password from \(source): \(message)"))
        }
        var bytes: [UInt8]
        switch source.kind {
        case .environment:
            guard let value = environment[source.reference], !value.isEmpty else { return failure("not set or empty") }
            bytes = Array(value.utf8)
        case .file:
            guard let handle = FileHandle(forReadingAtPath: source.reference) else { return failure("cannot open") }
            defer { try? handle.close() }
            guard let data = try? handle.read(upToCount: maximumBytes + 1), data.count <= maximumBytes else {
                return failure("cannot read, or larger than \(maximumBytes) bytes")
            }
            bytes = Array(data)
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) { bytes = Array(bytes[..<newline]) }
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        default:
            return .failure(
                CredentialResolution.Failure(status: .unavailable, message: "password from \(source): not available yet in this build"))
        }
        guard !bytes.isEmpty else { return failure("empty") }
        return .success(bytes)
    }
}
