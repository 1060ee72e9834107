import Foundation
import Postern

/// A temporary directory removed when the value is released.
final class ScratchDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("postern-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` to `name` (directories created) with `mode`; returns the full path.
    @discardableResult
    func write(_ name: String, _ contents: String, mode: Int = 0o600) throws -> String {
        try write(name, Data(contents.utf8), mode: mode)
    }

    @discardableResult
    func write(_ name: String, _ data: Data, mode: Int = 0o600) throws -> String {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        return full
    }
}

/// A value that must never appear in any message or description.
let canary = "canary-7f3c9e-hunter2"

extension Secret {
    /// The bytes, for assertions in tests only.
    var testBytes: [UInt8] { withUnsafeBytes { Array($0) } }
    var testString: String { String(decoding: testBytes, as: UTF8.self) }
}
