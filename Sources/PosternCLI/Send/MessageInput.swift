import Foundation
import Postern

/// Reads the messages a verb is given: stdin (no argument or `-`), one file, or several files (a batch).
enum MessageInput {
    /// The most octets read from one input: a hostile or mistaken input cannot exhaust memory. Far above any
    /// submission server's limit (Postfix defaults to 10 MB, the baseline policy to 25 MiB).
    static let maximumMessageSize = 128 * 1024 * 1024

    /// A message's bytes and where they came from (for error messages).
    struct Loaded: Sendable {
        var name: String
        var bytes: [UInt8]
    }

    /// Why an input could not be read: 66 when it is missing or unreadable, 65 when it is too large.
    struct Failure: Error, Sendable {
        var status: ExitStatus
        var message: String
    }

    /// Reads every input in order; `[]` or `["-"]` means stdin. `-` may appear at most once.
    static func load(_ inputs: [String]) -> Result<[Loaded], Failure> {
        let names = inputs.isEmpty ? ["-"] : inputs
        guard names.filter({ $0 == "-" }).count <= 1 else {
            return .failure(Failure(status: .usage, message: "'-' (stdin) can be given only once"))
        }
        var loaded: [Loaded] = []
        for name in names {
            switch read(name) {
            case .success(let bytes): loaded.append(Loaded(name: name == "-" ? "stdin" : name, bytes: bytes))
            case .failure(let failure): return .failure(failure)
            }
        }
        return .success(loaded)
    }

    static func read(_ name: String) -> Result<[UInt8], Failure> {
        let handle: FileHandle
        if name == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: name, isDirectory: &isDirectory), !isDirectory.boolValue,
                let opened = FileHandle(forReadingAtPath: name)
            else {
                return .failure(Failure(status: .noInput, message: "\(name): no such file or not readable"))
            }
            handle = opened
        }
        defer { if name != "-" { try? handle.close() } }
        var bytes: [UInt8] = []
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                bytes.append(contentsOf: chunk)
                if bytes.count > maximumMessageSize {
                    return .failure(
                        Failure(
                            status: .dataErr,
                            message: "\(name == "-" ? "stdin" : name): larger than \(maximumMessageSize) octets"))
                }
            }
        } catch {
            return .failure(
                Failure(status: .noInput, message: "\(name == "-" ? "stdin" : name): cannot read: \(error)"))
        }
        return .success(bytes)
    }
}
