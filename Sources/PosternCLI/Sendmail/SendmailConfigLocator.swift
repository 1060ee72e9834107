import Postern

/// Where `postern sendmail` looks for its configuration, in order.
enum SendmailConfigLocator {
    /// `-C FILE` when given, else `$POSTERN_CONFIG` when set (either is then the only
    /// candidate: an explicit choice must not silently fall back), else
    /// `$XDG_CONFIG_HOME/postern/config.yaml` or `~/.config/postern/config.yaml`, then
    /// `/etc/postern/config.yaml`. See ``PosternConfiguration/candidatePaths(explicit:environment:systemPath:)``.
    static func candidates(explicit: String?, environment: [String: String]) -> [String] {
        PosternConfiguration.candidatePaths(explicit: explicit, environment: environment)
    }
}
