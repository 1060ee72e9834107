import Foundation
import PosternSMTP

/// The octets of one message to submit: in memory, or a file read in chunks while it is sent.
///
/// Either way the body goes through a ``DotStuffer`` chunk by chunk, so a 25 MB message is never held twice
/// (in a file, not even once).
public struct MessageBody: Sendable {
    enum Storage: Sendable {
        case bytes([UInt8])
        case file(String)
    }

    let storage: Storage
    /// Octets of the message as given (before dot-stuffing): `SIZE=` on MAIL FROM, and `max-size` in the policy.
    public let size: Int
    /// Whether any octet is above 127 (then `BODY=8BITMIME` is sent and required of the server).
    public let is8Bit: Bool

    /// A message held in memory, in canonical (CRLF) form.
    public init(bytes: [UInt8]) {
        self.storage = .bytes(bytes)
        self.size = bytes.count
        self.is8Bit = bytes.contains { $0 > 0x7F }
    }

    /// A message in a file; it is scanned once now (size, 8-bit) and read again in chunks while sending.
    /// - Throws: ``MessageBodyError`` when the file cannot be opened or read.
    public init(contentsOfFile path: String) throws(MessageBodyError) {
        var reader = try MessageBodyReader(path: path)
        var total = 0
        var eightBit = false
        while let chunk = try reader.next() {
            total += chunk.count
            if !eightBit { eightBit = chunk.contains { $0 > 0x7F } }
        }
        self.storage = .file(path)
        self.size = total
        self.is8Bit = eightBit
    }

    /// Where the message comes from, for error messages.
    var origin: String {
        switch storage {
        case .bytes: "the message"
        case .file(let path): path
        }
    }
}

/// A message file could not be read.
public struct MessageBodyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What went wrong.
    public var message: String
    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// Reads a message in fixed-size chunks (from memory or a file).
struct MessageBodyReader {
    /// Large enough to keep syscalls and writes few, small enough to keep memory flat.
    static let chunkSize = 256 * 1024

    private enum Source {
        case bytes([UInt8], offset: Int)
        case file(FileHandle, path: String)
        case done
    }

    private var source: Source

    init(path: String) throws(MessageBodyError) {
        source = try Self.open(path)
    }

    init(body: MessageBody) throws(MessageBodyError) {
        switch body.storage {
        case .bytes(let bytes): source = .bytes(bytes, offset: 0)
        case .file(let path): source = try Self.open(path)
        }
    }

    private static func open(_ path: String) throws(MessageBodyError) -> Source {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MessageBodyError(path: path, message: "cannot open the message file")
        }
        return .file(handle, path: path)
    }

    /// The next chunk, or nil at the end.
    mutating func next() throws(MessageBodyError) -> ArraySlice<UInt8>? {
        switch source {
        case .bytes(let bytes, let offset):
            guard offset < bytes.count else {
                source = .done
                return nil
            }
            let end = min(bytes.count, offset + Self.chunkSize)
            source = .bytes(bytes, offset: end)
            return bytes[offset..<end]
        case .file(let handle, let path):
            let data: Data?
            do {
                data = try handle.read(upToCount: Self.chunkSize)
            } catch {
                try? handle.close()
                source = .done
                throw MessageBodyError(path: path, message: "cannot read the message file: \(error)")
            }
            guard let data, !data.isEmpty else {
                try? handle.close()
                source = .done
                return nil
            }
            return ArraySlice(data)
        case .done:
            return nil
        }
    }

    /// Closes a file early (after a failure).
    mutating func close() {
        if case .file(let handle, _) = source { try? handle.close() }
        source = .done
    }
}
