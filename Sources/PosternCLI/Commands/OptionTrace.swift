import Logging

/// The `--verbose` trace of the options a verb received, with credentials redacted.
enum OptionTrace {
    /// Logs the given option values at debug level; `nil` values are left out.
    static func log(verb: String, logger: Logger, _ values: [String: String?]) {
        var metadata: Logger.Metadata = [:]
        for (key, value) in values {
            if let value, !value.isEmpty {
                metadata[key] = .string(value)
            }
        }
        logger.debug("postern \(verb): options", metadata: metadata)
    }

    /// The user name and where the password comes from; never the password, and
    /// never a password command line.
    static func describe(_ options: CredentialOptions) -> String? {
        guard let credential = options.credential else { return nil }
        return "\(credential.user), password from \(credential.password)"
    }
}
