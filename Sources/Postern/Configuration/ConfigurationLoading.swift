import PosternPolicy

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension PosternConfiguration {
    /// The system-wide configuration file, tried last.
    public static let systemPath = "/etc/postern/config.yaml"

    /// The paths tried, in order:
    /// 1. `explicit` (`-C FILE`) when given, alone;
    /// 2. else `$POSTERN_CONFIG` when set and non-empty, alone;
    /// 3. else `$XDG_CONFIG_HOME/postern/config.yaml` when `XDG_CONFIG_HOME` is an absolute
    ///    path, otherwise `$HOME/.config/postern/config.yaml` when `HOME` is set;
    /// 4. then `systemPath` (`/etc/postern/config.yaml`).
    ///
    /// An explicit choice (1, 2) never falls back to another file: a typo in a path
    /// must not silently send with someone else's settings.
    public static func candidatePaths(
        explicit: String?, environment: [String: String], systemPath: String = PosternConfiguration.systemPath
    ) -> [String] {
        if let explicit { return [explicit] }
        if let configured = environment["POSTERN_CONFIG"], !configured.isEmpty { return [configured] }
        var paths: [String] = []
        // The XDG Base Directory specification: a relative XDG_CONFIG_HOME is invalid and ignored.
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            paths.append(ConfigurationPaths.resolve("postern/config.yaml", against: xdg))
        } else if let home = environment["HOME"], !home.isEmpty {
            paths.append(ConfigurationPaths.resolve(".config/postern/config.yaml", against: home))
        }
        paths.append(systemPath)
        return paths
    }

    /// Finds and loads the first existing file of ``candidatePaths(explicit:environment:systemPath:)``.
    ///
    /// - Throws: ``ConfigurationError`` — ``ConfigurationError/Code/notFound`` listing every
    ///   path tried when none exists, else whatever ``load(contentsOf:)`` finds wrong.
    public static func locateAndLoad(
        explicit: String?, environment: [String: String], systemPath: String = PosternConfiguration.systemPath
    ) throws(ConfigurationError) -> PosternConfiguration {
        let candidates = candidatePaths(explicit: explicit, environment: environment, systemPath: systemPath)
        guard let found = candidates.first(where: exists) else {
            let message = "no configuration found; tried: \(candidates.joined(separator: ", "))"
            throw ConfigurationError(
                code: .notFound,
                diagnostics: [
                    PolicyDiagnostic(file: candidates.first ?? systemPath, line: 1, column: 1, message: message)
                ])
        }
        return try load(contentsOf: found)
    }

    /// Reads and validates one configuration file.
    ///
    /// - Important: A file that names a `password.command` is refused when group or others
    ///   may write it (`mode & 0o022 != 0`): whoever can edit it could make Postern run
    ///   their code as you. The directories above it are not checked; keep them yours.
    /// - Throws: ``ConfigurationError`` with every problem found, each located.
    public static func load(contentsOf path: String) throws(ConfigurationError) -> PosternConfiguration {
        let (bytes, permissions) = try readFile(path)
        var parser = ConfigurationParser(file: path)
        return try parser.parse(bytes, permissions: permissions).get()
    }

    /// Validates configuration bytes. `file` names them in diagnostics and is the base of
    /// relative paths; `permissions` are the file's mode bits when known (`nil` skips the
    /// permission check, for text that came from no file).
    public static func parse(_ bytes: [UInt8], file: String, permissions: UInt32? = nil) throws(ConfigurationError)
        -> PosternConfiguration
    {
        var parser = ConfigurationParser(file: file)
        return try parser.parse(bytes, permissions: permissions).get()
    }

    private static func exists(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    private static func readFile(_ path: String) throws(ConfigurationError) -> ([UInt8], UInt32) {
        func failure(_ message: String) -> ConfigurationError {
            ConfigurationError(
                code: .unreadable, diagnostics: [PolicyDiagnostic(file: path, line: 1, column: 1, message: message)])
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw failure("cannot open the configuration file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw failure("the configuration file is not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        // One byte past the limit is enough to know the file is too large.
        while bytes.count <= ConfigurationParser.maximumBytes {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the configuration file: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return (bytes, UInt32(status.st_mode) & 0o7777)
    }
}
