/// Where `postern sendmail` looks for its configuration, in order.
enum SendmailConfigLocator {
    /// `-C FILE` when given, else `$POSTERN_CONFIG` when set (either is then the only
    /// candidate: an explicit choice must not silently fall back), else
    /// `~/.config/postern/config.yaml`, then `/etc/postern/config.yaml`.
    static func candidates(explicit: String?, environment: [String: String]) -> [String] {
        if let explicit { return [explicit] }
        if let configured = environment["POSTERN_CONFIG"], !configured.isEmpty { return [configured] }
        var paths: [String] = []
        if let home = environment["HOME"], !home.isEmpty {
            paths.append(home + "/.config/postern/config.yaml")
        }
        paths.append("/etc/postern/config.yaml")
        return paths
    }
}
