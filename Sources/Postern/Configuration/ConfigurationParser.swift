import PosternPolicy
import Yams

/// Turns configuration bytes into a ``PosternConfiguration``, collecting every problem
/// with its line and column. Pure: the caller supplies the bytes and the file's mode.
struct ConfigurationParser {
    /// Largest accepted configuration file.
    static let maximumBytes = 64 * 1024

    static let topLevelKeys = [
        "postern-config", "server", "connect", "security", "helo", "timeout", "ca-file", "user", "password",
        "policies", "from", "smime", "gnupg-home", "pgp-signer", "sign", "encrypt",
    ]

    let file: String
    /// The directory relative paths are resolved against.
    let directory: String
    private(set) var diagnostics: [PolicyDiagnostic] = []
    /// Set when the file was refused for its mode, so the error carries ``ConfigurationError/Code/insecure``.
    private var refusedForPermissions = false

    init(file: String) {
        self.file = file
        self.directory = ConfigurationPaths.directory(of: file)
    }

    /// Parses and validates; `permissions` (the file's mode bits, when known) lets a
    /// `password.command` in a file others can write be refused.
    mutating func parse(_ bytes: [UInt8], permissions: UInt32?) -> Result<PosternConfiguration, ConfigurationError> {
        guard bytes.count <= Self.maximumBytes else {
            return failure(
                at: nil,
                "the file is \(bytes.count) bytes; a configuration file may be at most \(Self.maximumBytes) bytes")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return failure(at: nil, "the file is not valid UTF-8")
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            return failure(at: nil, "the file is empty; expected a mapping starting with 'postern-config: 1'")
        }
        if let problem = YAMLStructureCheck.firstProblem(in: text) {
            diagnostics.append(
                PolicyDiagnostic(file: file, line: problem.line, column: problem.column, message: problem.message))
            return .failure(ConfigurationError(code: .invalid, diagnostics: diagnostics))
        }
        let parser: Parser
        let root: Node
        do {
            parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            guard let node = try parser.singleRoot() else { return failure(at: nil, "the file holds no YAML document") }
            root = node
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, file: file))
            return .failure(ConfigurationError(code: .invalid, diagnostics: diagnostics))
        } catch {
            return failure(at: nil, "not valid YAML")
        }
        // Yams holds a node's anchor weakly and the parser owns it: keep the parser alive
        // while validating, or every anchor would read as nil and go unnoticed.
        let configuration = withExtendedLifetime(parser) { validate(root, permissions: permissions) }
        guard diagnostics.isEmpty else {
            let insecure = refusedForPermissions && diagnostics.count == 1
            return .failure(ConfigurationError(code: insecure ? .insecure : .invalid, diagnostics: diagnostics))
        }
        return .success(configuration)
    }

    private mutating func failure(at node: Node?, _ message: String) -> Result<PosternConfiguration, ConfigurationError>
    {
        if let node {
            error(node, message)
        } else {
            diagnostics.append(PolicyDiagnostic(file: file, line: 1, column: 1, message: message))
        }
        return .failure(ConfigurationError(code: .invalid, diagnostics: diagnostics))
    }

    // MARK: - The schema

    private mutating func validate(_ root: Node, permissions: UInt32?) -> PosternConfiguration {
        var configuration = PosternConfiguration(file: file)
        guard let pairs = mapping(root, in: "the configuration", allowed: Self.topLevelKeys) else {
            return configuration
        }
        var version: Node?
        var userNode: Node?
        var user: String?
        var passwordNode: Node?
        var password: PasswordSource?
        var commandNode: Node?
        for (key, keyNode, value) in pairs {
            switch key {
            case "postern-config":
                version = keyNode
                if let number = integer(value, "postern-config"), number != 1 {
                    error(value, "unsupported postern-config version \(number); this build reads version 1")
                }
            case "server":
                configuration.server = endpoint(value, "server", portRequired: false)
            case "connect":
                configuration.connect = endpoint(value, "connect", portRequired: true)
            case "security":
                if let text = string(value, "security") {
                    switch text {
                    case "implicit-tls": configuration.security = .implicitTLS
                    case "starttls": configuration.security = .starttls
                    default: error(value, "'\(text)' is not a valid security; expected implicit-tls or starttls")
                    }
                }
            case "helo":
                if let text = string(value, "helo") {
                    if text.contains(where: {
                        $0.isWhitespace || $0.asciiValue.map { $0 < 0x21 || $0 == 0x7F } ?? false
                    }) {
                        error(value, "helo must be a name without spaces or control characters")
                    } else {
                        configuration.helo = text
                    }
                }
            case "timeout":
                configuration.timeout = seconds(value, "timeout")
            case "ca-file":
                configuration.caFile = path(value, "ca-file")
            case "user":
                userNode = keyNode
                if let text = string(value, "user") {
                    if containsLineBreakOrNUL(text) {
                        error(value, "user must be free of CR, LF and NUL")
                    } else {
                        user = text
                    }
                }
            case "password":
                passwordNode = keyNode
                if let (source, node) = passwordSource(value) {
                    if source.kind == .command { commandNode = node }
                    password = source
                }
            case "policies":
                for (text, node) in stringList(value, "policies") ?? [] {
                    if text.isEmpty || text.contains("\0") {
                        error(node, "a policy path must not be empty")
                    } else {
                        configuration.policies.append(ConfigurationPaths.resolve(text, against: directory))
                    }
                }
            case "from":
                if let text = string(value, "from") {
                    if containsLineBreakOrNUL(text) {
                        error(value, "from must be free of CR, LF and NUL")
                    } else {
                        configuration.from = text
                    }
                }
            case "smime":
                configuration.smime = smime(value, keyNode: keyNode)
            case "gnupg-home":
                configuration.gnupgHome = path(value, "gnupg-home")
            case "pgp-signer":
                if let text = string(value, "pgp-signer") {
                    if containsLineBreakOrNUL(text) {
                        error(value, "pgp-signer must be free of CR, LF and NUL")
                    } else {
                        configuration.pgpSigner = text
                    }
                }
            case "sign":
                configuration.sign = format(value, "sign")
            case "encrypt":
                configuration.encrypt = format(value, "encrypt")
            default:
                break
            }
        }
        if version == nil {
            error(root, "missing required key 'postern-config' (write 'postern-config: 1')")
        }
        switch (userNode, passwordNode) {
        case (let node?, nil):
            error(node, "'user' needs a 'password' source (env, file or command)")
        case (nil, let node?):
            error(node, "'password' needs a 'user'")
        default:
            if let user, let password {
                configuration.credential = Credential(user: user, password: password)
            }
        }
        if let commandNode, let permissions, permissions & 0o022 != 0 {
            refusedForPermissions = true
            error(
                commandNode,
                "the configuration file is writable by group or others (mode \(Self.octal(permissions))) and names a "
                    + "password command, which would run code; refusing it (run: chmod go-w \(file))")
        }
        return configuration
    }

    private mutating func passwordSource(_ node: Node) -> (PasswordSource, Node)? {
        let known = diagnostics.count
        guard let pairs = mapping(node, in: "password", allowed: ["env", "file", "command"]) else { return nil }
        guard pairs.count == 1, let (key, keyNode, value) = pairs.first else {
            // An unknown key was already reported; "exactly one" would only repeat it.
            if diagnostics.count == known { error(node, "password must name exactly one of env, file, command") }
            return nil
        }
        guard let text = string(value, "password.\(key)") else { return nil }
        switch key {
        case "env":
            guard PasswordSource.isValidEnvironmentName(text) else {
                error(value, "password.env must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
                return nil
            }
            return (.environment(text), keyNode)
        case "file":
            guard !text.isEmpty else {
                error(value, "password.file must not be empty")
                return nil
            }
            return (.file(ConfigurationPaths.resolve(text, against: directory)), keyNode)
        default:
            guard !text.allSatisfy(\.isWhitespace) else {
                error(value, "password.command must not be empty")
                return nil
            }
            return (.command(text), keyNode)
        }
    }

    private mutating func smime(_ node: Node, keyNode: Node) -> PosternConfiguration.SMIMEFiles {
        var files = PosternConfiguration.SMIMEFiles()
        guard let pairs = mapping(node, in: "smime", allowed: ["cert", "key", "certs"]) else { return files }
        for (key, _, value) in pairs {
            let resolved = path(value, "smime.\(key)")
            switch key {
            case "cert": files.cert = resolved
            case "key": files.key = resolved
            default: files.certs = resolved
            }
        }
        let names = Set(pairs.map(\.key))
        if names.contains("cert") != names.contains("key") {
            error(keyNode, "smime.cert and smime.key go together")
        }
        return files
    }

    // MARK: - Typed, located readers

    private mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(
            PolicyDiagnostic(
                file: file, line: max(1, node.mark?.line ?? 1), column: max(1, node.mark?.column ?? 1), message: message
            ))
    }

    private static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar): return isNull(scalar) ? "nothing (null)" : "'\(scalar.string)'"
        }
    }

    private static func isNull(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// Refuses anchors before descending: an alias shares its anchor's node, so
    /// stopping at every anchored node keeps the walk linear in the file size.
    private mutating func mapping(_ node: Node, in context: String, allowed: [String]) -> [(
        key: String, keyNode: Node, value: Node
    )]? {
        if node.anchor != nil {
            error(node, "YAML anchors and aliases are not allowed in configuration files")
            return nil
        }
        guard case .mapping(let mapping) = node else {
            error(node, "\(context) must be a mapping, found \(Self.kind(of: node))")
            return nil
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode, keyNode.anchor == nil else {
                error(keyNode, "keys in \(context) must be plain strings")
                continue
            }
            guard allowed.contains(scalar.string) else {
                error(
                    keyNode,
                    "unknown key '\(scalar.string)' in \(context); expected one of: \(allowed.joined(separator: ", "))")
                continue
            }
            if value.anchor != nil {
                error(value, "YAML anchors and aliases are not allowed in configuration files")
                continue
            }
            pairs.append((scalar.string, keyNode, value))
        }
        return pairs
    }

    private mutating func string(_ node: Node, _ what: String) -> String? {
        if node.anchor != nil {
            error(node, "YAML anchors and aliases are not allowed in configuration files")
            return nil
        }
        guard case .scalar(let scalar) = node, !Self.isNull(scalar) else {
            error(node, "\(what) must be a string, found \(Self.kind(of: node))")
            return nil
        }
        return scalar.string
    }

    private mutating func integer(_ node: Node, _ what: String) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, scalar.string.count <= 9,
            scalar.string.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(scalar.string)
        else {
            error(node, "\(what) must be an integer, found \(Self.kind(of: node))")
            return nil
        }
        return value
    }

    private mutating func seconds(_ node: Node, _ what: String) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, scalar.string.count <= 12,
            scalar.string.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            let value = Double(scalar.string), value > 0, value.isFinite
        else {
            error(node, "\(what) must be a positive number of seconds, found \(Self.kind(of: node))")
            return nil
        }
        return value
    }

    private mutating func path(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard !text.isEmpty, !text.contains("\0") else {
            error(node, "\(what) must be a non-empty path")
            return nil
        }
        return ConfigurationPaths.resolve(text, against: directory)
    }

    private mutating func stringList(_ node: Node, _ what: String) -> [(String, Node)]? {
        guard case .sequence(let sequence) = node, node.anchor == nil else {
            error(node, "\(what) must be a list, found \(Self.kind(of: node))")
            return nil
        }
        var items: [(String, Node)] = []
        var ok = true
        for item in sequence {
            if item.anchor != nil {
                error(item, "YAML anchors and aliases are not allowed in configuration files")
                ok = false
            } else if let text = string(item, "each entry of \(what)") {
                items.append((text, item))
            } else {
                ok = false
            }
        }
        return ok ? items : nil
    }

    private mutating func endpoint(_ node: Node, _ what: String, portRequired: Bool) -> ServerEndpoint? {
        guard let text = string(node, what) else { return nil }
        do {
            let endpoint = try ServerEndpoint(parsing: text)
            if portRequired, endpoint.port == nil {
                error(node, "\(what) needs HOST:PORT")
                return nil
            }
            return endpoint
        } catch {
            self.error(node, "\(what): \(error.message)")
            return nil
        }
    }

    private mutating func format(_ node: Node, _ what: String) -> ProtectionFormat? {
        guard let text = string(node, what) else { return nil }
        guard let format = ProtectionFormat(rawValue: text) else {
            error(node, "'\(text)' is not a valid \(what) format; expected smime or openpgp")
            return nil
        }
        return format
    }

    private func containsLineBreakOrNUL(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }

    static func octal(_ permissions: UInt32) -> String {
        let digits = String(permissions & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func diagnostic(for error: YamlError, file: String) -> PolicyDiagnostic {
        func at(_ mark: Mark, _ message: String) -> PolicyDiagnostic {
            PolicyDiagnostic(file: file, line: max(1, mark.line), column: max(1, mark.column), message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\($0.text) " } ?? ""
            return at(mark, "not valid YAML: \(detail)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return at(context.mark, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in mapping")
        default:
            return PolicyDiagnostic(file: file, line: 1, column: 1, message: "not valid YAML")
        }
    }
}
