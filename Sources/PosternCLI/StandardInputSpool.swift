import Foundation
import Postern

/// Reads a message from stdin: small ones into memory; once it passes the streaming
/// threshold, everything goes to a private temporary file instead, so that `seal`
/// can stream a large message from stdin in bounded memory too.
final class StandardInputSpool {
    /// The temporary file, when one was made; removed by ``remove()``.
    private(set) var temporaryFile: String?

    /// The input for a ``SealRequest``.
    func read(threshold: Int = 4 << 20) throws -> SealRequest.Input {
        var bytes: [UInt8] = []
        var output: FileHandle?
        while let chunk = try FileHandle.standardInput.read(upToCount: 64 * 1024), !chunk.isEmpty {
            if let output {
                try output.write(contentsOf: chunk)
                continue
            }
            bytes += chunk
            if bytes.count >= threshold {
                let path = FileManager.default.temporaryDirectory
                    .appendingPathComponent("postern-stdin-\(UUID().uuidString).eml").path
                guard
                    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                    let handle = FileHandle(forWritingAtPath: path)
                else { throw CocoaError(.fileWriteUnknown) }
                temporaryFile = path
                try handle.write(contentsOf: Data(bytes))
                bytes = []
                output = handle
            }
        }
        if let output, let temporaryFile {
            try output.close()
            return .file(temporaryFile)
        }
        return .bytes(bytes)
    }

    /// Removes the temporary file, if any.
    func remove() {
        if let temporaryFile { try? FileManager.default.removeItem(atPath: temporaryFile) }
    }
}
