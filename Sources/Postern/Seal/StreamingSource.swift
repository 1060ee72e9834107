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
    /// (small file, header section not found). Whether the body is canonical 7-bit is
    /// found out while sealing (``NotStreamable``).
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
        return StreamingSource(
            path: path, size: size, message: Message(entity: MIMEEntity(headers: section.headers, body: .leaf([]))),
            bodyStart: bodyStart)
    }

    /// The body turned out not to be canonical 7-bit: seal it in memory instead.
    struct NotStreamable: Error {}

    /// Passes the body, line endings made CRLF, in chunks.
    ///
    /// - Throws: ``NotStreamable`` as soon as an 8-bit or NUL octet or a line over 998
    ///   octets shows up (the caller discards what it wrote and takes the in-memory path,
    ///   which re-encodes); checking while sealing spares a separate pass over the file.
    func forEachCanonicalBodyChunk(_ body: ([UInt8]) throws -> Void) throws {
        var normalizer = ChunkCanonicalizer()
        var buffer: [UInt8] = []
        try forEachRawBodyChunk { chunk in
            buffer.removeAll(keepingCapacity: true)
            chunk.withUnsafeBytes { normalizer.normalize($0, into: &buffer) }
            guard normalizer.longestSoFar <= MessageWriter.maxLineLength, !normalizer.sawEightBitOrNUL else {
                throw NotStreamable()
            }
            try body(buffer)
        }
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
