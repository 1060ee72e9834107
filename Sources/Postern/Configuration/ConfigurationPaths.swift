/// Path arithmetic for configuration files, without touching the file system.
enum ConfigurationPaths {
    /// The directory part of `file` (`.` for a bare name), so that relative paths in a
    /// configuration mean the same thing whatever the current directory is.
    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        let directory = String(file[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// `path` itself when absolute, else `directory/path`.
    static func resolve(_ path: String, against directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if directory == "/" { return "/" + path }
        return directory + "/" + path
    }
}
