import Foundation

/// A stage of the sealing pipeline that accepts bytes in order.
///
/// Stages push to the next one as soon as they can, so a message of any size
/// passes through in bounded memory.
protocol ByteSink: AnyObject {
    /// Accepts the next bytes.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes everything still buffered; no write follows.
    func finish() throws
}

extension ByteSink {
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func write(_ text: String) throws {
        try write(Array(text.utf8))
    }
}

/// Collects everything in memory (the in-memory API).
final class ArraySink: ByteSink {
    private(set) var bytes: [UInt8] = []

    /// Reserving the expected size up front avoids the doubling copies of a growing array.
    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// The size of `contentSize` bytes after CMS wrapping and base64 with CRLF lines, plus headers.
    static func sealedSize(of contentSize: Int) -> Int {
        contentSize / 57 * 78 + contentSize / 10 + 16_384
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }

    func finish() throws {}
}

/// Writes to a file, buffering into large writes.
final class FileSink: ByteSink {
    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    private static let flushThreshold = 256 * 1024

    /// Creates or truncates `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw SMIMEError(code: .io, message: "\(path): cannot create for writing")
        }
        self.handle = handle
        self.path = path
        buffer.reserveCapacity(Self.flushThreshold)
    }

    deinit { try? handle.close() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func finish() throws {
        try flush()
        do { try handle.synchronize() } catch {
            throw SMIMEError(code: .io, message: "\(path): \(error.localizedDescription)")
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw SMIMEError(code: .io, message: "\(path): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Base64-encodes (RFC 2045) into lines of 76 characters ending in CRLF.
///
/// Encoding here instead of through OpenSSL's base64 BIO gives CRLF line
/// ends directly (OpenSSL writes bare LF even with `CMS_CRLFEOL`).
final class Base64LineSink: ByteSink {
    private let next: ByteSink
    private var pending: [UInt8] = []
    private static let bytesPerLine = 57
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    init(next: ByteSink) {
        self.next = next
        pending.reserveCapacity(Self.bytesPerLine)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var index = bytes.startIndex
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count / Self.bytesPerLine + 1) * 78)
        if !pending.isEmpty {
            let take = min(Self.bytesPerLine - pending.count, bytes.count)
            pending.append(contentsOf: bytes[index..<(index + take)])
            index += take
            guard pending.count == Self.bytesPerLine else { return }
            pending.withUnsafeBytes { Self.encodeLine($0, into: &output) }
            pending.removeAll(keepingCapacity: true)
        }
        while bytes.endIndex - index >= Self.bytesPerLine {
            Self.encodeLine(UnsafeRawBufferPointer(rebasing: bytes[index..<(index + Self.bytesPerLine)]), into: &output)
            index += Self.bytesPerLine
        }
        pending.append(contentsOf: bytes[index...])
        if !output.isEmpty { try next.write(output) }
    }

    func finish() throws {
        if !pending.isEmpty {
            var output: [UInt8] = []
            pending.withUnsafeBytes { Self.encodeLine($0, into: &output) }
            pending.removeAll()
            try next.write(output)
        }
        try next.finish()
    }

    private static func encodeLine(_ line: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        while index < line.count {
            let b0 = line[index]
            let b1: UInt8 = index + 1 < line.count ? line[index + 1] : 0
            let b2: UInt8 = index + 2 < line.count ? line[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(index + 1 < line.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(index + 2 < line.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        output.append(UInt8(ascii: "\r"))
        output.append(UInt8(ascii: "\n"))
    }
}
