import Foundation
import Testing

/// The real Postfix + Dovecot submission server of `scripts/mailserver/`, started once for the whole interop suite
/// and stopped at its end, whatever the tests did.
///
/// The suite carries the ``MailServerTrait`` (`.mailServer`): Swift Testing calls its `provideScope` once around the
/// whole suite, which starts the server, publishes it in ``MailServer/current`` (a task local, so every test of
/// the suite sees it) and stops it in every outcome. A reference count in ``MailServerRegistry`` keeps the server
/// up while any suite still uses it, should a second suite ever carry the trait.
struct MailServer: Sendable {
    /// The server's directory (under the package's `.tmp/`).
    var directory: URL
    /// `IMPLICIT_PORT`: implicit TLS (`smtpd_tls_wrappermode`).
    var implicitPort: Int
    /// `STARTTLS_PORT`: STARTTLS required before AUTH and MAIL.
    var startTLSPort: Int
    /// `PLAIN_PORT`: no TLS, AUTH offered in the clear (negative tests only).
    var plainPort: Int
    /// `CA_FILE`: the test CA that issued the server certificate.
    var caFile: String
    /// `USER`: the test account.
    var user: String
    /// `PASSWORD_FILE`: the test password (never read into test output).
    var passwordFile: String
    /// `MAILDIR`: delivered mail, `MAILDIR/<rcpt>/*.eml`.
    var mailDirectory: String
    /// `FILTER_PORT`: plain SMTP from loopback, no AUTH, every message through the `postern` pipe(8) content
    /// filter (the built binary, `--mta-filter`), which submits it back over `IMPLICIT_PORT`.
    var filterPort: Int?
    /// `FILTER_DIR`: the filter's files (owner nobody); the filter reads `FILTER_DIR/filter.yaml`.
    var filterDirectory: String?

    /// Postfix's configuration directory, for `postqueue -c`.
    var postfixConfigDirectory: String { directory.appendingPathComponent("postfix").path }

    /// The server's certificate file (leaf only), as the start script wrote it.
    var serverCertificateFile: String { directory.appendingPathComponent("tls/server.pem").path }
    /// Postfix's log, to check that no credential leaked into it.
    var postfixLog: String { directory.appendingPathComponent("log/postfix.log").path }

    /// The server of the running suite; `nil` outside a suite with the `.mailServer` trait.
    @TaskLocal static var current: MailServer?

    /// Whether Postfix is installed: the only reason to skip the interop suite (CI installs it).
    static var postfixInstalled: Bool {
        ["/usr/sbin/postfix", "/usr/bin/postfix"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The running server, or a failure naming the missing trait.
    static func require() throws -> MailServer {
        try #require(current, "the test must run inside a suite with the .mailServer trait")
    }

    /// Parses `ports.env` (shell `KEY=value` lines).
    init(directory: URL, portsEnv text: String) throws {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        func value(_ key: String) throws -> String {
            try #require(values[key], "ports.env has no \(key)")
        }
        func port(_ key: String) throws -> Int {
            try #require(Int(try value(key)), "ports.env \(key) is not a number")
        }
        self.directory = directory
        implicitPort = try port("IMPLICIT_PORT")
        startTLSPort = try port("STARTTLS_PORT")
        plainPort = try port("PLAIN_PORT")
        caFile = try value("CA_FILE")
        user = try value("USER")
        passwordFile = try value("PASSWORD_FILE")
        mailDirectory = try value("MAILDIR")
        filterPort = values["FILTER_PORT"].flatMap { Int($0) }
        filterDirectory = values["FILTER_DIR"]
    }
}

/// Starts and stops the server by the repository's scripts, counting users.
actor MailServerRegistry {
    static let shared = MailServerRegistry()

    private var users = 0
    private var server: MailServer?
    private var directory: URL?

    /// The package root (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func acquire() async throws -> MailServer {
        users += 1
        if let server { return server }
        do {
            let started = try await start()
            server = started
            return started
        } catch {
            users -= 1
            if users == 0 { await stopAndRemove() }
            throw error
        }
    }

    func release() async {
        users -= 1
        if users <= 0 {
            users = 0
            await stopAndRemove()
        }
    }

    private func start() async throws -> MailServer {
        // A short path: Dovecot's auth socket lives under it and sun_path holds only 108 bytes.
        let base = Self.packageRoot.appendingPathComponent(".tmp")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let directory = base.appendingPathComponent("it-\(suffix)")
        self.directory = directory
        let script = Self.packageRoot.appendingPathComponent("scripts/mailserver/start").path
        // The content filter runs the binary under test (PostfixFilterInteropTests).
        let filter = try PosternBinary.executable().resolvingSymlinksInPath().path
        let run = try await ScriptRunner.run(script, [directory.path], environment: ["POSTERN_FILTER_BIN": filter])
        guard run.status == 0 else {
            throw MailServerError(
                "scripts/mailserver/start \(directory.path) failed (exit \(run.status)); it must run as root with "
                    + "postfix and dovecot-core installed:\n\(run.output)")
        }
        let env = try String(contentsOf: directory.appendingPathComponent("ports.env"), encoding: .utf8)
        return try MailServer(directory: directory, portsEnv: env)
    }

    private func stopAndRemove() async {
        server = nil
        guard let directory else { return }
        self.directory = nil
        let script = Self.packageRoot.appendingPathComponent("scripts/mailserver/stop").path
        _ = try? await ScriptRunner.run(script, [directory.path])
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A suite trait that runs the suite inside one started server (see ``MailServer``).
struct MailServerTrait: SuiteTrait, TestScoping {
    typealias TestScopeProvider = MailServerTrait

    /// Not recursive: one scope around the whole suite, not one per test.
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try await MailServerRegistry.shared.acquire()
        do {
            try await MailServer.$current.withValue(server) { try await function() }
        } catch {
            await MailServerRegistry.shared.release()
            throw error
        }
        await MailServerRegistry.shared.release()
    }
}

extension Trait where Self == MailServerTrait {
    /// Runs the suite against the real Postfix + Dovecot server, started once and always stopped.
    static var mailServer: MailServerTrait { MailServerTrait() }
}

struct MailServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a helper script to completion, its output collected in a temporary file.
enum ScriptRunner {
    struct Result {
        var status: Int32
        var output: String
    }

    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "postern-it-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: log) }
        let status = try await Spawn.run(
            path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            stdout: log.path, stderr: log.path)
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Result(status: status, output: output)
    }
}
