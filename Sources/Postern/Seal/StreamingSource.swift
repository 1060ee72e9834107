import Foundation
import PosternMIME

/// A large message file sealed without loading it: its parsed header section and
/// where its body starts. The body is read in chunks, once per copy.
///
/// Only used when the body is already canonical 7-bit text (no octet ≥ 0x80 or NUL,
/// no line over 998 octets once line endings are CRLF), so nothing in it has to be
/// re-encoded; otherwise ``seal(_:logger:)`` parses the whole message in memory.
///
/// - Important: On this path the header section is parsed and checked, but the
///   nested MIME structure of the body is not re-validated: the body is protected
///   byte for byte (after CRLF normalisation).
struct StreamingSource {
    /// Files at least this large are streamed when they qualify.
    static let threshold = 4 << 20
    static let chunkSize = 64 * 1024

    let path: String
    let size: Int
    /// The header section alone, with an empty body.
    let message: Message
    let bodyStart: Int

    /// A streaming source for `path`, or `nil` when the in-memory path must be used
    /// (small file, header section not found, body not canonical 7-bit).
    ///
    /// - Throws: ``MIMEError`` for a malformed header section.
    static func open(_ path: String, options: ParseOptions = ParseOptions()) throws -> StreamingSource? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue, size >= threshold,
            let handle = FileHandle(forReadingAtPath: path)
        else { return nil }
        defer { try? handle.close() }
        let prefix = [UInt8]((try? handle.read(upToCount: options.limits.maxHeaderBytes + 4096)) ?? Data())
        let section = try HeaderSection(parsing: prefix, options: options)
        guard let bodyStart = section.bodyStart else { return nil }
        let source = StreamingSource(
            path: path, size: size, message: Message(entity: MIMEEntity(headers: section.headers, body: .leaf([]))),
            bodyStart: bodyStart)
        var normalizer = CRLFNormalizer()
        var scratch: [UInt8] = []
        try source.forEachRawBodyChunk { chunk in
            scratch.removeAll(keepingCapacity: true)
            normalizer.normalize(chunk, into: &scratch)
        }
        normalizer.finish(into: &scratch)
        guard normalizer.longestLine <= MessageWriter.maxLineLength, !normalizer.sawEightBitOrNUL else { return nil }
        return source
    }

    /// Passes the body, line endings made CRLF, in chunks.
    func forEachCanonicalBodyChunk(_ body: ([UInt8]) throws -> Void) throws {
        var normalizer = CRLFNormalizer()
        var buffer: [UInt8] = []
        try forEachRawBodyChunk { chunk in
            buffer.removeAll(keepingCapacity: true)
            normalizer.normalize(chunk, into: &buffer)
            try body(buffer)
        }
        buffer.removeAll(keepingCapacity: true)
        normalizer.finish(into: &buffer)
        if !buffer.isEmpty { try body(buffer) }
    }

    private func forEachRawBodyChunk(_ body: (Data) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AtomicFiles.WriteError(description: "\(path): cannot be read")
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(bodyStart))
        while let chunk = try handle.read(upToCount: Self.chunkSize), !chunk.isEmpty {
            try body(chunk)
        }
    }
}
