import CGPGME

/// One-time initialisation of GPGME.
///
/// `gpgme_check_version` must run once before any other GPGME call; Swift's lazy
/// initialisation of a global is thread-safe (it runs under `swift_once`), which gives
/// exactly-once semantics without a lock of our own.
enum GPGMELibrary {
    private static let version: String? = {
        guard let text = gpgme_check_version(nil) else { return nil }
        return String(cString: text)
    }()

    /// Initialises GPGME if that has not happened yet; throws if it cannot.
    static func ensureInitialised() throws {
        guard version != nil else {
            throw PGPError(code: .engineFailure, message: "GPGME could not be initialised")
        }
    }

    /// The version of the GPGME library in use.
    static var libraryVersion: String { version ?? "unknown" }
}

extension PGPError {
    /// An error carrying GPGME's code and text for `err`.
    static func gpgme(_ err: gpgme_error_t, code: Code = .engineFailure, _ message: String) -> PGPError {
        let text = gpgme_strerror(err).map { String(cString: $0) }
        return PGPError(code: code, message: message, gpgErrorCode: postern_gpgme_err_code(err), gpgErrorText: text)
    }
}

/// Throws a ``PGPError`` when `err` is not success.
func checkGPGME(_ err: gpgme_error_t, code: PGPError.Code = .engineFailure, _ message: @autoclosure () -> String) throws
{
    if postern_gpgme_err_code(err) != postern_gpg_err_code_no_error() {
        throw PGPError.gpgme(err, code: code, message())
    }
}
