import Foundation
import Logging
import Postern
import PosternPolicy
import Testing

/// Paths into the repository, located from this file so tests run from any directory.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func policy(_ name: String) -> String {
        root.appendingPathComponent("policies").appendingPathComponent(name).path
    }

    static let samples = root.appendingPathComponent("Examples/ComplianceTable/samples")

    static func sample(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: samples.appendingPathComponent(name)))
    }

    /// `FILE:LINE` of the first line of `file` that contains `text`, read from the file itself
    /// so the expectation follows edits of the shipped policies.
    static func location(of text: String, in file: String) throws -> String {
        let lines = try String(contentsOfFile: file, encoding: .utf8).components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains(text) }, "\(text) not in \(file)")
        return "\(file):\(index + 1)"
    }
}

/// A temporary directory, removed when the value is released.
final class ScratchDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("postern-facade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }
}

/// A message with the given headers and a short body, CRLF line endings.
func mail(_ headers: [String], body: String = "Hello.") -> [UInt8] {
    Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n").utf8)
}

/// Records every log line, to check what the evaluator logs (and what it must not).
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    var lines: [String] { lock.withLock { entries } }

    func append(_ line: String) { lock.withLock { entries.append(line) } }

    func logger() -> Logger {
        var logger = Logger(label: "facade-test") { _ in RecordingHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    struct RecordingHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            recorder.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key })")
        }
    }
}
